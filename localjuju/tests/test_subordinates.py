"""Subordinate units: `relate` of a container-scoped endpoint puts one on
each unit of the principal, on its machine; `remove-relation` takes them
away, the principals stay."""

import pytest

from localjuju.runner import machine_of
from localjuju.testing import TOY_CHARM, TOY_SUBORDINATE

pytestmark = pytest.mark.needs_root


def learned(controller, unit):
    """What the toy subordinate's -joined hook saw: its principal (from
    the agent), the units relation-list gives, the remote's address."""
    state = controller.model.read()
    machine = machine_of(controller.model, state, unit)
    with open(machine.host_path('/var/lib/charm/toy-sub/principal')) as f:
        return f.read().split()


def in_order(ran, expected):
    """Whether ``expected`` are among ``ran`` in that order."""
    found = iter(ran)
    return all(hook in found for hook in expected)


def sub_hooks(controller, unit):
    state = controller.model.read()
    machine = machine_of(controller.model, state, unit)
    with open(machine.host_path('/var/lib/charm/toy-sub/hooks.log')) as f:
        return [line.split()[1] for line in f.read().splitlines()
                if line.split()[0] == unit]


def test_a_subordinate_lives_and_goes_with_its_container_relation(
        controller):
    controller.deploy(TOY_CHARM, units=2)
    controller.deploy(TOY_SUBORDINATE)
    assert controller.model.read()['applications']['toy-sub'][
        'units'] == []
    controller.relate('toy-sub', 'toy')     # host <-> implicit juju-info
    state = controller.model.read()
    assert state['applications']['toy-sub']['units'] == [
        'toy-sub/0', 'toy-sub/1']
    machines = set()
    for sub in ('toy-sub/0', 'toy-sub/1'):
        record = state['units'][sub]
        principal = record['principal']
        address = state['units'][principal]['address']
        assert record['address'] == address
        # its hooks ran in its principal's machine, seeing only that unit
        assert learned(controller, sub) == [principal, principal, address]
        assert record['workload']['status'] == 'active'
        assert record['workload']['message'] == 'on ' + principal
        machines.add(machine_of(controller.model, state, sub).name)
    assert len(machines) == 2
    # a principal added later gets its subordinate
    controller.add_unit('toy')
    state = controller.model.read()
    assert state['units']['toy-sub/2']['principal'] == 'toy/2'
    assert learned(controller, 'toy-sub/2')[0] == 'toy/2'
    # remove-relation: the subordinates leave, stop and go
    controller.remove_relation('toy-sub', 'toy')
    state = controller.model.read()
    assert state['applications']['toy-sub']['units'] == []
    assert not any(u.startswith('toy-sub/') for u in state['units'])
    for principal in ('toy/0', 'toy/1', 'toy/2'):
        machine = machine_of(controller.model, state, principal)
        assert machine.system_state() == 'running'
        with open(machine.host_path(
                '/var/lib/charm/toy-sub/hooks.log')) as log:
            ran = [line.split()[1] for line in log.read().splitlines()]
        assert ran[-2:] == ['stop', 'remove'], ran
        assert in_order(ran, ['host-relation-joined',
                              'host-relation-departed',
                              'host-relation-broken', 'stop']), ran
        with pytest.raises(FileNotFoundError):
            learned_path = machine.host_path(
                '/var/lib/charm/toy-sub/principal')
            open(learned_path)


def test_a_killed_principal_takes_its_subordinates_agent_down(controller):
    controller.deploy(TOY_CHARM)
    controller.deploy(TOY_SUBORDINATE)
    controller.relate('toy-sub:host', 'toy:juju-info')
    before = len(sub_hooks(controller, 'toy-sub/0'))
    controller.kill_unit('toy/0', wait=False)
    state = controller.model.read()
    assert state['units']['toy-sub/0']['agent'] == 'lost'
    controller.revive_unit('toy/0')
    state = controller.model.read()
    assert state['units']['toy-sub/0']['agent'] == 'idle'
    # its agent came back with the machine: start, then config-changed
    assert in_order(sub_hooks(controller, 'toy-sub/0')[before:],
                    ['start', 'config-changed'])
