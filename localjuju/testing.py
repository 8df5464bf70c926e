"""What tests of the emulator, or of a harness built on it, use: the toy
charm, a fake provider, pytest fixtures (a throw-away model and its
Controller) and a look at the hooks a toy unit ran.

A conftest.py imports the fixtures it wants by name, e.g.
``from localjuju.testing import controller, deployed, state_root``.
"""

import fcntl
import fnmatch
import glob
import os
import tempfile

import pytest

from localjuju import machine as machines
from localjuju import model as m
from localjuju import network
from localjuju.controller import Controller
from localjuju.provider import Provider
from localjuju.runner import machine_of

TOY_CHARM = os.path.join(os.path.dirname(__file__), 'tests', 'toy_charm')
TOY_SUBORDINATE = os.path.join(os.path.dirname(__file__), 'tests',
                               'toy_subordinate')


class FakeDB(Provider):
    """Answers a ``database`` request with a password, like a DB charm."""

    application = 'toydb'
    interface = 'toydb'
    units = 1

    def __init__(self, state_dir):
        super().__init__(state_dir)
        self.calls = []

    def ensure(self, progress=print):
        progress('fake database ready')

    def respond(self, relation):
        self.calls.append(('respond', relation.id, dict(relation.charm_units)))
        asked = [data for data in relation.charm_units.values()
                 if data.get('database')]
        for unit in relation.provider_units:
            answer = {'host': relation.unit_address}
            if asked:
                answer['password'] = 'pw-' + asked[0]['database']
            relation.set_unit(unit, answer)
        relation.set_app({'version': '1'})

    def relation_removed(self, relation):
        self.calls.append(('removed', relation.id))

    def destroy(self):
        self.calls.append(('destroy',))


def hooks_seen(controller, unit):
    """The hooks a toy charm unit ran, oldest first: [hook, remote?]."""
    state = controller.model.read()
    machine = machine_of(controller.model, state, unit)
    with open(machine.host_path('/var/lib/charm/toy/hooks.log')) as log:
        return [line.split()[1:] for line in log.read().splitlines()]


def process_running(pid):
    """A process that exists and is no zombie (a killed machine's
    processes are reaped by whoever inherited them, a moment later)."""
    try:
        with open('/proc/{}/stat'.format(pid)) as stat:
            return stat.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except OSError:
        return False


def skip_unless_root(items):
    """Skip the tests marked needs_root when not running as root."""
    if os.geteuid() == 0:
        return
    skip = pytest.mark.skip(reason='needs root (mount namespaces)')
    for item in items:
        if 'needs_root' in item.keywords and \
                not item.get_closest_marker('skip'):
            item.add_marker(skip)


# One test session at a time owns the host's test models: those under
# pytest's temporary roots. Any found when the session starts were left by
# a session that was killed (a host that lost power keeps no fixture's
# teardown), and would hold the bridge's addresses and the ports.
SESSION_LOCK = '/run/local-juju-tests.lock'
TEST_ROOTS = os.path.join(tempfile.gettempdir(), 'pytest-of-*')
_session = []


def claim_host(progress=print):
    """Take the host for this test session (idempotent) and destroy the
    test models a killed session left. Raises RuntimeError while another
    session runs."""
    if _session:
        return
    lock = open(SESSION_LOCK, 'a')
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        raise RuntimeError('another test session of the local deployment '
                           'is running on this host (it holds {})'
                           .format(SESSION_LOCK))
    _session.append(lock)  # held until the process exits
    for root in leftover_roots():
        progress('removing the test model a killed session left at ' + root)
        destroy_leftover(root)


def leftover_roots():
    """Model roots under pytest's temporary roots that still hold a
    machine's disk or an address on the bridge."""
    roots = {point.rsplit('/units/', 1)[0]
             for point in machines.mount_points()
             if point.endswith('/machine/root') and '/units/' in point}
    roots.update(holder.rsplit(':', 2)[0]
                 for holder in network.leases().values())
    return sorted(root for root in roots
                  if fnmatch.fnmatch(root, TEST_ROOTS + '/*'))


def destroy_leftover(root):
    """Everything a model at ``root`` left: through its state when it is
    still there, then whatever machine or lease outlived it."""
    for path in glob.glob(os.path.join(root, '*.json')):
        name = os.path.basename(path)[:-len('.json')]
        Controller(m.Model(name, root), out=lambda line: None).destroy()
    for address, holder in network.leases().items():
        if holder.startswith(root + ':'):
            unit = holder.rsplit(':', 1)[1]
            machines.Machine(root, unit, address).destroy()
    for point in sorted(machines.mount_points()):
        if point.startswith(root + '/units/'):
            machines.run(['umount', '-l', point])
    machines.teardown(root)


@pytest.fixture
def state_root(tmp_path, monkeypatch):
    claim_host()
    root = str(tmp_path / 'state')
    monkeypatch.setenv('LOCAL_JUJU_STATE', root)
    return root


@pytest.fixture
def controller(state_root):
    """A Controller of a throw-away model that knows the FakeDB provider;
    ``lines`` holds what it printed, ``fakes['instances']`` the FakeDBs."""
    lines = []
    fakes = {}

    class Recorded(FakeDB):
        def __init__(self, state_dir):
            super().__init__(state_dir)
            fakes.setdefault('instances', []).append(self)

    ctl = Controller(m.Model('test', state_root), out=lines.append,
                     providers={'toydb': Recorded})
    ctl.lines = lines
    ctl.fakes = fakes
    yield ctl
    ctl.destroy()


@pytest.fixture
def deployed(controller):
    controller.deploy(TOY_CHARM)
    return controller
