"""The TLS policy of the rendered apache2 frontend and haproxy config:
Mozilla's "intermediate" profile (TLS 1.2 with forward-secret AEAD
suites, TLS 1.3), checked against what openssl makes of the cipher lists
and, where the binaries are installed, by apache2 and haproxy themselves.
The handshakes a client gets are scanned in func-local
(local/tests/test_mistral_tls.py)."""

import os
import re
import shutil
import subprocess

import pytest

from local.openssl_ciphers import described
from mistral.test_tls import (  # noqa: F401 (tls_unit is a fixture)
    CA, CERT, KEY, b64, reactive_unit, run, site, tls_unit,
)

TLS12 = {'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256',
         'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384',
         'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305'}
TLS13 = {'TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384',
         'TLS_CHACHA20_POLY1305_SHA256'}
GROUPS = 'X25519:prime256v1:secp384r1'
SBIN = os.pathsep.join([os.environ.get('PATH', ''), '/usr/sbin', '/sbin'])


@pytest.fixture
def rendered(tls_unit):  # noqa: F811
    """(apache2 site, haproxy.cfg) as a unit with TLS from config has
    them."""
    tls_unit.juju.config.update(ssl_cert=b64(CERT), ssl_key=b64(KEY),
                                ssl_ca=b64(CA))
    run(tls_unit, 'config-changed')
    assert tls_unit.juju.status == ('active', 'Unit is ready')
    return site(tls_unit).read_text(), open(tls_unit.haproxy).read()


def directives(text, start, end=None):
    """{name: [arguments, ...]} of the lines after ``start`` (up to
    ``end`` or the next unindented line), comments left out."""
    found = {}
    lines = text.splitlines()
    for line in lines[lines.index(start) + 1:]:
        if line == end or (end is None and line and not line[0].isspace()):
            break
        words = line.split(None, 1)
        if words and not words[0].startswith('#'):
            found.setdefault(words[0], []).append(
                words[1] if len(words) > 1 else '')
    return found


def assert_intermediate_tls12(cipher_list):
    """Every name is one OpenSSL knows (it silently drops the others), and
    each is ECDHE key exchange with an AEAD cipher."""
    table = described(cipher_list)
    assert set(table) == set(cipher_list.split(':')) == TLS12
    for name, fields in table.items():
        assert fields['Kx'] == 'ECDH', name
        assert fields['Mac'] == 'AEAD', name
        assert fields['Enc'].startswith(('AESGCM', 'CHACHA20')), name


def test_apache2_frontend_serves_the_intermediate_profile(rendered):
    vhost = directives(rendered[0], '<VirtualHost *:8979>', '</VirtualHost>')
    assert vhost['SSLProtocol'] == ['-all +TLSv1.2 +TLSv1.3']
    tls12, tls13 = vhost['SSLCipherSuite']
    assert_intermediate_tls12(tls12)
    version, suites = tls13.split()
    assert version == 'TLSv1.3' and set(suites.split(':')) == TLS13
    assert vhost['SSLOpenSSLConfCmd'] == ['Groups ' + GROUPS]
    assert vhost['SSLHonorCipherOrder'] == ['off']
    assert vhost['SSLSessionTickets'] == ['off']


def test_haproxy_defaults_hold_the_same_profile(rendered):
    apache, haproxy = rendered
    tls12 = directives(apache, '<VirtualHost *:8979>')['SSLCipherSuite'][0]
    glob = {name: values[0] for name, values in
            directives(haproxy, 'global').items()}
    for side in ('bind', 'server'):
        assert glob['ssl-default-{}-ciphers'.format(side)] == tls12
        assert set(glob['ssl-default-{}-ciphersuites'.format(side)].split(
            ':')) == TLS13
        options = glob['ssl-default-{}-options'.format(side)].split()
        assert options[:3] == ['ssl-min-ver', 'TLSv1.2', 'no-tls-tickets']
    assert 'prefer-client-ciphers' in glob['ssl-default-bind-options']
    assert glob['ssl-default-bind-curves'] == GROUPS
    assert_intermediate_tls12(tls12)
    # haproxy terminates no TLS itself: its API frontends pass it on.
    assert ' ssl ' not in haproxy and 'crt ' not in haproxy


def tool(name):
    path = shutil.which(name, path=SBIN)
    if not path:
        pytest.skip('{} is not installed'.format(name))
    return path


APACHE_MAIN = """\
ServerRoot {root}
ServerName localhost
Define APACHE_LOG_DIR {root}
PidFile {root}/apache2.pid
ErrorLog {root}/error.log
Mutex file:{root}
LoadModule mpm_event_module {modules}/mod_mpm_event.so
LoadModule authz_core_module {modules}/mod_authz_core.so
{load}
Include {site}
"""


def apache2_accepts(tmp_path, text):
    """apache2 -t on ``text`` as the charm's site, with the modules the
    charm enables: (accepted, what apache2 said)."""
    from openstack_base import tls
    binary = tool('apache2')
    modules = '/usr/lib/apache2/modules'
    (tmp_path / 'site.conf').write_text(text)
    (tmp_path / 'apache2.conf').write_text(APACHE_MAIN.format(
        root=tmp_path, modules=modules, site=tmp_path / 'site.conf',
        load='\n'.join('LoadModule {0}_module {1}/mod_{0}.so'.format(
            module, modules) for module in tls.APACHE_MODULES)))
    checked = subprocess.run(
        [binary, '-t', '-f', str(tmp_path / 'apache2.conf')],
        capture_output=True, text=True)
    said = checked.stdout + checked.stderr
    return checked.returncode == 0 and 'Syntax OK' in said, said


def test_apache2_accepts_the_frontend(rendered, tmp_path):
    accepted, said = apache2_accepts(tmp_path, rendered[0])
    assert accepted, said
    # The check itself can fail: a misspelt directive is refused.
    accepted, said = apache2_accepts(tmp_path, rendered[0].replace(
        'SSLSessionTickets', 'SSLSessionTicket'))
    assert not accepted and 'SSLSessionTicket' in said


def haproxy_accepts(tmp_path, text):
    """haproxy -c on ``text`` with one more frontend that terminates TLS:
    only then does haproxy apply (and so check) the bind defaults, as its
    check-ssl servers make it apply the server ones."""
    binary = tool('haproxy')
    (tmp_path / 'probe.pem').write_text(CERT + KEY)
    (tmp_path / 'haproxy.cfg').write_text(text + PROBE.format(
        pem=tmp_path / 'probe.pem'))
    checked = subprocess.run(
        [binary, '-c', '-f', str(tmp_path / 'haproxy.cfg')],
        capture_output=True, text=True)
    return checked.returncode == 0, checked.stdout + checked.stderr


PROBE = """
frontend probe-tls
    bind 127.0.0.1:1 ssl crt {pem}
"""


@pytest.mark.parametrize('directive, value', [
    (None, None),
    # Each value is checked, not only the syntax: what OpenSSL cannot use
    # is refused, at either side.
    ('ssl-default-bind-ciphers', 'NO-SUCH-CIPHER'),
    ('ssl-default-server-ciphersuites', 'TLS_NO_SUCH_SUITE'),
    ('ssl-default-bind-curves', 'x9'),
])
def test_haproxy_accepts_the_config(rendered, tmp_path, directive, value):
    text = rendered[1]
    if directive:
        text, replaced = re.subn(r'(?m)^(    {} ).*$'.format(directive),
                                 r'\g<1>' + value, text)
        assert replaced == 1
    accepted, output = haproxy_accepts(tmp_path, text)
    if directive:
        assert not accepted and value in output, output
    else:
        assert accepted, output
