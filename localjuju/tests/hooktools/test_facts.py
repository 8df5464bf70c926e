"""config-get, network-get, goal-state against a hand-made model."""

import json

import yaml

from localjuju.tests.hooktools.calls import call


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


def test_numbers_print_as_go_prints_them(model, capsys):
    # a float option set to 1 is 1.0 here, 1 from Juju (encoding/json)
    with model.edit() as state:
        state['applications']['toy']['config']['ratio'] = 1.0
    assert call(capsys, 'config-get', '--format=json', 'ratio')[1] == '1\n'
    assert call(capsys, 'config-get', 'ratio')[1] == '1\n'


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


def test_goal_state(model, capsys):
    _, out, _ = call(capsys, 'goal-state', '--format=json')
    goal = json.loads(out)
    assert sorted(goal['units']) == ['toy/0', 'toy/1']
    assert set(goal['relations']['db']) == {'toydb', 'toydb/0'}
