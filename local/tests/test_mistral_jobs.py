"""Scheduled jobs from Juju against the real packaged Mistral: the
workflows option's workflows and cron trigger appear, the trigger fires
once a minute, changes follow the option, what a user made is left
alone, anything invalid leaves Mistral as it was; and the actions that
run, list, show, pause, resume and cancel executions."""

import datetime
import json
import time

import pytest
import yaml

from local.tests.mistral_site import UNIT, created, record, wait_until
from localjuju.errors import OperationError

pytestmark = pytest.mark.needs_root

REPORT = """version: '2.0'
func_job_report:
  input:
    - who: nobody
  output:
    said: <% $.said %>
  tasks:
    say:
      action: std.echo output=<% $.who %>
      publish:
        said: <% task().result %>
"""
SLOW = """version: '2.0'
func_job_slow:
  tasks:
    wait:
      action: std.sleep seconds=120
"""
READY = ('active', 'Unit is ready')


@pytest.fixture(scope='module')
def deployment(serving):
    return serving


@pytest.fixture
def service_api(deployment):
    return deployment.service_client()


def jobs(workflows, triggers=None):
    text = {'workflows': workflows}
    if triggers:
        text['cron-triggers'] = triggers
    return yaml.safe_dump(text)


def act(deployment, action, **params):
    """Run one of the charm's actions on the unit (its params may be
    called name, as run-workflow's is)."""
    return deployment.controller.run_action(
        UNIT, action, ['{}={}'.format(k, v) for k, v in params.items()])


def configure(deployment, text):
    deployment.controller.config('mistral', ['workflows=' + text])
    assert deployment.hook_error() is None


@pytest.fixture(scope='module', autouse=True)
def no_jobs_left(deployment):
    """Later modules find the option empty, whatever happened here."""
    yield
    deployment.controller.config('mistral', reset=['workflows'])


def test_jobs_follow_the_option_and_leave_users_alone(deployment,
                                                      service_api):
    # A user's workflow and cron trigger, in the charm's own project.
    service_api.put_workflow(REPORT.replace('func_job_report',
                                            'func_users_wf'), '', new=True)
    service_api.create_cron_trigger({
        'name': 'users-own', 'workflow_name': 'func_users_wf',
        'pattern': '0 0 1 1 *'})
    every_minute = {'workflow': 'func_job_report', 'pattern': '* * * * *',
                    'input': {'who': 'cron'}}
    try:
        configure(deployment, jobs(
            {'func_job_report': REPORT, 'func_job_slow': SLOW},
            {'func-every-minute': every_minute}))
        assert deployment.wait_ready(
            message='Unit is ready (2 workflows, 1 cron trigger from '
            'config)')
        assert set(service_api.workflows('juju')) == {'func_job_report',
                                                      'func_job_slow'}
        trigger = service_api.cron_triggers()['func-every-minute']
        assert trigger['pattern'] == '* * * * *'

        # It fires once a minute.
        def fired():
            return sorted(
                (e for e in service_api.request('GET', '/executions', query={
                    'workflow_name': 'func_job_report', 'limit': 100})[
                        'executions']), key=created)
        first = wait_until(fired, 'the first cron execution', timeout=90)[0]
        time.sleep(max(0, 75 - (datetime.datetime.utcnow() -
                                created(first)).total_seconds()))
        runs = fired()
        gaps = [(created(b) - created(a)).total_seconds()
                for a, b in zip(runs, runs[1:])]
        record('cron executions: {}, gaps {}'.format(len(runs), gaps))
        assert len(runs) == 2 and all(50 <= g <= 70 for g in gaps), gaps
        output = service_api.request('GET', '/executions/' + runs[0]['id'])[
            'output']
        assert json.loads(output or '{}') in ({}, {'said': 'cron'})

        # A new pattern updates it; leaving it out deletes it.
        configure(deployment, jobs(
            {'func_job_report': REPORT, 'func_job_slow': SLOW},
            {'func-every-minute': dict(every_minute, pattern='0 3 * * *')}))
        assert service_api.cron_triggers()['func-every-minute'][
            'pattern'] == '0 3 * * *'
        configure(deployment, jobs({'func_job_report': REPORT,
                                    'func_job_slow': SLOW}))
        assert 'func-every-minute' not in service_api.cron_triggers()
        assert deployment.workload() == (
            'active', 'Unit is ready (2 workflows, 0 cron triggers from '
            'config)')
        assert 'users-own' in service_api.cron_triggers()
        assert 'func_users_wf' in service_api.workflows('')
    finally:
        service_api.delete_cron_trigger('users-own')
        service_api.delete_workflow('func_users_wf', '')


@pytest.mark.parametrize('text, message', [
    ('workflows: [', 'workflows: YAML: does not parse'),
    (jobs({'func_job_report': REPORT.replace(
        'publish:', 'not_a_task_key: 1\n      publish:')}),
     'workflows: workflows.func_job_report: '),
    (jobs({'func_job_report': REPORT}, {'t': {
        'workflow': 'func_nowhere', 'pattern': '* * * * *'}}),
     'workflows: cron-triggers.t: names unknown workflow func_nowhere'),
])
def test_anything_invalid_blocks_and_leaves_mistral_as_it_was(
        deployment, service_api, text, message):
    configure(deployment, jobs({'func_job_report': REPORT,
                                'func_job_slow': SLOW}))
    deployment.wait_ready(message=None)
    before = (sorted(service_api.workflows('juju')),
              sorted(service_api.cron_triggers()))
    configure(deployment, text)
    status, shown = deployment.workload()
    assert status == 'blocked'
    assert shown.startswith('Invalid config: ' + message), shown
    assert (sorted(service_api.workflows('juju')),
            sorted(service_api.cron_triggers())) == before
    assert deployment.service_running('mistral-api')


def test_run_pause_resume_and_cancel_from_juju(deployment):
    configure(deployment, jobs({'func_job_report': REPORT,
                                'func_job_slow': SLOW}))
    ran = act(deployment, 'run-workflow', name='func_job_report',
              input='{"who": "juju"}', wait='true', timeout='60')
    assert ran['status'] == 'completed', ran
    assert ran['results']['state'] == 'SUCCESS'
    assert json.loads(ran['results']['output']) == {'said': 'juju'}

    # juju run reads each value as YAML: a list fails the action's schema
    # before it runs; the JSON text of a list fails the action itself.
    with pytest.raises(OperationError, match=r'\(root\).input : must be '
                                             r'of type \[object,string\]'):
        act(deployment, 'run-workflow', name='func_job_report',
            input='[1, 2]')
    bad = act(deployment, 'run-workflow', name='func_job_report',
              input='"[1, 2]"')
    assert bad['status'] == 'failed'
    assert bad['message'].startswith('input must be a JSON object')

    slow = act(deployment, 'run-workflow', name='func_job_slow')
    execution = slow['results']['execution-id']
    for action, state in (('pause-execution', 'PAUSED'),
                          ('resume-execution', 'RUNNING'),
                          ('cancel-execution', 'CANCELLED')):
        moved = act(deployment, action, id=execution)
        assert moved['status'] == 'completed', moved
        assert moved['results']['state'] == state
    shown = act(deployment, 'show-execution', id=execution)
    assert shown['results']['state'] == 'CANCELLED'
    again = act(deployment, 'cancel-execution', id=execution)
    assert again['status'] == 'failed'
    assert 'is CANCELLED: only RUNNING or PAUSED' in again['message']
    listed = act(deployment, 'list-executions', workflow='func_job_slow')
    assert execution in listed['results']['executions']
    triggers = act(deployment, 'list-cron-triggers')
    assert triggers['status'] == 'completed'
    configure(deployment, '')
    assert deployment.wait_ready() == READY
