"""Options against the real packaged Mistral: execution expiration
(with a limit of K finished executions and no age limit, "keep" being
the default 0, the engine's policy leaves exactly K, the newest), the
deletion of action executions through the API, and policy overrides from
the policyd-override resource."""

import time
import zipfile

import pytest

from local import workflows
from local.mistral_user import (
    FINISHED, MistralError, create_workflows, run_workflow)
from local.tests.mistral_site import record, wait_until
from localjuju import resources

pytestmark = pytest.mark.needs_root

SHARED = workflows.load()
KEEP = 3


@pytest.fixture(scope='module')
def deployment(serving):
    return serving


def finished_roots(api):
    return [e for e in api.executions(limit=1000)
            if e['state'] in FINISHED and not e.get('task_execution_id')]


def test_max_finished_keeps_exactly_that_many(deployment):
    api = deployment.client()
    create_workflows(api, SHARED.ECHO_DEFINITION)
    for _ in range(KEEP + 2):
        assert run_workflow(api, SHARED.ECHO_WORKFLOW, SHARED.ECHO_INPUT)[
            'state'] == 'SUCCESS'
        # The API shows updated_at to the second: one finish per second
        # tells which executions are the newest.
        time.sleep(1.1)
    before = finished_roots(api)
    newest = sorted(before, key=lambda e: e['updated_at'])[-KEEP:]
    deployment.config(**{'execution-expiration-interval': '1',
                         'execution-expiration-max-finished': str(KEEP)})
    try:
        deployment.wait_ready()
        # The engines run the policy as soon as they start.
        wait_until(lambda: len(finished_roots(api)) <= KEEP,
                   'the expiration policy to run', timeout=90)
        time.sleep(5)       # a policy that deletes too much goes on
        after = finished_roots(api)
        record('finished executions: {} before, {} after, limit {}'.format(
            len(before), len(after), KEEP))
        assert sorted(e['id'] for e in after) == sorted(
            e['id'] for e in newest)
    finally:
        deployment.reset('execution-expiration-interval',
                         'execution-expiration-max-finished')
    deployment.wait_ready()


def finished_ad_hoc_action(api):
    """An action run on its own (only those may be deleted), kept."""
    action = api.request('POST', '/action_executions', {
        'name': 'std.echo', 'input': {'output': 'kept'},
        'params': {'save_result': True}})
    path = '/action_executions/' + action['id']
    wait_until(lambda: api.request('GET', path)['state'] == 'SUCCESS',
               'the ad-hoc action to finish', timeout=60)
    return path


def test_action_executions_are_deleted_only_when_allowed(deployment):
    api = deployment.client()
    path = finished_ad_hoc_action(api)
    with pytest.raises(MistralError) as refused:
        api.request('DELETE', path)
    assert refused.value.status == 403
    deployment.config(**{'allow-action-execution-deletion': 'true'})
    try:
        deployment.wait_ready()
        deployment.wait_serving()
        api = deployment.client()
        api.request('DELETE', path)
        with pytest.raises(MistralError) as gone:
            api.request('GET', path)
        assert gone.value.status == 404
    finally:
        deployment.reset('allow-action-execution-deletion')
    deployment.wait_ready()


def listing_refused(deployment):
    try:
        deployment.client().request('GET', '/workflows?limit=1')
    except MistralError as error:
        return error.status == 403
    return False


def test_policy_overrides_apply_and_go_away(deployment, tmp_path):
    api = deployment.client()
    assert api.request('GET', '/workflows?limit=1') is not None
    overrides = str(tmp_path / 'policyd-override.zip')
    with zipfile.ZipFile(overrides, 'w') as archive:
        archive.writestr('deny-listing.yaml', 'workflows:list: "!"\n')
    resources.attach(deployment.controller, 'mistral', 'policyd-override',
                     overrides)
    deployment.config(**{'use-policyd-override': 'true'})
    try:
        assert deployment.wait_ready(message='PO: Unit is ready') == (
            'active', 'PO: Unit is ready')
        # (wait_serving lists workflows: what the override now refuses)
        wait_until(lambda: listing_refused(deployment),
                   'the API to refuse listing workflows', timeout=60)
    finally:
        deployment.reset('use-policyd-override')
    assert deployment.wait_ready() == ('active', 'Unit is ready')
    deployment.wait_serving()
    assert deployment.inside('ls', '-A', '/etc/mistral/policy.d',
                             check=False).stdout.strip() == ''
    assert deployment.client().request('GET', '/workflows?limit=1')


def test_the_workflow_trace_has_a_file_of_its_own(deployment):
    api = deployment.client()
    create_workflows(api, SHARED.ECHO_DEFINITION)
    execution = run_workflow(api, SHARED.ECHO_WORKFLOW, SHARED.ECHO_INPUT)
    trace = wait_until(lambda: execution['id'] in deployment.inside(
        'cat', '/var/log/mistral/mistral-wf-trace.log',
        check=False).stdout and deployment.inside(
        'cat', '/var/log/mistral/mistral-wf-trace.log').stdout,
        'the execution in the workflow trace', timeout=30)
    assert ' WF [-] ' in trace
    engine_log = deployment.inside(
        'cat', '/var/log/mistral/mistral-engine.log').stdout
    assert engine_log.strip(), 'the engine still logs to its own file'
