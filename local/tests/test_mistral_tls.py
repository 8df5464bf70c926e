"""TLS from the certificates relation, against the real packaged Mistral:
relate to vault (a test CA), and the public port answers HTTPS with a
certificate that CA signed for the unit's address, the catalog holds
https URLs and workflows run over HTTPS; remove the relation and it is
plain HTTP again. A client's scan of every protocol version, cipher suite
and group finds exactly Mozilla's "intermediate" profile, at apache2 and
through haproxy's frontend."""

import collections
import functools
import json
import os
import re
import socket
import ssl
import subprocess
import urllib.request

import pytest

from local import workflows
from local.mistral_user import create_workflows, run_workflow
from local.openssl_ciphers import described
from local.providers import keystone, keystone_api
from local.providers.vault import Vault
from local.tests.mistral_site import record, wait_until
from localjuju.provider import RelationView

SHARED = workflows.load()
READY = ('active', 'Unit is ready')
PORT = 8989
FRONTEND = 8979     # apache2 on the unit; haproxy's PORT forwards to it

# Mozilla's "intermediate" profile: for TLS 1.2, ECDHE key exchange with
# AEAD ciphers only (the server's certificate type picks ECDSA or RSA);
# TLS 1.3 with OpenSSL's default suites; three groups.
INTERMEDIATE_TLS12 = {
    'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256',
    'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384',
    'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305'}
INTERMEDIATE_TLS13 = {'TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384',
                      'TLS_CHACHA20_POLY1305_SHA256'}
INTERMEDIATE_GROUPS = {'x25519', 'secp256r1', 'secp384r1'}
# Every suite and group TLS 1.3 defines (RFC 8446, B.4 and 4.2.7).
TLS13_SUITES = INTERMEDIATE_TLS13 | {'TLS_AES_128_CCM_SHA256',
                                     'TLS_AES_128_CCM_8_SHA256'}
GROUPS = INTERMEDIATE_GROUPS | {'secp521r1', 'x448', 'ffdhe2048',
                                'ffdhe3072', 'ffdhe4096', 'ffdhe6144',
                                'ffdhe8192'}
VERSIONS = {'TLSv1': '-tls1', 'TLSv1.1': '-tls1_1', 'TLSv1.2': '-tls1_2',
            'TLSv1.3': '-tls1_3'}
# OpenSSL 3 offers nothing weaker than security level 1 (and no TLS 1.0
# or 1.1) unless told to: the scan must offer what an old client would.
EVERYTHING = 'ALL:COMPLEMENTOFALL:@SECLEVEL=0'


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


@functools.lru_cache()
def client_ciphers():
    """Every suite before TLS 1.3 this client's OpenSSL can offer."""
    return described(EVERYTHING)


def handshake(address, port, version, cipher=EVERYTHING, suites=None,
              groups=None, kx=''):
    """What ``openssl s_client`` gets from address:port offering only
    ``version`` (and the suites/groups given): (cipher, output) when the
    server accepts, None when it refuses with an alert. Anything
    else (no connection, a client that could not offer) fails: a scan
    that reached no server must not pass for a refusal."""
    command = ['openssl', 's_client', '-connect',
               '{}:{}'.format(address, port), VERSIONS[version],
               '-cipher', cipher]
    if suites:
        command += ['-ciphersuites', suites]
    if groups:
        command += ['-groups', groups]
    # PSK and SRP suites are offered only with a key or user to offer.
    if 'PSK' in kx:
        command += ['-psk', '00112233445566778899aabbccddeeff']
    if 'SRP' in kx:
        command += ['-srpuser', 'scan', '-srppass', 'pass:scan']
    done = subprocess.run(command, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=30)
    output = done.stdout + done.stderr
    assert 'CONNECTED(' in output, (command, output)
    # The protocol is the one version offered; "New, <the cipher's own
    # version>, Cipher is <name>" names what the server chose.
    found = re.search(r'^New, \S+, Cipher is (\S+)$', output, re.M)
    if done.returncode == 0 and found and found.group(1) != '(NONE)':
        return found.group(1), output
    assert re.search(r'alert number \d+', output), (command, output)
    return None


def certificate_type(address, port):
    """'RSA' or 'ECDSA': which intermediate suites the server can choose."""
    pem = ssl.get_server_certificate((address, port))
    text = subprocess.run(['openssl', 'x509', '-noout', '-text'],
                          input=pem, capture_output=True, text=True,
                          check=True).stdout
    algorithm = re.search(r'Public Key Algorithm: (\S+)', text).group(1)
    return {'rsaEncryption': 'RSA', 'id-ecPublicKey': 'ECDSA'}[algorithm]


def scan(address, port):
    """What a client gets at address:port: {'versions': {version:
    accepted?}, 'tls12': accepted suites, 'refused12': {kind: count},
    'tls13': accepted suites, 'groups': {version: accepted groups},
    'tickets': a TLS 1.2 session ticket was issued}."""
    found = {'versions': {}, 'refused12': collections.Counter(),
             'tls12': set(), 'tls13': set(), 'groups': {}, 'tickets': False}
    for version in VERSIONS:
        found['versions'][version] = bool(handshake(address, port,
                                                    version))
    for name, fields in sorted(client_ciphers().items()):
        got = handshake(address, port, 'TLSv1.2', name + ':@SECLEVEL=0',
                        kx=fields['Kx'])
        if got:
            assert got[0] == name, got[0]
            found['tls12'].add(name)
            found['tickets'] |= 'session ticket lifetime hint' in got[1]
        else:
            found['refused12']['Kx=' + fields['Kx']] += 1
            if fields['Mac'] == 'SHA1':
                found['refused12']['Mac=SHA1'] += 1
    for suite in sorted(TLS13_SUITES):
        got = handshake(address, port, 'TLSv1.3', suites=suite)
        if got:
            assert got[0] == suite, got[0]
            found['tls13'].add(suite)
    for version in ('TLSv1.2', 'TLSv1.3'):
        found['groups'][version] = {
            group for group in sorted(GROUPS)
            if handshake(address, port, version, groups=group)}
    return found


def served(address):
    """TLS answers through haproxy (its check may not yet have put the
    unit's apache2 in rotation)."""
    try:
        return bool(handshake(address, PORT, 'TLSv1.3'))
    except AssertionError:      # no connection, no alert: not yet
        return False


def chosen(address, port, preference):
    """The TLS 1.2 suite the server picks from the client's ordered
    ``preference``."""
    return handshake(address, port, 'TLSv1.2', ':'.join(preference))[0]


@pytest.fixture(scope='module')
def with_vault(deployment):
    """The deployment related to vault, serving TLS, for the tests that
    follow; plain again after them."""
    deployment.relate('mistral:certificates', 'vault')
    try:
        assert deployment.wait_ready() == READY
        wait_until(lambda: served(deployment.address()),
                   'TLS on {}'.format(PORT))
        yield deployment
    finally:
        deployment.controller.remove_relation('mistral:certificates',
                                              'vault')
        deployment.wait_ready()


@pytest.mark.needs_root
def test_a_client_scan_finds_mozillas_intermediate_profile(with_vault):
    """Every version, every TLS 1.2 suite this client's OpenSSL knows
    (PSK and SRP ones offered with a key), every TLS 1.3 suite and group,
    at apache2 and through haproxy: exactly the intermediate profile."""
    deployment = with_vault
    address = deployment.address()
    wait_until(lambda: served(address), 'TLS on {}'.format(PORT))
    kind = certificate_type(address, PORT)
    expected = {name for name in INTERMEDIATE_TLS12
                if client_ciphers()[name]['Au'] == kind}
    scans = {port: scan(address, port) for port in (PORT, FRONTEND)}
    for port, found in scans.items():
        assert found['versions'] == {
            'TLSv1': False, 'TLSv1.1': False, 'TLSv1.2': True,
            'TLSv1.3': True}, port
        assert found['tls12'] == expected, port
        assert found['tls13'] == INTERMEDIATE_TLS13, port
        assert found['groups'] == {'TLSv1.2': INTERMEDIATE_GROUPS,
                                   'TLSv1.3': INTERMEDIATE_GROUPS}, port
        assert not found['tickets'], port
        # Static-RSA key exchange and SHA-1 suites were offered, and
        # refused.
        assert found['refused12']['Kx=RSA'] > 0, port
        assert found['refused12']['Mac=SHA1'] > 0, port
    # The client's order wins (SSLHonorCipherOrder off).
    first, second = sorted(expected)[:2]
    assert chosen(address, PORT, [first, second]) == first
    assert chosen(address, PORT, [second, first]) == second
    assert scans[PORT] == scans[FRONTEND]
    found = scans[PORT]
    record('TLS scan of {0}:{1} (haproxy) and :{2} (apache2), {3} '
           'certificate: identical; TLS 1.0, 1.1 refused; TLS 1.2 '
           'accepts {4} of {5} suites offered: {6} (refused: {7} '
           'static-RSA, {8} SHA-1); TLS 1.3 accepts {9} of {10}: {11}; '
           'groups {12}; no TLS 1.2 session tickets'.format(
               address, PORT, FRONTEND, kind, len(found['tls12']),
               len(client_ciphers()), ' '.join(sorted(found['tls12'])),
               found['refused12']['Kx=RSA'],
               found['refused12']['Mac=SHA1'], len(found['tls13']),
               len(TLS13_SUITES), ' '.join(sorted(found['tls13'])),
               ' '.join(sorted(found['groups']['TLSv1.3']))))


def vault_data(deployment):
    """vault's unit data on the certificates relation, as it sent it."""
    for relation in deployment.model.read()['relations'].values():
        for unit, data in relation['units'].items():
            if unit.startswith('vault/') and any(
                    key.endswith('.processed_requests') for key in data):
                return dict(data)
    raise AssertionError('vault sent no certificate')


@pytest.mark.needs_root
def test_a_common_name_that_is_no_file_name_writes_nothing(with_vault):
    """The common name vault sends becomes a file name: one with `../`
    and a line break blocks the relation naming it, before anything is
    written; the last good certificate keeps being served."""
    deployment = with_vault
    address = deployment.address()
    wait_until(lambda: served(address), 'TLS on {}'.format(PORT))
    sent = vault_data(deployment)
    key = next(k for k in sent if k.endswith('.processed_requests'))
    issued = next(iter(json.loads(sent[key]).values()))
    hostile = 'x/../../../../../tmp/cn-escape\nSSLEngine off'
    pids = deployment.pids()
    tls_files = deployment.inside('ls', '-la',
                                  '/etc/apache2/ssl/mistral').stdout
    site = deployment.inside(
        'cat', '/etc/apache2/sites-available/openstack_https_frontend'
        '.conf').stdout
    deployment.remote_change('vault', **{
        key: json.dumps({hostile: issued}),
        key.replace('processed_requests', 'server.cert'): None,
        key.replace('processed_requests', 'server.key'): None})
    try:
        assert deployment.hook_error() is None
        state, message = deployment.workload()
        assert state == 'blocked', message
        assert message.startswith("Invalid relation data: "
                                  "'certificates': common_name: ")
        assert deployment.pids() == pids
        assert deployment.inside('ls', '-la', '/etc/apache2/ssl/'
                                 'mistral').stdout == tls_files
        assert deployment.inside(
            'cat', '/etc/apache2/sites-available/'
            'openstack_https_frontend.conf').stdout == site
        assert deployment.inside('test', '-e', '/tmp/cn-escape',
                                 check=False).returncode != 0
        assert served(address)
        record('certificates common_name with ../ and a line break: '
               'blocked "{}"; {} processes, the TLS files and the '
               'site unchanged; still serving TLS'.format(
                   message[:70], len(pids)))
    finally:
        deployment.remote_change('vault', **{
            k: sent.get(k) for k in (
                key, key.replace('processed_requests', 'server.cert'),
                key.replace('processed_requests', 'server.key'))})
    assert deployment.wait_ready() == READY
