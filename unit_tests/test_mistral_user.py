"""What the harness does with the charm's Mistral client that the charm
never does (local/mistral_user.py), over real HTTP to a stub server:
replace workflows that exist, wait for an execution's decoded output,
delete a cron trigger that may be gone, wait for the API to answer."""

import pytest

from http_stub import HTTPStub
from local import mistral_user

DEFINITION = "version: '2.0'\nwf:\n  tasks: {}\n"


@pytest.fixture
def stub():
    server = HTTPStub()
    yield server
    server.close()


@pytest.fixture
def client(stub):
    return mistral_user.Mistral(stub.url + '/v2', 'admin-token')


def test_workflows_that_exist_are_replaced(stub, client):
    stub.answer('POST', '/v2/workflows', 409,
                {'faultstring': 'Duplicate entry for WorkflowDefinition'})
    stub.answer('PUT', '/v2/workflows', body={'workflows': [{}]})
    assert mistral_user.create_workflows(client, DEFINITION) == {
        'workflows': [{}]}
    assert [(r['method'], r['body']) for r in stub.requests] == [
        ('POST', DEFINITION), ('PUT', DEFINITION)]


def test_other_refusals_of_a_workflow_are_raised(stub, client):
    stub.answer('POST', '/v2/workflows', 400, {'faultstring': 'Invalid'})
    with pytest.raises(mistral_user.MistralError) as refused:
        mistral_user.create_workflows(client, DEFINITION)
    assert str(refused.value) == 'Invalid'
    assert len(stub.requests) == 1


def test_a_run_returns_the_finished_execution_with_its_output(
        stub, client):
    stub.answer('POST', '/v2/executions', 201,
                {'id': 'e1', 'state': 'RUNNING'})
    stub.answer('GET', '/v2/executions/e1', body={
        'id': 'e1', 'state': 'SUCCESS', 'output': '{"said": "hi"}'})
    execution = mistral_user.run_workflow(client, 'wf', {'who': 'ops'})
    assert execution['output'] == {'said': 'hi'}


def test_an_execution_still_running_times_out(stub, client):
    stub.answer('GET', '/v2/executions/e1',
                body={'id': 'e1', 'state': 'RUNNING'})
    with pytest.raises(TimeoutError) as late:
        mistral_user.wait_for_execution(client, 'e1', timeout=0)
    assert str(late.value) == 'execution e1 still RUNNING after 0s'


def test_a_cron_trigger_already_gone_is_no_error(stub, client):
    mistral_user.delete_cron_trigger_if_any(client, 'gone')  # 404
    stub.answer('DELETE', '/v2/cron_triggers/held', 500,
                {'faultstring': 'database locked'})
    with pytest.raises(mistral_user.MistralError):
        mistral_user.delete_cron_trigger_if_any(client, 'held')


def test_waiting_for_the_api_ends_when_it_answers(stub, client):
    with pytest.raises(TimeoutError) as late:
        mistral_user.wait_answering(client, timeout=0)
    assert 'did not answer within 0s: no such path' in str(late.value)
    stub.answer('GET', '/v2/workflows', body={'workflows': []})
    assert mistral_user.wait_answering(client, timeout=0) == {
        'workflows': []}
    assert stub.last()['headers']['X-Auth-Token'] == 'admin-token'
