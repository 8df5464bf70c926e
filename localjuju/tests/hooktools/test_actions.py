"""action-get, -set, -fail, -log."""

import json

from localjuju.tests.hooktools.calls import call


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
    assert code == 2 and 'reserved' in err
    assert call(capsys, 'action-log', 'step', 'one', **action)[0] == 0
    assert call(capsys, 'action-fail', **action)[0] == 0
    record = model.read()['actions']['7']
    assert record['results'] == {'out': {'a': '1', 'b-c': 'two'},
                                 'top': 'x'}
    assert record['log'][0]['message'] == 'step one'
    assert record['status'] == 'failed'
    assert record['message'] == ('action failed without reason given, '
                                 'check action for errors')
    code, _, err = call(capsys, 'action-get')
    assert code == 1 and 'not running an action' in err
