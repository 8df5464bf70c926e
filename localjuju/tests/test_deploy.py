"""The emulator end to end with the toy charm: units in their own mount
namespaces, hooks in Juju's order, relations with an in-test provider."""

import os
import re
import shutil
import subprocess
import sys

import pytest

from localjuju import model as m
from localjuju import network
from localjuju import status as status_view
from localjuju import testing
from localjuju.controller import OperationError
from localjuju.runner import machine_of
from localjuju.testing import TOY_CHARM, hooks_seen

pytestmark = pytest.mark.needs_root


def test_two_units_run_hooks_in_juju_order(controller):
    controller.deploy(TOY_CHARM, units=2)
    assert hooks_seen(controller, 'toy/0')[:7] == [
        ['install'], ['cluster-relation-created'], ['leader-elected'],
        ['config-changed'], ['start'],
        ['cluster-relation-joined', 'toy/1'],
        ['cluster-relation-changed', 'toy/1']]
    assert hooks_seen(controller, 'toy/1')[:3] == [
        ['install'], ['cluster-relation-created'],
        ['leader-settings-changed']]
    state = controller.model.read()
    assert state['applications']['toy']['leader'] == 'toy/0'
    assert state['applications']['toy']['leader-settings'] == {
        'shared-secret': 'from-toy/0', 'greeting': 'hello'}
    # peer data flowed both ways
    cluster = state['relations']['0']['units']
    assert cluster['toy/0']['hello'] == 'toy/0'
    assert cluster['toy/1']['hello'] == 'toy/1'
    for unit in ('toy/0', 'toy/1'):
        record = state['units'][unit]
        assert record['workload']['status'] == 'active'
        assert record['ports'] == ['8989/tcp']
    # a re-run deploy changes nothing and runs no hook
    before = len(controller.lines)
    controller.deploy(TOY_CHARM, units=2)
    assert len(controller.model.read()['applications']['toy']['units']) == 2
    assert not [line for line in controller.lines[before:]
                if ' ok' in line]


def slow_hooks(controller, unit):
    """(hook, started, ended) of each slow hook a toy unit ran."""
    state = controller.model.read()
    machine = machine_of(controller.model, state, unit)
    with open(machine.host_path('/var/lib/charm/toy/slow')) as log:
        return [(hook, float(start), float(end)) for hook, start, end in
                (line.split() for line in log.read().splitlines())]


def test_units_run_their_hooks_side_by_side(controller):
    controller.deploy(TOY_CHARM, units=2)
    # the config-changed hooks of a config change, and the hooks settling
    # a new relation, run on both units at once
    controller.config('toy', ['slow-hook=config-changed'])
    controller.config('toy', ['slow-hook=db-relation-joined'])
    controller.relate('toy:db', 'toydb')
    for hook in ('config-changed', 'db-relation-joined'):
        (_, start0, end0), (_, start1, end1) = [
            [ran for ran in slow_hooks(controller, unit)
             if ran[0] == hook][-1] for unit in ('toy/0', 'toy/1')]
        assert start0 < end1 and start1 < end0, hook
    # each unit still ran its own hooks one at a time
    for unit in ('toy/0', 'toy/1'):
        spans = sorted(slow_hooks(controller, unit), key=lambda r: r[1])
        assert all(a[2] <= b[1] for a, b in zip(spans, spans[1:]))


def test_units_added_together_start_side_by_side(deployed):
    deployed.config('toy', ['slow-hook=install'])
    assert deployed.add_units('toy', 2) == ['toy/1', 'toy/2']
    (_, start1, end1), (_, start2, end2) = [
        slow_hooks(deployed, unit)[-1] for unit in ('toy/1', 'toy/2')]
    assert start1 < end2 and start2 < end1
    # the leader's settings reached both, whenever they started
    state = deployed.model.read()
    assert state['applications']['toy']['leader'] == 'toy/0'
    for unit in ('toy/1', 'toy/2'):
        assert ['leader-settings-changed'] in hooks_seen(deployed, unit)
        assert state['units'][unit]['workload']['status'] == 'active'


def test_each_machine_has_a_disk_of_its_own(controller):
    controller.deploy(TOY_CHARM, units=2)
    state = controller.model.read()
    for unit in ('toy/0', 'toy/1'):
        machine = machine_of(controller.model, state, unit)
        inside = subprocess.run(
            machine.enter_command() + ['cat', '/etc/toy/whoami',
                                       '/etc/lsb-release'],
            capture_output=True, text=True, check=True).stdout
        assert inside.startswith(unit + '\n')
        assert 'DISTRIB_CODENAME=bookworm' in inside
    assert not os.path.exists('/etc/toy/whoami')


def test_relation_data_flows_both_ways(deployed):
    deployed.relate('toy:db', 'toydb')
    state = deployed.model.read()
    relation = state['relations']['1']
    assert relation['units']['toydb/0']['password'] == 'pw-toy'
    assert relation['units']['toy/0']['ready'] == 'yes'
    assert state['units']['toy/0']['workload']['message'] == 'db ready'
    provider = deployed.runner.providers['toydb']
    responses = [c for c in provider.calls if c[0] == 'respond']
    assert responses[-1][2]['toy/0']['database'] == 'toy'
    # relating again is a no-op
    deployed.relate('toy', 'toydb')
    assert len(deployed.model.read()['relations']) == 2

    deployed.remove_relation('toy', 'toydb:db')
    state = deployed.model.read()
    assert '1' not in state['relations']
    assert ('removed', 'db:1') in provider.calls
    assert hooks_seen(deployed, 'toy/0')[-2:] == [
        ['db-relation-departed', 'toydb/0'], ['db-relation-broken']]
    assert state['units']['toy/0']['workload']['status'] == 'blocked'


def test_failed_hook_puts_unit_in_error(deployed):
    deployed.config('toy', ['fail-hook=update-status'])
    assert deployed.hook('toy/0', 'update-status') is False
    state = deployed.model.read()
    assert state['units']['toy/0']['error']['hook'] == 'update-status'
    shown = status_view.render(state)
    assert 'hook failed: "update-status"' in shown
    assert any('FAILED (exit 3)' in line for line in deployed.lines)
    with open(m.unit_log(deployed.model.root, 'toy/0')) as log:
        assert 'failing update-status on purpose' in log.read()
    # the operator fixes config, then `resolved` retries the hook
    deployed.config('toy', ['fail-hook='])
    deployed.resolved('toy/0')
    assert deployed.model.read()['units']['toy/0']['error'] is None


def test_config_change_reaches_followers_through_leader(controller):
    controller.deploy(TOY_CHARM, units=2)
    controller.config('toy', ['greeting=bonjour', 'port=9000'])
    state = controller.model.read()
    for unit in ('toy/0', 'toy/1'):
        assert state['units'][unit]['workload']['message'] == 'bonjour'
        assert '9000/tcp' in state['units'][unit]['ports']
    # the leader published the greeting; only the follower heard of it
    assert hooks_seen(controller, 'toy/1')[-1] == [
        'leader-settings-changed']
    assert ['leader-settings-changed'] not in hooks_seen(controller,
                                                         'toy/0')


def test_config_rejects_bad_values(deployed):
    before = hooks_seen(deployed, 'toy/0')
    for pair, message in (('port=many', 'option "port" expected int, got '
                                        '"many"'),
                          ('colour=red', 'unknown option "colour"')):
        with pytest.raises(OperationError, match=message):
            deployed.config('toy', [pair])
    assert deployed.config('toy')['port'] == 8989
    assert hooks_seen(deployed, 'toy/0') == before


def test_upgrade_charm_keeps_unit_state(deployed):
    state = deployed.model.read()
    machine = machine_of(deployed.model, state, 'toy/0')
    charm = machine.host_path(machine.charm_dir)
    with open(charm + '/.unit-state.db', 'w') as db:
        db.write('flags')
    with open(charm + '/stale-file', 'w') as stale:
        stale.write('from the old charm')
    deployed.upgrade_charm('toy')
    assert hooks_seen(deployed, 'toy/0')[-2:] == [['upgrade-charm'],
                                                  ['config-changed']]
    assert os.path.exists(charm + '/.unit-state.db')
    assert not os.path.exists(charm + '/stale-file')


def test_upgrade_charm_carries_config_to_the_new_options(deployed,
                                                         tmp_path):
    import shutil
    deployed.config('toy', ['greeting=bonjour'])
    newer = str(tmp_path / 'toy')
    shutil.copytree(TOY_CHARM, newer)
    with open(os.path.join(newer, 'config.yaml'), 'w') as config:
        config.write('options:\n'
                     '  greeting: {type: string, default: hello}\n'
                     '  port: {type: int, default: 8989}\n'
                     '  farewell: {type: string, default: bye}\n')
    deployed.upgrade_charm('toy', newer)
    # set values stay, a new option has its default, a gone one goes
    assert deployed.config('toy') == {'greeting': 'bonjour', 'port': 8989,
                                      'farewell': 'bye'}
    assert deployed.model.read()['units']['toy/0']['error'] is None


def test_attached_resource_reaches_the_unit(deployed, tmp_path):
    from localjuju import resources
    banner = tmp_path / 'mine.txt'
    banner.write_text('hello from the operator\n')
    resources.attach(deployed, 'toy', 'banner', str(banner))
    assert hooks_seen(deployed, 'toy/0')[-2:] == [['upgrade-charm'],
                                                  ['config-changed']]
    state = deployed.model.read()
    machine = machine_of(deployed.model, state, 'toy/0')
    assert open(machine.host_path('/etc/toy/banner')).read() == \
        'hello from the operator\n'
    with pytest.raises(OperationError):
        resources.attach(deployed, 'toy', 'nonsense', str(banner))


def test_actions(deployed):
    record = deployed.run_action('toy/0', 'hello', ['name=bob'])
    assert record['status'] == 'completed'
    assert record['results'] == {'greeting': {'text': 'hello bob',
                                              'unit': 'toy/0'}}
    shown = status_view.action_output(record)
    assert 'text: hello bob' in shown
    record = deployed.run_action('toy/0', 'fail')
    assert record['status'] == 'failed'
    assert record['message'] == 'told to fail'


def test_actions_params_juju_refuses_never_reach_the_unit(deployed):
    ran = len(deployed.model.read()['actions'])
    for args, message in ((['name=bob', 'loud=yes'],
                           'additional property "loud" is not allowed'),
                          (['name=[1]'], '(root).name : must be of type '
                                         'string')):
        with pytest.raises(OperationError, match=re.escape(message)):
            deployed.run_action('toy/0', 'hello', args)
    assert len(deployed.model.read()['actions']) == ran
    with pytest.raises(OperationError, match='action "nope" not defined'):
        deployed.run_action('toy/0', 'nope')
    # the schema's default when no name is given; on the leader
    record = deployed.run_action('toy/leader', 'hello')
    assert record['results']['greeting'] == {'text': 'hello world',
                                             'unit': 'toy/0'}


def test_destroy_stops_unit_processes(controller):
    controller.deploy(TOY_CHARM)
    state = controller.model.read()
    machine = machine_of(controller.model, state, 'toy/0')
    subprocess.run(machine.enter_command() + [
        'sh', '-c', 'sleep 300 >/dev/null 2>&1 &'], check=True)
    pids = machine.pids()
    assert pids
    controller.destroy()
    assert not any(testing.process_running(p) for p in pids)
    assert not machine.exists()
    assert not controller.model.exists()


def test_cli_status_and_run(deployed, state_root):
    def cli(*args):
        return subprocess.run(
            [sys.executable, '-m', 'localjuju', '-m', 'test'] + list(args),
            capture_output=True, text=True,
            cwd=os.path.dirname(os.path.dirname(os.path.dirname(
                __file__))),
            env=dict(os.environ, LOCAL_JUJU_STATE=state_root))
    shown = cli('status')
    assert shown.returncode == 0
    assert 'toy/0*' in shown.stdout and 'App' in shown.stdout
    ran = cli('run', 'toy/0', 'hello', 'name=cli')
    assert ran.returncode == 0, ran.stderr
    assert 'text: hello cli' in ran.stdout
    failed = cli('run', 'toy/0', 'fail')
    assert failed.returncode == 1
    assert 'ERROR the following task failed' in failed.stdout
    # a YAML value, a string with --string-args: name is a string
    refused = cli('run', 'toy/0', 'hello', 'name=true')
    assert refused.returncode == 1
    assert refused.stderr.startswith('ERROR validation failed: '
                                     '(root).name : must be of type string')
    ran = cli('run', 'toy/0', 'hello', '--string-args', 'name=true')
    assert ran.returncode == 0 and 'text: hello true' in ran.stdout
    refused = cli('config', 'toy', 'port=abc')
    assert (refused.returncode, refused.stderr) == (
        1, 'ERROR option "port" expected int, got "abc"\n')


CHARMHELPERS_HOOK = '''#!{python}
import json, sys
sys.path.insert(0, {path!r})
from charmhelpers.core import hookenv, host
report = {{
    'leader': hookenv.is_leader(),
    'config': dict(hookenv.config()),
    'relation_ids': hookenv.relation_ids('db'),
    'related': hookenv.related_units('db:1'),
    'remote': hookenv.relation_get(rid='db:1', unit='toydb/0'),
    'ingress': hookenv.ingress_address(rid='db:1', unit='toydb/0'),
    'network': hookenv.network_get('db', 'db:1'),
    'primary': hookenv.network_get_primary_address('public'),
    'codename': host.lsb_release()['DISTRIB_CODENAME'],
    'leader_settings': hookenv.leader_get(),
    'private_ip': hookenv.unit_private_ip(),
}}
hookenv.relation_set('db:1', {{'from-charmhelpers': 'yes', 'n': 3}})
hookenv.open_port(8443)
hookenv.status_set('active', 'via charmhelpers')
report['status'] = hookenv.status_get()
hookenv.application_version_set('9.9')
hookenv.leader_set({{'k': 'v'}})
hookenv.log('charmhelpers was here', level=hookenv.WARNING)
with open('/var/lib/charm/toy/charmhelpers.json', 'w') as out:
    json.dump(report, out)
'''


def test_charmhelpers_hookenv_against_the_tools(deployed):
    charmhelpers = pytest.importorskip('charmhelpers')
    deployed.relate('toy', 'toydb')
    state = deployed.model.read()
    machine = machine_of(deployed.model, state, 'toy/0')
    hook = machine.host_path(machine.charm_dir + '/hooks/update-status')
    os.unlink(hook)
    with open(hook, 'w') as out:
        # the machine's python, charmhelpers inside the charm (a charm's
        # own lib/), as a charm built with it carries it
        out.write(CHARMHELPERS_HOOK.format(
            python='/usr/bin/python3', path=machine.charm_dir + '/lib'))
    shutil.copytree(os.path.dirname(charmhelpers.__file__), machine.host_path(
        machine.charm_dir + '/lib/charmhelpers'))
    os.chmod(hook, 0o755)
    assert deployed.hook('toy/0', 'update-status')
    import json
    with open(machine.host_path('/var/lib/charm/toy/charmhelpers.json')) \
            as source:
        report = json.load(source)
    assert report['leader'] is True
    assert report['config']['greeting'] == 'hello'
    assert report['relation_ids'] == ['db:1']
    assert report['related'] == ['toydb/0']
    assert report['remote']['password'] == 'pw-toy'
    address = state['units']['toy/0']['address']
    assert report['ingress'] == network.HOST_ADDRESS  # toydb's, the host
    assert report['primary'] == address
    assert report['network']['ingress-addresses'] == [address]
    assert report['codename'] == 'bookworm'
    assert report['leader_settings']['shared-secret'] == 'from-toy/0'
    assert report['private_ip'] == address
    assert report['status'] == ['active', 'via charmhelpers']
    state = deployed.model.read()
    assert state['relations']['1']['units']['toy/0']['from-charmhelpers'] \
        == 'yes'
    assert state['relations']['1']['units']['toy/0']['n'] == '3'
    assert '8443/tcp' in state['units']['toy/0']['ports']
    assert state['applications']['toy']['version'] == '9.9'
    assert state['applications']['toy']['leader-settings']['k'] == 'v'
    with open(m.unit_log(deployed.model.root, 'toy/0')) as log:
        assert 'WARNING juju-log: charmhelpers was here' in log.read()


def test_config_and_actions_want_key_value_pairs(deployed):
    with pytest.raises(OperationError, match='expected "key=value", got '
                                             '"debug"'):
        deployed.config('toy', ['debug'])
    with pytest.raises(OperationError, match='argument "x" must be of the '
                                             'form key.key.key...=value'):
        deployed.run_action('toy/0', 'hello', ['x'])
