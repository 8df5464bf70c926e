"""Each unit is a machine of its own that boots systemd, with services
independent of others'.

Its address on the bridge, its disk, its hostname; two units' services
are independent; nothing is routed beyond the bridge and apt goes
through the proxy only; a power cut kills everything, a running hook
too, and keeps the disk and journal; destroy takes the machines away."""

import os
import subprocess
import sys
import time
import urllib.request

import pytest

from localjuju import aptproxy
from localjuju import cgroups
from localjuju import network
from localjuju import paths
from localjuju.machine import in_use_images
from localjuju.runner import machine_of
from localjuju import testing
from localjuju.testing import TOY_CHARM

pytestmark = pytest.mark.needs_root


def inside(controller, unit, *command, check=True):
    machine = machine_of(controller.model, controller.model.read(), unit)
    return subprocess.run(machine.enter_command() + list(command),
                          capture_output=True, text=True, check=check)


def fetch(address, path, port=8989):
    url = 'http://{}:{}/{}'.format(address, port, path)
    with urllib.request.urlopen(url, timeout=10) as answer:
        return answer.read().decode()


def toy_pid(controller, unit):
    """The toy service's PID in its machine (0: not running)."""
    return int(inside(controller, unit, 'systemctl', 'show', '-p', 'MainPID',
                      '--value', 'toy').stdout)


def alive(controller, unit, pid):
    return inside(controller, unit, 'kill', '-0', str(pid),
                  check=False).returncode == 0


def test_units_are_machines_of_their_own(controller):
    controller.deploy(TOY_CHARM, units=2)
    state = controller.model.read()
    addresses = {unit: state['units'][unit]['address']
                 for unit in ('toy/0', 'toy/1')}
    assert len(set(addresses.values())) == 2
    for unit, address in addresses.items():
        assert network.in_subnet(address)
        assert '{}/24'.format(address) in inside(
            controller, unit, 'ip', '-br', 'addr', 'show', 'eth0').stdout
        assert inside(controller, unit, 'hostname').stdout.strip() == \
            'juju-' + unit.replace('/', '-')
        # its own service, on its own address, serving its own files
        assert fetch(address, 'whoami') == unit + '\n'
        relation = state['relations']['0']['units'][unit]
        assert relation['private-address'] == address
    # each machine boots systemd, runs its own service, keeps its own disk
    for unit in addresses:
        machine = machine_of(controller.model, state, unit)
        assert machine.system_state() == 'running'
        assert inside(controller, unit, 'cat', '/proc/1/comm').stdout == \
            'systemd\n'
        assert toy_pid(controller, unit) > 0
    assert not os.path.exists('/etc/toy/whoami')  # the host's untouched
    # a hook of one unit stopping "its" service leaves the other's alone
    pid = toy_pid(controller, 'toy/0')
    assert controller.hook('toy/1', 'stop')
    assert toy_pid(controller, 'toy/1') == 0
    assert alive(controller, 'toy/0', pid)
    assert fetch(addresses['toy/0'], 'whoami') == 'toy/0\n'


def test_nothing_leaves_the_bridge(controller):
    controller.deploy(TOY_CHARM, units=2)
    state = controller.model.read()
    other = state['units']['toy/1']['address']
    routes = inside(controller, 'toy/0', 'ip', 'route').stdout
    assert 'default' not in routes
    for reachable in (network.HOST_ADDRESS, other, '127.0.0.1'):
        assert inside(controller, 'toy/0', 'ip', 'route', 'get',
                      reachable).returncode == 0
    for beyond in ('192.0.2.2', '8.8.8.8'):
        unreachable = inside(controller, 'toy/0', 'ip', 'route', 'get',
                             beyond, check=False)
        assert unreachable.returncode != 0
        assert 'unreachable' in unreachable.stderr
    assert fetch(other, 'whoami') == 'toy/1\n'


def test_a_new_machine_on_a_reused_address_is_announced(controller):
    # A removed unit's address goes to the next unit, on a new veth with a
    # new MAC; neighbours that still held the old one would drop the first
    # connects (about 8 s of probes, as a CI run once saw).
    controller.deploy(TOY_CHARM, units=2)
    address = controller.model.read()['units']['toy/1']['address']
    controller.remove_unit('toy/1')
    stale = '02:00:00:00:00:01'
    network.ip('neigh', 'replace', address, 'lladdr', stale, 'dev',
               network.BRIDGE, 'nud', 'stale')
    inside(controller, 'toy/0', 'ip', 'neigh', 'replace', address,
           'lladdr', stale, 'dev', 'eth0', 'nud', 'stale')
    controller.add_unit('toy')
    state = controller.model.read()
    assert state['units']['toy/2']['address'] == address
    assert stale not in network.ip('neigh', 'show', 'to', address).stdout
    assert stale not in inside(controller, 'toy/0', 'ip', 'neigh', 'show',
                               'to', address).stdout
    assert fetch(address, 'whoami') == 'toy/2\n'


def test_destroy_takes_the_machines_away(controller):
    controller.deploy(TOY_CHARM, units=2)
    state = controller.model.read()
    nets = [machine_of(controller.model, state, unit).net
            for unit in ('toy/0', 'toy/1')]
    assert all(net.exists() for net in nets)
    controller.destroy()
    # its own machines: another test's leak fails where it happens
    # (cgroups.Group.remove raises)
    assert not {net.netns for net in nets} & set(cgroups.machine_names())
    for net in nets:
        assert not os.path.exists(net.path)
        assert not network.link_exists(net.veth)
        assert net.address not in network.leases()


def test_a_group_still_holding_a_process_is_not_removed_silently():
    group = cgroups.Group('lj-test-held')
    group.create()
    sleeper = subprocess.Popen(['sh', '-c', '\n'.join(
        group.join_script() + ['exec sleep 60'])])
    try:
        deadline = time.monotonic() + 5
        while sleeper.pid not in group.procs():
            assert time.monotonic() < deadline
            time.sleep(0.05)
        with pytest.raises(RuntimeError) as refused:
            group.remove(timeout=0.3)
        assert str(sleeper.pid) in str(refused.value)
        assert 'lj-test-held' in cgroups.machine_names()
    finally:
        group.kill()
        sleeper.wait()
    group.remove()
    assert 'lj-test-held' not in cgroups.machine_names()


def test_a_killed_sessions_models_are_removed_by_the_next(controller):
    # A session killed mid-test (no fixture teardown) leaves its model's
    # machines, processes and leases; the next session finds and removes
    # them.
    controller.deploy(TOY_CHARM, units=2)
    state = controller.model.read()
    machines = [machine_of(controller.model, state, unit)
                for unit in ('toy/0', 'toy/1')]
    pids = machines[0].pids()
    assert pids
    assert testing.leftover_roots() == [controller.model.root]
    testing.destroy_leftover(controller.model.root)
    assert testing.leftover_roots() == []
    assert not any(testing.process_running(pid) for pid in pids)
    assert not any(machine.exists() for machine in machines)
    for net in (machine.net for machine in machines):
        assert not os.path.exists(net.path)
        assert net.address not in network.leases()


def test_a_second_session_is_refused_while_one_runs(controller):
    # this session holds the host (the controller fixture claimed it)
    other = subprocess.run(
        [sys.executable, '-c', 'from localjuju.testing import claim_host; '
         'claim_host()'], capture_output=True, text=True,
        cwd=os.path.dirname(os.path.dirname(testing.__file__)))
    assert other.returncode != 0
    assert 'another test session' in other.stderr


def test_power_loss_keeps_the_disk_and_journal(controller):
    controller.deploy(TOY_CHARM)
    machine = machine_of(controller.model, controller.model.read(), 'toy/0')
    inside(controller, 'toy/0', 'sh', '-c', 'echo kept > /var/lib/kept')
    seen = len(testing.hooks_seen(controller, 'toy/0'))
    controller.kill_unit('toy/0', wait=False)
    assert machine.system_state() == 'off' and not machine.pids()
    controller.revive_unit('toy/0', run_hooks=False)
    assert machine.system_state() == 'running'
    assert inside(controller, 'toy/0', 'cat', '/var/lib/kept').stdout == \
        'kept\n'
    boots = inside(controller, 'toy/0', 'journalctl', '--list-boots',
                   '--no-pager').stdout.strip().splitlines()
    assert len(boots) == 3      # the header, two boots
    # systemd started the enabled service: no hook ran
    assert toy_pid(controller, 'toy/0') > 0
    assert len(testing.hooks_seen(controller, 'toy/0')) == seen
    controller.agent_back('toy/0')
    assert testing.hooks_seen(controller, 'toy/0')[seen:][:2] == [
        ['start'], ['config-changed']]


def test_a_running_hook_dies_with_its_machine(controller):
    controller.deploy(TOY_CHARM)
    machine = machine_of(controller.model, controller.model.read(), 'toy/0')
    # what the agent's hook would be: a process entered into the machine
    hook = subprocess.Popen(machine.enter_command() + ['sleep', '300'])
    time.sleep(0.5)
    controller.kill_unit('toy/0', wait=False)
    assert hook.wait(timeout=10) != 0


def test_apt_reaches_the_debian_archive_through_the_proxy_only(controller):
    controller.deploy(TOY_CHARM)
    installed = inside(controller, 'toy/0', 'apt-get', 'install', '-y', '-q',
                       'hello', check=False)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert inside(controller, 'toy/0', 'hello').stdout == 'Hello, world!\n'
    with open(os.path.join(paths.cache(), 'apt-cacher-ng-log',
                           'apt-cacher.log')) as log:
        assert '/pool/main/h/hello/hello_' in log.read()
    # anything but the archive is refused by the proxy (a name that never
    # resolves: nothing would leave even if it were not)
    refused = inside(controller, 'toy/0', 'python3', '-c', '\n'.join([
        'import urllib.request, urllib.error',
        'proxy = urllib.request.ProxyHandler({"http": "%s"})' %
        aptproxy.url(),
        'try:',
        '    urllib.request.build_opener(proxy).open(',
        '        "http://elsewhere.invalid/", timeout=10)',
        'except urllib.error.HTTPError as error:',
        '    print(error.code)']))
    assert refused.stdout.strip() == '403', refused


def test_an_application_may_boot_an_image_baked_with_packages(controller):
    controller.deploy(TOY_CHARM)
    controller.deploy(TOY_CHARM, 'baked', image_packages=['hello'])
    state = controller.model.read()
    plain, baked = (machine_of(controller.model, state, unit)
                    for unit in ('toy/0', 'baked/0'))
    layers = {}
    for machine in (plain, baked):
        with open(os.path.join(machine.disk, 'image')) as recorded:
            layers[machine.unit] = recorded.read().strip().split(':')
    # the baked machine: a layer over the same base, in use while it is
    assert len(layers['baked/0']) == 2
    assert layers['baked/0'][1:] == layers['toy/0']
    assert {os.path.dirname(layer) for layer in layers['baked/0']} <= \
        in_use_images()
    assert inside(controller, 'baked/0', 'hello').stdout == \
        'Hello, world!\n'
    assert inside(controller, 'toy/0', 'sh', '-c', 'command -v hello',
                  check=False).returncode != 0
    # installed as dpkg sees it
    listed = inside(controller, 'baked/0', 'dpkg', '-l', 'hello').stdout
    assert 'ii  hello' in listed
    assert fetch(state['units']['baked/0']['address'], 'whoami') == \
        'baked/0\n'
