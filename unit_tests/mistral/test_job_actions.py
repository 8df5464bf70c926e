"""The execution actions' own rules, before and around Mistral: input
must be a JSON object, only running or paused executions move, and no
result carries the execution's input."""

import pytest
from charmhelpers.core import hookenv

from charm.openstack import job_actions, mistral_api
from openstack_base.actions import ActionRefused


class Executions(mistral_api.Mistral):
    """The charm's client, with Mistral's /executions in memory behind
    its requests."""

    def __init__(self):
        super().__init__('http://mistral.invalid/v2', 'token')
        self.store = {}

    def workflows(self, namespace):
        return {}

    def request(self, method, path, body=None, text=False, query=None):
        if method == 'POST':
            execution = {'id': 'e{}'.format(len(self.store)),
                         'workflow_name': body['workflow_name'],
                         'input': body['input'], 'state': 'SUCCESS',
                         'output': '{"said": "hi"}'}
            self.store[execution['id']] = execution
            return dict(execution)
        execution = self.store[path.rsplit('/', 1)[1]]
        if method == 'PUT':
            execution['state'] = body['state']
        return dict(execution)


@pytest.fixture
def run(unit, monkeypatch):
    mistral = Executions()
    monkeypatch.setattr(job_actions, 'api', lambda charm: mistral)
    params = {}
    monkeypatch.setattr(hookenv, 'action_get',
                        lambda key=None: params.get(key))

    def act(action, **given):
        params.clear()
        params.update(given)
        return job_actions.ACTIONS[action](unit.charm())
    act.mistral = mistral
    return act


@pytest.mark.parametrize('given, reason', [
    ('{not json', 'input is not JSON'),
    ('[1, 2]', 'input must be a JSON object'),
])
def test_input_must_be_a_json_object(run, given, reason):
    with pytest.raises(ActionRefused) as refused:
        run('run-workflow', name='wf', input=given)
    assert str(refused.value).startswith(reason)
    assert run.mistral.store == {}


def test_results_never_carry_the_input(run):
    result = run('run-workflow', name='wf', input='{"password": "s3cret"}',
                 wait=True)
    assert result['state'] == 'SUCCESS' and result['output'] == \
        '{"said": "hi"}'
    assert 's3cret' not in repr(result)
    shown = run('show-execution', id=result['execution-id'])
    assert 's3cret' not in repr(shown)


def test_only_running_or_paused_executions_move(run):
    done = run('run-workflow', name='wf')['execution-id']
    with pytest.raises(ActionRefused) as refused:
        run('cancel-execution', id=done)
    assert str(refused.value) == ('execution {} is SUCCESS: only RUNNING '
                                  'or PAUSED can become CANCELLED'.format(
                                      done))
    run.mistral.store[done]['state'] = 'RUNNING'
    assert run('pause-execution', id=done)['state'] == 'PAUSED'
    with pytest.raises(ActionRefused):
        run('pause-execution', id=done)
    assert run('resume-execution', id=done)['state'] == 'RUNNING'
    assert run('cancel-execution', id=done)['state'] == 'CANCELLED'


def test_input_as_juju_run_gives_it_an_object_is_taken(run):
    # `juju run ... input='{"who": "ops"}'`: Juju reads the value as YAML
    result = run('run-workflow', name='wf', input={'who': 'ops'})
    assert result['state'] == 'SUCCESS'
    assert run.mistral.store[result['execution-id']]['input'] == \
        '{"who": "ops"}'
    # actions.yaml's default, the empty object
    result = run('run-workflow', name='wf', input={})
    assert run.mistral.store[result['execution-id']]['input'] == '{}'
