"""Every job action's failure tells the operator why: the parameter and
what it must be, or Mistral's own reason (its HTTP status and
faultstring), on one bounded line, with no credential and no
traceback. Run through the real entry point (openstack_base.actions),
against the charm's real client talking HTTP to a stub Mistral."""

import pytest

from charm.openstack import job_actions, mistral_api
from action_harness import action_runner
from http_stub import HTTPStub

REAL_CALL = mistral_api.call    # the unit fixture makes it offline
LONG = 'x' * 300


@pytest.fixture
def mistral(unit, monkeypatch):
    """The stub Mistral every action talks to (over real HTTP)."""
    server = HTTPStub()
    monkeypatch.setattr(mistral_api, 'call', REAL_CALL)
    monkeypatch.setattr(job_actions, 'api', lambda charm: mistral_api.Mistral(
        server.url + '/v2', 'service-token'))
    server.answer('GET', '/v2/workflows', body={'workflows': []})
    yield server
    server.close()


@pytest.fixture
def act(unit, mistral, monkeypatch):
    """act(name, **params): the action's (results, failure message)."""
    run = action_runner(unit, monkeypatch)
    run.requests = mistral.requests
    return run


INTEGER = 'must be an integer from {} to {}'
TEXT = 'must be one line of text of at most 255 characters'


@pytest.mark.parametrize('action, params, message', [
    ('run-workflow', {}, 'name: must be given'),
    ('run-workflow', {'name': 'a\nb'}, "name: {}, not 'a\\nb'".format(TEXT)),
    ('run-workflow', {'name': LONG}, 'name: ' + TEXT),
    ('run-workflow', {'name': 7}, 'name: {}, not 7'.format(TEXT)),
    ('run-workflow', {'name': 'wf', 'namespace': LONG}, 'namespace: ' + TEXT),
    ('run-workflow', {'name': 'wf', 'input': '{nope'}, 'input is not JSON'),
    ('run-workflow', {'name': 'wf', 'input': [1]},
     'input must be a JSON object'),
    ('run-workflow', {'name': 'wf', 'wait': 'yes'},
     "wait: must be true or false, not 'yes'"),
    ('run-workflow', {'name': 'wf', 'timeout': 0},
     'timeout: {}, not 0'.format(INTEGER.format(1, 3600))),
    ('run-workflow', {'name': 'wf', 'timeout': 86400},
     'timeout: {}, not 86400'.format(INTEGER.format(1, 3600))),
    ('run-workflow', {'name': 'wf', 'timeout': 'soon'},
     "timeout: {}, not 'soon'".format(INTEGER.format(1, 3600))),
    ('list-executions', {'limit': -1},
     'limit: {}, not -1'.format(INTEGER.format(1, 1000))),
    ('list-executions', {'limit': 0},
     'limit: {}, not 0'.format(INTEGER.format(1, 1000))),
    ('list-executions', {'limit': 1001},
     'limit: {}, not 1001'.format(INTEGER.format(1, 1000))),
    ('list-executions', {'limit': True},
     'limit: {}, not True'.format(INTEGER.format(1, 1000))),
    ('list-executions', {'limit': 2.5},
     'limit: {}, not 2.5'.format(INTEGER.format(1, 1000))),
    ('list-executions', {'state': 'DONE'},
     "state: must be one of IDLE, RUNNING, SUCCESS, ERROR, PAUSED, "
     "CANCELLED, not 'DONE'"),
    ('list-executions', {'workflow': 'wf\n'}, 'workflow: ' + TEXT),
] + [(action, {}, 'id: must be given') for action in (
    'show-execution', 'cancel-execution', 'pause-execution',
    'resume-execution')] + [
    (action, {'id': 'e1\n[x]'}, 'id: ' + TEXT) for action in (
        'show-execution', 'cancel-execution', 'pause-execution',
        'resume-execution')])
def test_a_bad_parameter_is_named_before_mistral_is_asked(
        act, action, params, message):
    results, failure = act(action, **params)
    assert failure is not None and failure.startswith(message), failure
    assert results == {}
    assert [r['path'] for r in act.requests
            if r['path'] != '/v2/workflows'] == []


def test_the_charms_limits_are_actions_yamls():
    import os
    import yaml
    root = os.path.join(os.path.dirname(__file__), '..', '..')
    with open(os.path.join(root, 'src', 'actions.yaml')) as f:
        spec = yaml.safe_load(f)
    for action, name in (('list-executions', 'limit'),
                         ('run-workflow', 'timeout')):
        param = spec[action]['params'][name]
        assert (param['minimum'], param['maximum']) == \
            job_actions.LIMITS[name]
        assert param['minimum'] <= param['default'] <= param['maximum']


@pytest.mark.parametrize('action, params, method, path', [
    ('list-executions', {'limit': 5}, 'GET', '/v2/executions'),
    ('list-cron-triggers', {}, 'GET', '/v2/cron_triggers'),
    ('run-workflow', {'name': 'wf'}, 'POST', '/v2/executions'),
    ('show-execution', {'id': 'e1'}, 'GET', '/v2/executions/e1'),
])
def test_mistrals_refusal_gives_its_status_and_reason(
        act, mistral, action, params, method, path):
    mistral.answer(method, path, 400, {
        'faultstring': 'Limit must be positive.', 'faultcode': 'Client',
        'debuginfo': 'Traceback (most recent call last):\n  File "x.py"'})
    failure = act(action, **params)[1]
    assert failure.endswith('Mistral refused (400): Limit must be '
                            'positive.'), failure
    assert 'Traceback' not in failure and 'MistralError' not in failure


def test_a_put_refused_gives_mistrals_reason(act, mistral):
    mistral.answer('GET', '/v2/executions/e1',
                   body={'id': 'e1', 'state': 'RUNNING'})
    mistral.answer('PUT', '/v2/executions/e1', 409,
                   {'faultstring': 'Execution e1 is busy'})
    failure = act('pause-execution', id='e1')[1]
    assert failure == 'Mistral refused (409): Execution e1 is busy'


def test_mistrals_reason_is_one_bounded_line_without_secrets(act, mistral):
    fault = ('DBConnectionError: (pymysql.err.OperationalError) can\'t '
             'connect to mysql+pymysql://mistral:db-s3cret@10.0.0.5/mistral'
             '\npassword=ks-s3cret\nTraceback (most recent call last):\n'
             '  File "/usr/lib/python3/dist-packages/mistral/db.py"\n' +
             'y' * 2000)
    mistral.answer('GET', '/v2/executions', 500, {'faultstring': fault})
    failure = act('list-executions')[1]
    assert failure.startswith('Mistral refused (500): DBConnectionError')
    assert '\n' not in failure and len(failure) <= 512
    assert 'mysql+pymysql://mistral:***@10.0.0.5' in failure
    for secret in ('db-s3cret', 'ks-s3cret', 'Traceback', 'mistral/db.py'):
        assert secret not in failure


def test_mistral_unreachable_says_so(act, mistral, monkeypatch):
    def unreachable(request):
        raise mistral_api.MistralError(
            None, 'Mistral unreachable (ConnectionRefusedError)')
    monkeypatch.setattr(mistral_api, 'call', unreachable)
    failure = act('list-cron-triggers')[1]
    assert failure == 'Mistral unreachable (ConnectionRefusedError)'


def test_a_good_request_still_works(act, mistral):
    mistral.answer('GET', '/v2/executions', body={'executions': [
        {'id': 'e1', 'workflow_name': 'wf', 'state': 'ERROR',
         'created_at': '2026-01-01'}]})
    results, failure = act('list-executions', limit=1000, state='error')
    assert failure is None and results['count'] == 1
    assert mistral.last()['query']['limit'] == '1000'
    assert mistral.last()['query']['state'] == 'ERROR'
