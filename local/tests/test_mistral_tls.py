"""TLS from the certificates relation, against the real packaged Mistral:
relate to vault (a test CA), and the public port answers HTTPS with a
certificate that CA signed for the unit's address, the catalog holds
https URLs and workflows run over HTTPS; remove the relation and it is
plain HTTP again."""

import json
import os
import socket
import ssl
import subprocess
import urllib.request

import pytest

from local import workflows
from local.mistral_user import create_workflows, run_workflow
from local.providers import keystone, keystone_api
from local.providers.vault import Vault
from local.tests.mistral_site import wait_until
from localjuju.provider import RelationView

SHARED = workflows.load()
READY = ('active', 'Unit is ready')
PORT = 8989


@pytest.fixture(scope='module')
def deployment(mistral_site):
    deployed = mistral_site.deployment('postgresql')
    deployed.relate_all()
    deployed.wait_ready()
    return deployed


def catalog_url(deployed):
    provider = keystone.Keystone(
        os.path.join(deployed.model.root, 'providers', 'keystone'))
    _, body = keystone_api.password_token(
        'admin', provider.admin_password(), 'admin')
    return keystone_api.find_endpoint(body, 'workflowv2', 'public')


def served_certificate(context, address):
    with socket.create_connection((address, PORT), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname=address) as tls:
            return tls.getpeercert()


def plain_http_answers(address):
    try:
        with urllib.request.urlopen('http://{}:{}/'.format(address, PORT),
                                    timeout=10) as response:
            return response.status == 200 and 'versions' in json.loads(
                response.read())
    except OSError:
        return False


@pytest.fixture
def https_client():
    """urllib (and so the Mistral client) trusting the test CA only."""
    def install(ca_file):
        context = ssl.create_default_context(cafile=ca_file)
        urllib.request.install_opener(urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=context)))
        return context
    yield install
    urllib.request.install_opener(None)


def test_vault_signs_each_request_with_its_names(tmp_path):
    vault = Vault(str(tmp_path / 'vault'))
    vault.ensure(progress=lambda line: None)
    request = {'unit_name': 'mistral_0', 'common_name': '10.0.0.10',
               'sans': json.dumps(['10.0.0.10', 'mistral.example']),
               'cert_requests': json.dumps({'10.1.0.10': {
                   'sans': ['10.1.0.10']}})}
    relation = RelationView('certificates:3', 'certificates',
                            {'mistral/0': request}, {}, ['vault/0'])
    vault.respond(relation)
    sent = relation.unit_updates['vault/0']
    assert sorted(sent) == ['ca', 'chain', 'mistral_0.processed_requests',
                            'mistral_0.server.cert', 'mistral_0.server.key']
    processed = json.loads(sent['mistral_0.processed_requests'])
    assert sorted(processed) == ['10.0.0.10', '10.1.0.10']
    assert processed['10.0.0.10']['cert'] == sent['mistral_0.server.cert']
    cert = tmp_path / 'cert.pem'
    cert.write_text(sent['mistral_0.server.cert'])
    verified = subprocess.run(
        ['openssl', 'verify', '-CAfile', vault.ca_cert_path, str(cert)],
        capture_output=True, text=True)
    assert verified.returncode == 0, verified.stderr
    names = subprocess.run(
        ['openssl', 'x509', '-in', str(cert), '-noout', '-ext',
         'subjectAltName'], capture_output=True, text=True).stdout
    assert 'IP Address:10.0.0.10, DNS:mistral.example' in names
    # Answering again issues nothing new.
    vault.respond(relation)
    assert relation.unit_updates['vault/0'] == sent


@pytest.mark.needs_root
def test_certificates_relation_serves_https_then_plain_again(
        deployment, https_client):
    assert catalog_url(deployment).startswith('http://')
    deployment.relate('mistral:certificates', 'vault')
    assert deployment.wait_ready() == READY
    vault = Vault(os.path.join(deployment.model.root, 'providers', 'vault'))
    context = https_client(vault.ca_cert_path)
    ADDRESS = deployment.address()  # the unit's own, on the bridge

    # Verified against the test CA, for the unit's address.
    cert = served_certificate(context, ADDRESS)
    assert ('IP Address', ADDRESS) in cert['subjectAltName']
    assert dict(item[0] for item in cert['subject'])['commonName'] == \
        ADDRESS
    assert catalog_url(deployment) == 'https://{}:{}/v2'.format(ADDRESS,
                                                                PORT)
    api_conf = deployment.mistral_conf()['api']
    assert (api_conf['host'], api_conf['port']) == ('127.0.0.1', '8969')
    assert deployment.service_running('apache2')
    assert not plain_http_answers(ADDRESS)

    api = deployment.client()
    assert api.url.startswith('https://')
    create_workflows(api, SHARED.ECHO_DEFINITION)
    execution = run_workflow(api, SHARED.ECHO_WORKFLOW, SHARED.ECHO_INPUT)
    assert execution['state'] == 'SUCCESS', execution.get('state_info')
    assert execution['output'] == SHARED.ECHO_OUTPUT

    deployment.controller.remove_relation('mistral:certificates', 'vault')
    assert deployment.wait_ready() == READY
    assert catalog_url(deployment).startswith('http://')
    assert not deployment.service_running('apache2')
    assert deployment.mistral_conf()['api']['port'] == '8979'
    # The withdrawn key left the unit.
    assert deployment.inside('ls', '-A', '/etc/apache2/ssl/mistral',
                             check=False).stdout.strip() == ''
    wait_until(lambda: plain_http_answers(ADDRESS),
               'plain HTTP on {}'.format(PORT))
    urllib.request.install_opener(None)
    plain = deployment.client()
    execution = run_workflow(plain, SHARED.ECHO_WORKFLOW, SHARED.ECHO_INPUT)
    assert execution['state'] == 'SUCCESS', execution.get('state_info')
