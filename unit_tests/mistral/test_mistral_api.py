"""The charm's Mistral client over real HTTP (a stub server on
loopback): it logs in as the service user mistral.conf names, reaches
the unit's own API, sends what Mistral's v2 API takes, and turns every
failure into a MistralError carrying Mistral's reason and no
credential."""

import json
import socket
import textwrap

import pytest

from charm.openstack.mistral_api import Mistral, MistralError
from http_stub import HTTPStub

PASSWORD = 's3cret-service-password'


@pytest.fixture
def stub():
    server = HTTPStub()
    yield server
    server.close()


def mistral_conf(tmp_path, auth_url, api_host, api_port,
                 password=PASSWORD):
    path = tmp_path / 'mistral.conf'
    path.write_text(textwrap.dedent("""\
        [api]
        host = {}
        port = {}

        [keystone_authtoken]
        auth_url = {}
        username = mistral
        {}
        project_name = services
        user_domain_name = service_domain
        project_domain_name = service_domain
        """).format(api_host, api_port, auth_url,
                    'password = ' + password if password else ''))
    return str(path)


def logged_in(stub, tmp_path):
    stub.answer('POST', '/v3/auth/tokens', 201, {'token': {}},
                {'X-Subject-Token': 'service-token'})
    return Mistral.from_conf(mistral_conf(tmp_path, stub.url, '127.0.0.1',
                                          stub.port))


def test_from_conf_logs_in_as_the_service_user_at_the_units_api(
        stub, tmp_path):
    stub.answer('GET', '/v2/workflows', body={'workflows': [
        {'name': 'report', 'namespace': 'juju'},
        {'name': 'users', 'namespace': ''}]})
    client = logged_in(stub, tmp_path)
    assert client.url == stub.url + '/v2'
    login = stub.requests[0]
    assert login['path'] == '/v3/auth/tokens'   # /v3 added to auth_url
    assert json.loads(login['body']) == {'auth': {
        'identity': {'methods': ['password'], 'password': {'user': {
            'name': 'mistral', 'password': PASSWORD,
            'domain': {'name': 'service_domain'}}}},
        'scope': {'project': {'name': 'services',
                              'domain': {'name': 'service_domain'}}}}}
    assert list(client.workflows('juju')) == ['report']
    listed = stub.last()
    assert listed['headers']['X-Auth-Token'] == 'service-token'
    assert listed['query'] == {'namespace': 'juju', 'limit': '1000'}


def test_an_ipv6_api_address_is_bracketed(stub, tmp_path):
    stub.answer('POST', '/v3/auth/tokens', 201, {'token': {}},
                {'X-Subject-Token': 'service-token'})
    client = Mistral.from_conf(mistral_conf(tmp_path, stub.url + '/v3',
                                            'fd00::5', 8989))
    assert client.url == 'http://[fd00::5]:8989/v2'


def test_a_conf_without_credentials_is_refused_naming_it(tmp_path):
    path = mistral_conf(tmp_path, 'http://127.0.0.1:5000', '127.0.0.1',
                        8989, password=None)
    with pytest.raises(MistralError) as refused:
        Mistral.from_conf(path)
    assert refused.value.status is None
    assert str(refused.value) == 'no Keystone credentials in ' + path


def test_keystone_refusing_names_no_credential(stub, tmp_path):
    stub.answer('POST', '/v3/auth/tokens', 401,
                {'error': {'message': 'bad password ' + PASSWORD}})
    with pytest.raises(MistralError) as refused:
        Mistral.from_conf(mistral_conf(tmp_path, stub.url, '127.0.0.1',
                                       stub.port))
    assert refused.value.status == 401
    assert str(refused.value) == 'Keystone refused the service user (401)'


@pytest.mark.parametrize('body, reason', [
    ({'faultstring': 'Workflow not found [name=wf]'},
     'Workflow not found [name=wf]'),
    ('<html>Service Unavailable</html>', '503'),
])
def test_mistral_refusing_gives_its_reason(stub, tmp_path, body, reason):
    client = logged_in(stub, tmp_path)
    stub.answer('POST', '/v2/executions', 503 if reason == '503' else 400,
                body)
    with pytest.raises(MistralError) as refused:
        client.start('wf')
    assert str(refused.value) == reason
    assert refused.value.status == (503 if reason == '503' else 400)


def closed_port():
    with socket.socket() as closed:
        closed.bind(('127.0.0.1', 0))
        return closed.getsockname()[1]


def test_unreachable_is_an_error_without_status_naming_the_cause(
        tmp_path):
    # what urllib wraps in a URLError, not "URLError"
    url = 'http://127.0.0.1:{}'.format(closed_port())
    with pytest.raises(MistralError) as refused:
        Mistral(url + '/v2', 'token').cron_triggers()
    assert (refused.value.status, str(refused.value)) == (
        None, 'Mistral unreachable (ConnectionRefusedError)')
    with pytest.raises(MistralError) as refused:
        Mistral.from_conf(mistral_conf(tmp_path, url, '127.0.0.1', 8989))
    assert (refused.value.status, str(refused.value)) == (
        None, 'Keystone unreachable (ConnectionRefusedError)')


def test_executions_as_mistral_takes_them(stub, tmp_path):
    client = logged_in(stub, tmp_path)
    stub.answer('POST', '/v2/executions', 201,
                {'id': 'e1', 'state': 'RUNNING'})
    assert client.start('wf', {'who': 'ops'}, 'juju')['id'] == 'e1'
    started = stub.last()
    assert started['headers']['Content-Type'] == 'application/json'
    assert json.loads(started['body']) == {
        'workflow_name': 'wf', 'workflow_namespace': 'juju',
        'input': '{"who": "ops"}'}
    stub.answer('GET', '/v2/executions/e1', body={'id': 'e1'})
    assert client.execution('e1') == {'id': 'e1'}
    with pytest.raises(MistralError):   # an id never leaves /executions/
        client.execution('../workflows')
    assert stub.last()['path'] == '/v2/executions/..%2Fworkflows'
    stub.answer('GET', '/v2/executions', body={'executions': [{'id': 'e1'}]})
    assert client.executions(workflow_name='wf', limit=5) == [{'id': 'e1'}]
    assert stub.last()['query'] == {'workflow_name': 'wf', 'limit': '5'}


def test_definitions_go_as_text_and_names_quoted(stub, tmp_path):
    client = logged_in(stub, tmp_path)
    definition = "version: '2.0'\nwf:\n  tasks: {}\n"
    stub.answer('POST', '/v2/workflows', 201, {'workflows': []})
    stub.answer('PUT', '/v2/workflows', body={'workflows': []})
    for new, method in ((True, 'POST'), (False, 'PUT')):
        client.put_workflow(definition, 'juju', new=new)
        sent = stub.last()
        assert (sent['method'], sent['body'], sent['query']) == (
            method, definition, {'namespace': 'juju'})
        assert sent['headers']['Content-Type'] == 'text/plain'
    stub.answer('DELETE', '/v2/cron_triggers/nightly%20report', 204)
    client.delete_cron_trigger('nightly report')
    assert stub.last()['method'] == 'DELETE'
