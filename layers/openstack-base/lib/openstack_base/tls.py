"""TLS for the API endpoints: where the certificate comes from, where it
goes, and the apache2 pieces that serve it.

A certificate comes from config (``ssl_cert``, ``ssl_key``, ``ssl_ca``,
base64 PEM), which wins, or from the ``certificates`` relation (vault,
easyrsa). apache2 terminates TLS on each unit (see the charm's port
scheme) with the files written here.
"""

import collections
import os
import subprocess

from openstack_base.validation import decode_base64

Material = collections.namedtuple('Material', 'cn cert key ca chain')

# The interface sets it when a certificate for this unit has arrived.
RELATION_CERTS_FLAG = 'certificates.server.certs.available'
CHANGED_FLAGS = ('certificates.ca.changed', 'certificates.certs.changed',
                 'certificates.server.certs.changed')
APACHE_MODULES = ('ssl', 'proxy', 'proxy_http', 'headers')
APACHE_SITE = 'openstack_https_frontend'
APACHE_DIR = '/etc/apache2'


def config_requested(config):
    """True when config asks for TLS (its values are checked elsewhere)."""
    return bool(config.get('ssl_cert') and config.get('ssl_key'))


def from_config(config, cn):
    if not config_requested(config):
        return None
    ca = decode_base64(config['ssl_ca']) if config.get('ssl_ca') else None
    return Material(cn, decode_base64(config['ssl_cert']),
                    decode_base64(config['ssl_key']), ca, None)


def from_relation(certificates, cn):
    """The certificate issued for ``cn`` (or else the first one issued
    for this unit), with the CA and chain; None before one arrives."""
    if certificates is None or not certificates.is_joined:
        return None
    issued = certificates.server_certs_map
    if not issued:
        return None
    cert = issued.get(cn) or issued[sorted(issued)[0]]
    return Material(cert.common_name, cert.cert, cert.key,
                    certificates.root_ca_cert, certificates.root_ca_chain)


def with_newline(text):
    return text if text.endswith('\n') else text + '\n'


def files(material, ssl_dir, ca_path):
    """{path: (content, mode)} that install ``material``: the
    certificate followed by its chain, the key, and the CA to trust."""
    cert = with_newline(material.cert)
    if material.chain:
        cert += with_newline(material.chain)
    found = {
        cert_path(ssl_dir, material.cn): (cert, 0o644),
        key_path(ssl_dir, material.cn): (with_newline(material.key), 0o640),
    }
    if material.ca:
        found[ca_path] = (with_newline(material.ca), 0o644)
    return found


def cert_path(ssl_dir, cn):
    return os.path.join(ssl_dir, 'cert_' + cn)


def key_path(ssl_dir, cn):
    return os.path.join(ssl_dir, 'key_' + cn)


def update_ca_certificates():
    # --fresh also drops the links of a CA file that was removed.
    subprocess.check_call(['update-ca-certificates', '--fresh'],
                          stdout=subprocess.DEVNULL)


def enable_apache(apache_dir=APACHE_DIR):
    """Enable the modules and the site the frontend needs (once)."""
    missing = [m for m in APACHE_MODULES if not os.path.exists(
        os.path.join(apache_dir, 'mods-enabled', m + '.load'))]
    if missing:
        subprocess.check_call(['a2enmod', '-q'] + missing,
                              stdout=subprocess.DEVNULL)
    if not os.path.lexists(_enabled_site(apache_dir)):
        subprocess.check_call(['a2ensite', '-q', APACHE_SITE],
                              stdout=subprocess.DEVNULL)


def disable_site(apache_dir=APACHE_DIR):
    if os.path.lexists(_enabled_site(apache_dir)):
        subprocess.check_call(['a2dissite', '-q', APACHE_SITE],
                              stdout=subprocess.DEVNULL)


def _enabled_site(apache_dir):
    return os.path.join(apache_dir, 'sites-enabled', APACHE_SITE + '.conf')


def site_path(apache_dir=APACHE_DIR):
    return os.path.join(apache_dir, 'sites-available', APACHE_SITE + '.conf')
