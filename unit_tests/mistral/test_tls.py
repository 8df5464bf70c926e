"""TLS endpoints, through the real handlers and interfaces: a certificate
from config or from vault turns on the apache2 frontend on the unit
(8979) in front of the API moved to loopback (8969); haproxy keeps 8989
and keystone gets https URLs. Taking it away goes back to plain HTTP."""

import base64
import json
import os
import socket
import stat

import pytest
import yaml
from charmhelpers import fetch
from openstack_base import tls

import pki

from mistral.test_story import (  # noqa: F401 (reactive_unit is a fixture)
    PEERS, add_peer, answer, ini, run, reactive_unit,
)

TEST_PKI = pki.PKI()
CERT, KEY = TEST_PKI.issue('10.0.0.10')
CA = TEST_PKI.ca
OTHER_CERT, OTHER_KEY = TEST_PKI.issue('10.0.0.10')
SELF_SIGNED, SELF_SIGNED_KEY = TEST_PKI.self_signed('10.0.0.10')
EXPIRED, EXPIRED_KEY = TEST_PKI.expired('10.0.0.10')


def vault_answer(cert, key):
    """What vault sends (interface-tls-certificates provides), with real
    certificates: the CA as CA and chain, this unit's first certificate
    and the map of all it issued."""
    return {'vault/0': {
        'ca': CA, 'chain': CA,
        'mistral_0.server.cert': cert, 'mistral_0.server.key': key,
        'mistral_0.processed_requests': json.dumps(
            {'10.0.0.10': {'cert': cert, 'key': key}})}}


VAULT = vault_answer(OTHER_CERT, OTHER_KEY)['vault/0']


def pem(label, body):
    return '-----BEGIN {0}-----\n{1}\n-----END {0}-----\n'.format(
        label, base64.b64encode(body.encode()).decode())


def b64(text):
    return base64.b64encode(text.encode()).decode()


@pytest.fixture
def tls_unit(reactive_unit, tmp_path, monkeypatch):  # noqa: F811
    """A unit made active without TLS; apache2's and the CA store's
    directories are temporary; vault answers with real certificates."""
    monkeypatch.setitem(PEERS, 'vault', vault_answer(OTHER_CERT, OTHER_KEY))
    for attribute, name in (('apache_dir', 'apache2'), ('ssl_dir', 'ssl'),
                            ('ca_cert_dir', 'ca-certificates')):
        monkeypatch.setattr(reactive_unit.charm_class, attribute,
                            str(tmp_path / name))
    reactive_unit.paths = {name: tmp_path / name
                           for name in ('apache2', 'ssl', 'ca-certificates')}
    run(reactive_unit, 'install')
    for app, endpoint in (('rabbitmq-server', 'amqp'),
                          ('mysql-router', 'shared-db'),
                          ('keystone', 'identity-service')):
        rid = add_peer(reactive_unit, endpoint, app)
        answer(reactive_unit, rid, app)
        if app == 'keystone':
            reactive_unit.keystone = rid
    assert reactive_unit.juju.status == ('active', 'Unit is ready')
    assert_plain(reactive_unit)
    return reactive_unit


def site(unit):
    return unit.paths['apache2'] / 'sites-available' / \
        'openstack_https_frontend.conf'


def commands(unit, name):
    return [c for c in unit.sync_calls if c[0] == name]


def public_url(unit):
    return unit.juju.local_data(unit.keystone)['public_url']


def assert_plain(unit):
    conf = ini(unit.conf)
    assert (conf['api']['host'], conf['api']['port']) == ('10.0.0.10',
                                                          '8979')
    haproxy = open(unit.haproxy).read().splitlines()
    assert '    server mistral-0 10.0.0.10:8979 check' in haproxy
    assert '    option httpchk GET /' in haproxy
    assert public_url(unit) == 'http://10.0.0.10:8989/v2'
    assert 'apache2' not in unit.init.running
    assert not site(unit).exists()
    # No certificate or key stays behind once TLS is off.
    ssl = unit.paths['ssl'] / 'mistral'
    assert not ssl.exists() or list(ssl.iterdir()) == []


def assert_tls(unit, cert_file, key_file):
    conf = ini(unit.conf)
    assert (conf['api']['host'], conf['api']['port']) == ('127.0.0.1',
                                                          '8969')
    # haproxy checks the API through apache2, over TLS
    haproxy = open(unit.haproxy).read().splitlines()
    assert '    server mistral-0 10.0.0.10:8979 check check-ssl ' \
        'verify none' in haproxy
    assert '    option httpchk GET /' in haproxy
    vhost = site(unit).read_text()
    for line in ('Listen 8979', '<VirtualHost *:8979>', 'SSLEngine on',
                 'SSLCertificateFile {}'.format(cert_file),
                 'SSLCertificateKeyFile {}'.format(key_file),
                 'RequestHeader set X-Forwarded-Proto "https"',
                 'ProxyPass / http://127.0.0.1:8969/ retry=0'):
        assert line in vhost.splitlines() or '    ' + line in \
            vhost.splitlines(), line
    assert public_url(unit) == 'https://10.0.0.10:8989/v2'
    assert unit.juju.local_data(unit.keystone)['internal_url'] == \
        'https://10.0.0.10:8989/v2'
    assert {'apache2', 'haproxy', 'mistral-api'} <= unit.init.running
    assert unit.juju.status == ('active', 'Unit is ready')


def test_apache2_is_installed_before_its_site_and_modules(
        tls_unit, monkeypatch):
    # A machine without apache2 (a fresh one: nothing installs it before
    # TLS is asked for) gets it before the charm writes its site and
    # runs a2enmod.
    unit = tls_unit
    site = unit.paths['apache2'] / 'sites-available' / (
        tls.APACHE_SITE + '.conf')
    seen = []
    monkeypatch.setattr(fetch, 'apt_install', lambda pkgs, **kw: seen.append(
        (list(pkgs), site.exists(), len(commands(unit, 'a2enmod')))))
    unit.juju.config.update(ssl_cert=b64(CERT), ssl_key=b64(KEY),
                            ssl_ca=b64(CA))
    run(unit, 'config-changed')
    assert (['apache2'], False, 0) in seen
    assert site.exists() and commands(unit, 'a2enmod')


def test_apache2_started_by_its_package_restarts_after_the_api(
        tls_unit, monkeypatch):
    # Debian's postinst starts apache2 (on port 80): the hook that turns
    # TLS on restarts it, once the API it fronts has left the backend
    # port, not in the same parallel systemctl round.
    unit = tls_unit
    monkeypatch.setattr(fetch, 'apt_install', lambda pkgs, **kw: (
        unit.init.running.update(p for p in pkgs if p == 'apache2')))
    unit.init.forget()
    unit.juju.config.update(ssl_cert=b64(CERT), ssl_key=b64(KEY),
                            ssl_ca=b64(CA))
    run(unit, 'config-changed')
    assert unit.init.batch_of('restart', 'mistral-api') < \
        unit.init.batch_of('restart', 'apache2')


def test_tls_from_config(tls_unit):
    unit = tls_unit
    unit.init.forget()
    unit.juju.config.update(ssl_cert=b64(CERT), ssl_key=b64(KEY),
                            ssl_ca=b64(CA))
    run(unit, 'config-changed')
    ssl = unit.paths['ssl'] / 'mistral'
    assert_tls(unit, ssl / 'cert_10.0.0.10', ssl / 'key_10.0.0.10')
    assert (ssl / 'cert_10.0.0.10').read_text() == CERT
    assert (ssl / 'key_10.0.0.10').read_text() == KEY
    assert stat.S_IMODE(os.stat(ssl / 'key_10.0.0.10').st_mode) == 0o640
    ca = unit.paths['ca-certificates'] / 'mistral_ca.crt'
    assert ca.read_text() == CA
    assert commands(unit, 'update-ca-certificates')
    assert commands(unit, 'a2enmod')[-1] == [
        'a2enmod', '-q', 'ssl', 'proxy', 'proxy_http', 'headers']
    assert 'apache2' in unit.installed
    # The API moved to loopback first, then the frontend took its port;
    # both were awaited before the unit said it was ready.
    assert unit.init.batch_of('restart', 'mistral-api') < \
        unit.init.batch_of('start', 'apache2')
    assert {('127.0.0.1', 8969), ('10.0.0.10', 8979)} <= set(
        unit.init.waited)

    # A new certificate restarts the frontend only.
    unit.init.forget()
    renewed = TEST_PKI.issue('10.0.0.10', key=KEY)[0]
    unit.juju.config['ssl_cert'] = b64(renewed)
    run(unit, 'config-changed')
    assert (ssl / 'cert_10.0.0.10').read_text() == renewed
    assert unit.init.calls == [('restart', 'apache2')]

    # Nothing changed: nothing restarts.
    unit.init.forget()
    run(unit, 'config-changed')
    assert unit.init.calls == []

    unit.sync_calls.clear()
    unit.juju.config.update(ssl_cert='', ssl_key='', ssl_ca='')
    run(unit, 'config-changed')
    assert_plain(unit)
    assert not ca.exists()
    assert commands(unit, 'update-ca-certificates')
    assert ('stop', 'apache2') in unit.init.calls
    assert unit.juju.status == ('active', 'Unit is ready')


def test_tls_from_vault(tls_unit):
    unit = tls_unit
    certificates = add_peer(unit, 'certificates', 'vault')
    sent = unit.juju.local_data(certificates)
    assert sent['unit_name'] == 'mistral_0'
    assert sent['common_name'] == '10.0.0.10'
    assert yaml.safe_load(sent['sans']) == sorted(
        ['10.0.0.10', socket.gethostname()])
    # Asked, not yet answered: still plain.
    assert_plain(unit)

    unit.init.forget()
    answer(unit, certificates, 'vault')
    ssl = unit.paths['ssl'] / 'mistral'
    assert_tls(unit, ssl / 'cert_10.0.0.10', ssl / 'key_10.0.0.10')
    assert (ssl / 'cert_10.0.0.10').read_text() == (
        VAULT['mistral_0.server.cert'] + VAULT['chain'])
    assert (ssl / 'key_10.0.0.10').read_text() == \
        VAULT['mistral_0.server.key']
    assert (unit.paths['ca-certificates'] / 'mistral_ca.crt').read_text() \
        == VAULT['ca']
    assert not {f for f in unit.juju.flags if f.endswith('.changed') and
                f.startswith('certificates.')}

    # vault renews the certificate: apache2 restarts, the API does not.
    unit.init.forget()
    renewed = TEST_PKI.issue('10.0.0.10', key=OTHER_KEY)[0]
    unit.juju.change(certificates, 'vault/0',
                     {'mistral_0.server.cert': renewed})
    assert (ssl / 'cert_10.0.0.10').read_text() == renewed + VAULT['chain']
    assert unit.init.calls == [('restart', 'apache2')]

    unit.init.forget()
    unit.juju.break_relation(certificates)
    assert_plain(unit)
    assert ('stop', 'apache2') in unit.init.calls
    assert ('restart', 'mistral-api') in unit.init.calls
    assert unit.juju.status == ('active', 'Unit is ready')


def test_config_wins_over_vault(tls_unit):
    unit = tls_unit
    unit.juju.config.update(ssl_cert=b64(CERT), ssl_key=b64(KEY))
    answer(unit, add_peer(unit, 'certificates', 'vault'), 'vault')
    ssl = unit.paths['ssl'] / 'mistral'
    assert (ssl / 'cert_10.0.0.10').read_text() == CERT
    assert public_url(unit).startswith('https://')


@pytest.mark.parametrize('config, message', [
    ({'ssl_cert': 'not base64!', 'ssl_key': b64(KEY)},
     'ssl_cert: must be base64-encoded PEM'),
    ({'ssl_cert': b64('plain text'), 'ssl_key': b64(KEY)},
     'ssl_cert: must be base64-encoded PEM (CERTIFICATE)'),
    ({'ssl_cert': b64(CERT), 'ssl_key': b64(CERT)},
     'ssl_key: must be base64-encoded PEM (PRIVATE KEY or RSA PRIVATE KEY '
     'or EC PRIVATE KEY)'),
    ({'ssl_cert': b64(CERT)}, 'ssl_key: must be set together with ssl_cert'),
    ({'ssl_key': b64(KEY)}, 'ssl_cert: must be set together with ssl_key'),
    ({'ssl_ca': b64(KEY)}, 'ssl_ca: must be base64-encoded PEM '
     '(CERTIFICATE)'),
    ({'ssl_cert': b64(CERT), 'ssl_key': b64(OTHER_KEY)},
     'ssl_key: does not match ssl_cert'),
    ({'ssl_cert': b64(EXPIRED), 'ssl_key': b64(EXPIRED_KEY)},
     'ssl_cert: has expired'),
    ({'ssl_cert': b64(SELF_SIGNED), 'ssl_key': b64(SELF_SIGNED_KEY),
      'ssl_ca': b64(CA)}, 'ssl_ca: does not sign ssl_cert'),
    ({'ssl_cert': b64('-----BEGIN CERTIFICATE-----\nAA==\n'
                      '-----END CERTIFICATE-----\n'), 'ssl_key': b64(KEY)},
     'ssl_cert: is not a valid certificate'),
])
def test_invalid_ssl_config_blocks_and_keeps_serving(tls_unit, config,
                                                     message):
    unit = tls_unit
    unit.juju.config.update(config)
    run(unit, 'config-changed')
    assert unit.juju.status == ('blocked', 'Invalid config: ' + message)
    conf = ini(unit.conf)
    assert conf['api']['port'] == '8979'
    assert not site(unit).exists()
    assert 'mistral-api' in unit.init.running


def test_certificate_request_names_every_endpoint(unit):
    charm = unit.charm(**{'os-public-hostname': 'mistral.example.com',
                          'vip': '10.0.0.100 10.1.0.100'})
    from openstack_base import tls
    cn, sans = tls.certificate_request(charm)
    assert cn == 'mistral.example.com'
    assert sans == sorted(['10.0.0.10', '10.0.0.100', '10.1.0.100',
                           'mistral.example.com', socket.gethostname()])


def test_nrpe_checks_the_api_over_tls(unit):
    from openstack_base import nrpe
    plain = nrpe.checks(unit.charm())['mistral-api-http'][1]
    secure = nrpe.checks(unit.charm(ssl_cert=b64(CERT), ssl_key=b64(KEY)))[
        'mistral-api-http'][1]
    assert secure == plain + ['--ssl']


def test_a_mismatched_certificate_from_vault_blocks_and_keeps_serving(
        tls_unit, monkeypatch):
    unit = tls_unit
    monkeypatch.setitem(PEERS, 'vault', vault_answer(CERT, OTHER_KEY))
    unit.init.forget()
    answer(unit, add_peer(unit, 'certificates', 'vault'), 'vault')
    assert unit.juju.status == (
        'blocked', "Invalid relation data: 'certificates': the key does "
        "not match the certificate")
    assert unit.init.calls == []
    assert not site(unit).exists()
    assert not (unit.paths['ssl'] / 'mistral').exists()
    assert ini(unit.conf)['api']['port'] == '8979'


def test_the_certificate_is_valid_at_every_units_address(tls_unit):
    # haproxy on any unit may hand a TLS connection to any unit's frontend
    unit = tls_unit
    peers = unit.juju.relate('cluster', 'mistral')
    unit.juju.join(peers, 'mistral/1', {'private-address': '10.0.0.11'})
    certificates = add_peer(unit, 'certificates', 'vault')
    sent = yaml.safe_load(unit.juju.local_data(certificates)['sans'])
    assert {'10.0.0.10', '10.0.0.11'} <= set(sent)
    unit.juju.join(peers, 'mistral/2', {'private-address': '10.0.0.12'})
    sent = yaml.safe_load(unit.juju.local_data(certificates)['sans'])
    assert {'10.0.0.10', '10.0.0.11', '10.0.0.12'} <= set(sent)


@pytest.mark.parametrize('cn', ['x/../../../../etc/evil',
                                '10.0.0.10\nInclude /tmp/evil'])
def test_a_common_name_that_is_no_file_name_blocks_and_writes_nothing(
        tls_unit, monkeypatch, tmp_path, cn):
    # vault answers only in processed_requests, under a name of its own:
    # that name would become cert_<cn> and key_<cn>, and reach apache2
    unit = tls_unit
    monkeypatch.setitem(PEERS, 'vault', {'vault/0': {
        'ca': CA, 'chain': CA, 'mistral_0.processed_requests': json.dumps(
            {cn: {'cert': OTHER_CERT, 'key': OTHER_KEY}})}})
    before = {os.path.join(d, f) for d, _, files in os.walk(tmp_path)
              for f in files}
    unit.init.forget()
    answer(unit, add_peer(unit, 'certificates', 'vault'), 'vault')
    assert unit.juju.status == (
        'blocked', "Invalid relation data: 'certificates': common_name: "
        "must be a file name (letters, digits, . _ : -; not starting with "
        "a dot), not {!r}".format(cn))
    assert unit.init.calls == []
    assert not site(unit).exists()
    assert not (unit.paths['ssl'] / 'mistral').exists()
    assert not (unit.paths['ca-certificates'] / 'mistral_ca.crt').exists()
    made = {os.path.join(d, f) for d, _, files in os.walk(tmp_path)
            for f in files} - before
    assert not [p for p in made if 'evil' in p or 'cert_' in p]
    assert ini(unit.conf)['api']['port'] == '8979'
