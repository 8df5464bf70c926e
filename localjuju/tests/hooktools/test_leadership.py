"""leader-get, leader-set, is-leader."""

import json

from localjuju.tests.hooktools.calls import call


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
