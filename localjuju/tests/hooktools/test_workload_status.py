"""status-set, status-get, juju-log, application-version-set."""

import json
import os

from localjuju import hooktools
from localjuju import model as m
from localjuju.tests.hooktools.calls import call


def test_status(model, capsys):
    code, _, err = call(capsys, 'status-set', 'happy', 'x')
    assert code == 2 and 'invalid status "happy"' in err
    assert call(capsys, 'status-set', 'blocked', 'missing db')[0] == 0
    _, out, _ = call(capsys, 'status-get', '--format=json',
                     '--include-data')
    assert json.loads(out) == {'status': 'blocked',
                               'message': 'missing db', 'status-data': {}}
    assert call(capsys, 'status-get')[1] == 'blocked\n'
    # as a document, only the status unless --include-data asks more
    assert json.loads(call(capsys, 'status-get', '--format=json')[1]) == \
        {'status': 'blocked'}
    _, out, _ = call(capsys, 'status-get', '--application',
                     '--format=json')
    assert json.loads(out) == {'application-status': {
        'status': 'blocked', 'units': {'toy/0': {'status': 'blocked'},
                                       'toy/1': {'status': 'unknown'}}}}
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


def test_juju_log_and_version(model, capsys, state_root):
    os.makedirs(m.unit_dir(state_root, 'toy/0'))
    assert call(capsys, 'juju-log', '-l', 'WARNING', 'disk', 'full',
                JUJU_RELATION_ID='db:1')[0] == 0
    with open(m.unit_log(state_root, 'toy/0')) as log:
        assert 'WARNING juju-log db:1: disk full' in log.read()
    # a level loggo does not know is a warning, and the message goes at
    # INFO: nothing fails
    assert call(capsys, 'juju-log', '-l', 'LOUD', 'hello')[0] == 0
    with open(m.unit_log(state_root, 'toy/0')) as log:
        lines = log.read().splitlines()[-2:]
    assert 'WARNING juju-log: Specified log level of "LOUD" is not valid' \
        in lines[0] and 'INFO juju-log: hello' in lines[1]
    assert call(capsys, 'application-version-set', '15.0.0')[0] == 0
    assert model.read()['applications']['toy']['version'] == '15.0.0'
