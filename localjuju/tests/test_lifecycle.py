"""remove-unit, kill-unit, revive-unit and leadership after a lease.

With the toy charm, each unit a machine serving on its own address."""

import os
import subprocess
import sys
import time
import urllib.request

import pytest

from localjuju.runner import machine_of
from localjuju.testing import TOY_CHARM, hooks_seen

pytestmark = pytest.mark.needs_root


@pytest.fixture
def three(controller, monkeypatch):
    monkeypatch.setenv('LOCAL_JUJU_LEASE', '2')
    controller.deploy(TOY_CHARM, units=3)
    return controller


def serves(address, timeout=2, tries=1):
    """Who answers on ``address`` (None: nobody), trying a few times."""
    for attempt in range(tries):
        try:
            url = 'http://{}:8989/whoami'.format(address)
            with urllib.request.urlopen(url, timeout=timeout) as answer:
                return answer.read().decode().strip()
        except OSError:
            time.sleep(0.5)
    return None


def ran(controller, unit, hook):
    return [line for line in controller.lines
            if line.split()[:2] == [unit, hook]]


def test_remove_leader_elects_another_after_the_lease(three):
    state = three.model.read()
    net = machine_of(three.model, state, 'toy/0').net
    three.relate('toy', 'toydb')
    started = time.monotonic()
    three.remove_unit('toy/0')
    assert time.monotonic() - started >= 2  # the lease ran out first
    state = three.model.read()
    assert state['applications']['toy']['units'] == ['toy/1', 'toy/2']
    assert 'toy/0' not in state['units']
    assert state['applications']['toy']['leader'] == 'toy/1'
    for hook in ('cluster-relation-departed',
                 'db-relation-broken', 'stop'):
        assert any(line.split()[1].startswith(hook) for line in
                   three.lines if line.startswith('toy/0 ')), hook
    for unit in ('toy/1', 'toy/2'):
        assert ['cluster-relation-departed', 'toy/0'] in hooks_seen(
            three, unit)
        departed = machine_of(three.model, state, unit).host_path(
            '/var/lib/charm/toy/departed')
        with open(departed) as seen:
            assert seen.read() == 'toy/0 toy/0\n'
    assert ['leader-elected'] in hooks_seen(three, 'toy/1')
    after = hooks_seen(three, 'toy/2')
    last = max(n for n, hook in enumerate(after)
               if hook == ['leader-settings-changed'])
    assert last > after.index(['cluster-relation-departed', 'toy/0'])
    # the provider saw the unit leave
    assert sorted(state['relations']['1']['units']) == [
        'toy/1', 'toy/2', 'toydb/0']
    assert not os.path.exists(net.path)


def test_the_election_does_not_wait_for_the_leaving_leaders_hooks(three):
    # its stop hook outlasts the lease: the new leader is elected, and
    # the others see it depart, while it still stops
    three.config('toy', ['slow-hook=stop', 'slow-seconds=8'])
    three.remove_unit('toy/0')
    done = [line.split()[:2] for line in three.lines]
    assert done.index(['toy/1', 'leader-elected']) < \
        done.index(['toy/0', 'stop'])
    assert done.index(['toy/2', 'cluster-relation-departed']) < \
        done.index(['toy/0', 'stop'])
    assert three.model.read()['applications']['toy']['leader'] == 'toy/1'


def test_kill_and_revive_a_machine(three):
    state = three.model.read()
    address = state['units']['toy/0']['address']
    machine = machine_of(three.model, state, 'toy/0')
    assert serves(address, tries=10) == 'toy/0'
    assert machine.pids()
    three.kill_unit('toy/0')
    assert machine.pids() == []
    assert serves(address) is None
    state = three.model.read()
    assert state['units']['toy/0']['agent'] == 'lost'
    assert state['applications']['toy']['leader'] == 'toy/1'
    assert ran(three, 'toy/1', 'leader-elected')
    # a dead machine runs no hook
    before = len(hooks_seen(three, 'toy/0'))
    three.config('toy', ['greeting=hi'])
    assert len(hooks_seen(three, 'toy/0')) == before
    # boot: an empty /run, then the agent's start and config-changed
    three.revive_unit('toy/0')
    assert hooks_seen(three, 'toy/0')[before:][:2] == [
        ['start'], ['config-changed']]
    assert serves(address, tries=10) == 'toy/0'
    assert three.model.read()['applications']['toy']['leader'] == 'toy/1'
    assert three.model.read()['units']['toy/0']['workload'][
        'message'] == 'hi'


def test_kill_a_follower_keeps_the_leader(three):
    started = time.monotonic()
    three.kill_unit('toy/2')
    assert time.monotonic() - started < 2
    assert three.model.read()['applications']['toy']['leader'] == 'toy/0'
    three.remove_unit('toy/2')  # a dead machine's unit can be removed
    assert three.model.read()['applications']['toy']['units'] == [
        'toy/0', 'toy/1']


def test_cli_unit_commands(three, state_root):
    env = dict(os.environ, LOCAL_JUJU_STATE=state_root)
    for command in (['kill-unit', 'toy/1'], ['revive-unit', 'toy/1'],
                    ['remove-unit', 'toy/1']):
        done = subprocess.run(
            [sys.executable, '-m', 'localjuju', '-m', 'test'] + command,
            env=env, capture_output=True, text=True,
            cwd=os.path.dirname(os.path.dirname(os.path.dirname(
                os.path.abspath(__file__)))))
        assert done.returncode == 0, done.stderr
    assert three.model.read()['applications']['toy']['units'] == [
        'toy/0', 'toy/2']


def test_cut_off_and_reconnect_a_machine(three):
    state = three.model.read()
    address = state['units']['toy/0']['address']
    machine = machine_of(three.model, state, 'toy/0')
    assert serves(address, tries=10) == 'toy/0'
    pids = set(machine.pids())
    three.cut_unit('toy/0')
    # its processes live on, unreachable; its agent is lost, its lease ran
    # out and another unit leads
    assert pids <= set(machine.pids())
    assert serves(address) is None
    assert not machine.reachable() and machine.powered()
    state = three.model.read()
    assert state['units']['toy/0']['agent'] == 'lost'
    assert state['applications']['toy']['leader'] == 'toy/1'
    before = len(hooks_seen(three, 'toy/0'))
    three.config('toy', ['greeting=cut'])
    assert len(hooks_seen(three, 'toy/0')) == before
    three.reconnect_unit('toy/0')
    assert serves(address, tries=10) == 'toy/0'
    assert machine.reachable()
    assert ['config-changed'] in hooks_seen(three, 'toy/0')[before:]
    state = three.model.read()
    assert state['units']['toy/0']['agent'] == 'idle'
    assert state['units']['toy/0']['workload']['message'] == 'cut'
    assert state['applications']['toy']['leader'] == 'toy/1'
