"""The hook tools against a hand-made model: formats, scopes, failures."""

import json
import subprocess

import pytest
import yaml

from localjuju import hooktools
from localjuju.hooktools.install import install
from localjuju import model as m


@pytest.fixture
def model(state_root):
    """toy/0 (leader) and toy/1, related to toydb/0 on db:1."""
    mdl = m.Model('test', state_root)
    with mdl.edit() as state:
        state['applications']['toy'] = {
            'units': ['toy/0', 'toy/1'], 'leader': 'toy/0',
            'leader-settings': {'token': 'abc'}, 'version': '',
            'status': None, 'bindings': ['cluster', 'db', 'public'],
            'config': {'greeting': 'hi', 'port': 8989, 'debug': False,
                       'unset': None}}
        state['applications']['toydb'] = {
            'units': ['toydb/0'], 'provider': 'toydb', 'leader': 'toydb/0',
            'leader-settings': {}, 'config': {}, 'bindings': []}
        for unit in ('toy/0', 'toy/1', 'toydb/0'):
            state['units'][unit] = {
                'address': '127.0.0.1', 'ports': [], 'relations': {},
                'workload': {'status': 'unknown', 'message': ''}}
        state['units']['toy/0']['relations']['1'] = {
            'joined': {'toydb/0': None}}
        state['relations']['1'] = {
            'endpoints': [
                {'application': 'toy', 'endpoint': 'db',
                 'role': 'requires', 'interface': 'toydb'},
                {'application': 'toydb', 'endpoint': 'db',
                 'role': 'provides', 'interface': 'toydb'}],
            'units': {u: m.automatic_settings('127.0.0.1')
                      for u in ('toy/0', 'toy/1', 'toydb/0')},
            'apps': {'toy': {}, 'toydb': {'version': '1'}}}
        state['relations']['1']['units']['toydb/0']['password'] = 'pw'
        state['actions']['7'] = {'params': {'name': 'bob', 'deep': {
            'x': 1}}, 'results': {}, 'status': 'running', 'message': '',
            'log': []}
    return mdl


def env(unit='toy/0', **extra):
    base = {'JUJU_UNIT_NAME': unit, 'JUJU_MODEL_NAME': 'test'}
    base.update(extra)
    return base


def call(capsys, tool, *argv, **environ):
    code = hooktools.main(tool, list(argv), env(**environ))
    out, err = capsys.readouterr()
    return code, out, err


def test_config_get_formats(model, capsys):
    code, out, _ = call(capsys, 'config-get', '--all', '--format=json')
    assert code == 0
    assert json.loads(out) == {'greeting': 'hi', 'port': 8989,
                               'debug': False, 'unset': None}
    _, out, _ = call(capsys, 'config-get', '--format', 'json')
    assert 'unset' not in json.loads(out)
    assert call(capsys, 'config-get', 'greeting')[1] == 'hi\n'
    assert call(capsys, 'config-get', 'debug')[1] == 'False\n'
    assert yaml.safe_load(call(capsys, 'config-get', '--format=yaml')[1])[
        'port'] == 8989
    assert call(capsys, 'config-get', '--format=json', 'nope')[1] == \
        'null\n'


def test_bad_flag_and_format_exit_2(model, capsys):
    code, _, err = call(capsys, 'config-get', '--bogus')
    assert code == 2 and err.startswith('ERROR flag provided but not')
    assert call(capsys, 'config-get', '--format=xml')[0] == 2


def test_relation_get_remote_unit_and_app(model, capsys):
    code, out, _ = call(capsys, 'relation-get', '--format=json', '-r',
                        'db:1', '-', 'toydb/0')
    assert code == 0
    data = json.loads(out)
    assert data['password'] == 'pw'
    assert data['ingress-address'] == '127.0.0.1'
    assert data['egress-subnets'] == '127.0.0.1/32'
    # the hook's own relation and remote unit come from the environment
    _, out, _ = call(capsys, 'relation-get', 'password',
                     JUJU_RELATION_ID='db:1', JUJU_REMOTE_UNIT='toydb/0')
    assert out == 'pw\n'
    _, out, _ = call(capsys, 'relation-get', '--format=json', '--app',
                     '-r', '1', '-', 'toydb')
    assert json.loads(out) == {'version': '1'}


def test_relation_get_failures(model, capsys):
    code, _, err = call(capsys, 'relation-get', '-r', 'db:99', '-', 'x/0')
    assert code == 2 and 'relation not found' in err
    # the endpoint name must match this application's side
    assert call(capsys, 'relation-get', '-r', 'amqp:1', '-', 'toydb/0')[
        0] == 2
    code, _, err = call(capsys, 'relation-get', '-r', 'db:1')
    assert code == 1 and err == 'ERROR no unit id specified\n'
    code, _, err = call(capsys, 'relation-get', '-r', 'db:1', '-', 'a/9')
    assert code == 1 and 'settings not found' in err
    code, _, err = call(capsys, 'relation-get', 'x')
    assert code == 1 and 'no relation id' in err
    # only the leader reads its own application's data
    code, _, err = call(capsys, 'relation-get', '--app', '-r', 'db:1', '-',
                        'toy', unit='toy/1')
    assert code == 1 and 'leader' in err


def test_relation_set_is_published_only_at_hook_end(model, capsys,
                                                    tmp_path):
    settings = tmp_path / 'settings.yaml'
    settings.write_text(yaml.safe_dump({'database': 'toy', 'gone': None}))
    code, _, _ = call(capsys, 'relation-set', '-r', 'db:1', '--file',
                      str(settings), 'username=toy', JUJU_CONTEXT_ID='c1')
    assert code == 0
    state = model.read()
    assert 'database' not in state['relations']['1']['units']['toy/0']
    # ...but the hook itself reads back what it set
    _, out, _ = call(capsys, 'relation-get', '--format=json', '-r', 'db:1',
                     '-', 'toy/0', JUJU_CONTEXT_ID='c1')
    assert json.loads(out)['database'] == 'toy'
    assert state['contexts']['c1']['relations']['1']['unit'] == {
        'database': 'toy', 'gone': None, 'username': 'toy'}


def test_relation_set_app_needs_leader(model, capsys):
    code, _, err = call(capsys, 'relation-set', '--app', '-r', 'db:1',
                        'a=b', unit='toy/1')
    assert code == 1 and 'not the leader' in err
    assert call(capsys, 'relation-set', '--app', '-r', 'db:1', 'a=b')[
        0] == 0
    assert model.read()['relations']['1']['apps']['toy'] == {'a': 'b'}


def test_relation_set_help_mentions_file(model, capsys):
    # charmhelpers only uses --file when the help text mentions it
    assert '--file' in call(capsys, 'relation-set', '--help')[1]


def test_relation_ids_and_list(model, capsys):
    _, out, _ = call(capsys, 'relation-ids', '--format=json', 'db')
    assert json.loads(out) == ['db:1']
    assert json.loads(call(capsys, 'relation-ids', '--format=json',
                           'cluster')[1]) == []
    _, out, _ = call(capsys, 'relation-list', '--format=json', '-r', 'db:1')
    assert json.loads(out) == ['toydb/0']
    # toy/1 has not seen toydb/0 join yet
    _, out, _ = call(capsys, 'relation-list', '--format=json', '-r',
                     'db:1', unit='toy/1')
    assert json.loads(out) == []
    assert call(capsys, 'relation-list', '--app', '-r', 'db:1')[1] == \
        'toydb\n'


def test_leadership(model, capsys):
    assert call(capsys, 'is-leader', '--format=json')[1] == 'true\n'
    assert call(capsys, 'is-leader', unit='toy/1')[1] == 'False\n'
    code, _, err = call(capsys, 'leader-set', 'token=x', unit='toy/1')
    assert code == 1 and 'not the leader' in err
    assert call(capsys, 'leader-set', 'token=', 'other=y')[0] == 0
    _, out, _ = call(capsys, 'leader-get', '--format=json', '-',
                     unit='toy/1')
    assert json.loads(out) == {'other': 'y'}
    assert call(capsys, 'leader-get', '--format=json', 'token')[1] == \
        'null\n'


def test_status(model, capsys):
    code, _, err = call(capsys, 'status-set', 'happy', 'x')
    assert code == 1 and 'invalid status "happy"' in err
    assert call(capsys, 'status-set', 'blocked', 'missing', 'db')[0] == 0
    _, out, _ = call(capsys, 'status-get', '--format=json',
                     '--include-data')
    assert json.loads(out) == {'status': 'blocked',
                               'message': 'missing db', 'status-data': {}}
    assert call(capsys, 'status-get')[1] == 'blocked\n'
    code, _, err = call(capsys, 'status-set', '--application', 'active',
                        unit='toy/1')
    assert code == 1 and 'not the leader' in err


def test_status_history_keeps_what_a_hook_passed_through(model, capsys):
    for status, message in (('maintenance', 'installing'),
                            ('waiting', 'incomplete'), ('active', 'ready')):
        call(capsys, 'status-set', status, message,
             JUJU_HOOK_NAME='db-relation-changed')
    history = model.read()['units']['toy/0']['status-history']
    assert [(h['status'], h['message'], h['hook']) for h in history] == [
        ('maintenance', 'installing', 'db-relation-changed'),
        ('waiting', 'incomplete', 'db-relation-changed'),
        ('active', 'ready', 'db-relation-changed')]
    for number in range(hooktools.status.STATUS_HISTORY):
        call(capsys, 'status-set', 'active', str(number))
    history = model.read()['units']['toy/0']['status-history']
    assert len(history) == hooktools.status.STATUS_HISTORY
    assert history[-1]['message'] == str(hooktools.status.STATUS_HISTORY - 1)


def test_network_get(model, capsys):
    assert call(capsys, 'network-get', '--primary-address', 'db')[1] == \
        '127.0.0.1\n'
    assert call(capsys, 'network-get', 'public', '--ingress-address')[1] \
        == '127.0.0.1\n'
    _, out, _ = call(capsys, 'network-get', 'db', '--format', 'yaml', '-r',
                     'db:1')
    info = yaml.safe_load(out)
    assert info['bind-addresses'][0]['addresses'][0]['address'] == \
        '127.0.0.1'
    assert info['ingress-addresses'] == ['127.0.0.1']
    code, _, err = call(capsys, 'network-get', 'admin')
    assert code == 1
    assert 'no network config found for binding "admin"' in err


def test_ports(model, capsys):
    assert call(capsys, 'open-port', '8989/TCP')[0] == 0
    assert call(capsys, 'open-port', '8000-8002/udp')[0] == 0
    assert call(capsys, 'open-port', '5000')[0] == 0
    assert call(capsys, 'close-port', '5000/tcp')[0] == 0
    _, out, _ = call(capsys, 'opened-ports', '--format=json')
    assert json.loads(out) == ['8000-8002/udp', '8989/tcp']
    assert call(capsys, 'open-port', 'http')[0] == 2
    assert call(capsys, 'open-port', '70000/tcp')[0] == 2


def test_actions(model, capsys):
    action = {'JUJU_ACTION_UUID': '7'}
    assert call(capsys, 'action-get', 'deep.x', **action)[1] == '1\n'
    assert json.loads(call(capsys, 'action-get', '--format=json',
                           **action)[1])['name'] == 'bob'
    assert call(capsys, 'action-set', 'out.a=1', 'out.b-c=two', 'top=x',
                **action)[0] == 0
    code, _, err = call(capsys, 'action-set', 'Bad=1', **action)
    assert code == 2 and 'lowercase' in err
    code, _, err = call(capsys, 'action-set', 'stdout=1', **action)
    assert code == 1 and 'reserved' in err
    assert call(capsys, 'action-log', 'step', 'one', **action)[0] == 0
    assert call(capsys, 'action-fail', **action)[0] == 0
    record = model.read()['actions']['7']
    assert record['results'] == {'out': {'a': '1', 'b-c': 'two'},
                                 'top': 'x'}
    assert record['log'][0]['message'] == 'step one'
    assert record['status'] == 'failed'
    assert record['message'] == 'action failed without reason given'
    code, _, err = call(capsys, 'action-get')
    assert code == 1 and 'not running an action' in err


def test_juju_log_and_version(model, capsys, state_root):
    import os
    os.makedirs(m.unit_dir(state_root, 'toy/0'))
    assert call(capsys, 'juju-log', '-l', 'WARNING', 'disk', 'full',
                JUJU_RELATION_ID='db:1')[0] == 0
    with open(m.unit_log(state_root, 'toy/0')) as log:
        assert 'WARNING juju-log db:1: disk full' in log.read()
    assert call(capsys, 'application-version-set', '15.0.0')[0] == 0
    assert model.read()['applications']['toy']['version'] == '15.0.0'


def test_goal_state(model, capsys):
    _, out, _ = call(capsys, 'goal-state', '--format=json')
    goal = json.loads(out)
    assert sorted(goal['units']) == ['toy/0', 'toy/1']
    assert set(goal['relations']['db']) == {'toydb', 'toydb/0'}


def test_installed_launcher_runs_a_tool(model, state_root):
    bin_dir = install(state_root + '/bin')
    proc = subprocess.run(
        [bin_dir + '/config-get', '--format=json', 'port'],
        env=dict(env(), LOCAL_JUJU_STATE=state_root, PYTHONPATH='/nowhere'),
        capture_output=True, text=True)
    assert (proc.returncode, proc.stdout) == (0, '8989\n')
    proc = subprocess.run([bin_dir + '/leader-set', 'a=b'],
                          env=dict(env('toy/1'), LOCAL_JUJU_STATE=state_root),
                          capture_output=True, text=True)
    assert proc.returncode == 1 and proc.stderr.startswith('ERROR')
