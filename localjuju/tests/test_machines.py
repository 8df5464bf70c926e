"""Each unit is a machine of its own, with services independent of others'.

Its address on the bridge, its /run, its hostname; two units' services
are independent; nothing is routed beyond the bridge; destroy takes the
machines away."""

import os
import subprocess
import sys
import time
import urllib.request

import pytest

from localjuju import network
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
    text = inside(controller, unit, 'cat', '/run/toy.pid').stdout.strip()
    return int(text)


def gone(pid, timeout=10):
    deadline = time.monotonic() + timeout
    while os.path.exists('/proc/{}'.format(pid)):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


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
    # the second unit's install did not stop the first unit's service
    pids = {unit: toy_pid(controller, unit) for unit in addresses}
    assert len(set(pids.values())) == 2
    for pid in pids.values():
        assert os.path.exists('/proc/{}'.format(pid))
    assert not os.path.exists('/run/toy.pid')  # the host's /run untouched
    # a hook of one unit stopping "its" service leaves the other's alone
    assert controller.hook('toy/1', 'stop')
    assert gone(pids['toy/1'])
    assert os.path.exists('/proc/{}'.format(pids['toy/0']))
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
    for net in nets:
        assert not os.path.exists(net.path)
        assert not network.link_exists(net.veth)
        assert net.address not in network.leases()


def test_a_killed_sessions_models_are_removed_by_the_next(controller):
    # A session killed mid-test (no fixture teardown) leaves its model's
    # machines, processes and leases; the next session finds and removes
    # them.
    controller.deploy(TOY_CHARM, units=2)
    state = controller.model.read()
    pid = toy_pid(controller, 'toy/0')
    nets = [machine_of(controller.model, state, unit).net
            for unit in ('toy/0', 'toy/1')]
    assert testing.leftover_roots() == [controller.model.root]
    testing.destroy_leftover(controller.model.root)
    assert testing.leftover_roots() == []
    assert gone(pid)
    for net in nets:
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
