"""TLS for the API endpoints: where the certificate comes from, where it
goes, and the apache2 pieces that serve it.

A certificate comes from config (``ssl_cert``, ``ssl_key``, ``ssl_ca``,
base64 PEM), which wins, or from the ``certificates`` relation (vault,
easyrsa). apache2 terminates TLS on each unit (see the charm's port
scheme) with the files written here.
"""

import collections
import os
import socket
import subprocess
import tempfile

from openstack_base import grammar, ip, services
from openstack_base.rendering import (
    UnsafeValue, remove_if_present, write_if_changed)
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


# What check() finds, in the words of each source.
CONFIG_PROBLEMS = {
    'cert-invalid': ('ssl_cert', 'is not a valid certificate'),
    'key-invalid': ('ssl_key', 'is not a valid private key'),
    'mismatch': ('ssl_key', 'does not match ssl_cert'),
    'expired': ('ssl_cert', 'has expired'),
    'untrusted': ('ssl_ca', 'does not sign ssl_cert'),
}
RELATION_PROBLEMS = {
    'cert-invalid': 'the certificate is not valid',
    'key-invalid': 'the private key is not valid',
    'mismatch': 'the key does not match the certificate',
    'expired': 'the certificate has expired',
    'untrusted': 'the CA does not sign the certificate',
}


def check(material):
    """Why ``material`` cannot be served, as a key of CONFIG_PROBLEMS, or
    None. Run before anything is written: apache2 refuses a key that
    does not match its certificate, and would take the API down."""
    with tempfile.TemporaryDirectory() as scratch:      # mode 0700
        def saved(name, text):
            path = os.path.join(scratch, name)
            with open(path, 'w') as f:
                f.write(text)
            return path
        cert = saved('cert', material.cert)
        cert_key = _openssl('x509', '-in', cert, '-noout', '-pubkey')
        if cert_key is None:
            return 'cert-invalid'
        key = _openssl('pkey', '-pubout', '-in', saved('key', material.key))
        if key is None:
            return 'key-invalid'
        if key != cert_key:
            return 'mismatch'
        if _openssl('x509', '-in', cert, '-noout', '-checkend', '0') is None:
            return 'expired'
        if material.ca:
            verify = ['verify', '-CAfile', saved('ca', material.ca)]
            if material.chain:
                verify += ['-untrusted', saved('chain', material.chain)]
            if _openssl(*verify + [cert]) is None:
                return 'untrusted'
    return None


def config_problems(config):
    """[(option, reason)] when the configured certificate cannot be
    served (its options' format is checked first, elsewhere)."""
    found = config_requested(config) and check(from_config(config, cn=''))
    return [CONFIG_PROBLEMS[found]] if found else []


def relation_problems(charm):
    """[('certificates', reason)] when the relation's certificate, which
    the unit would serve, cannot be. Its common name names its files
    (cert_<cn>, key_<cn>): one that is not a plain file name (``../``, a
    line break) is refused before anything is written."""
    frontend = charm.tls_frontend
    if frontend is None or config_requested(charm.config):
        return []
    bad_name = grammar.file_name(frontend.cn)
    if bad_name:
        return [('certificates', 'common_name: ' + bad_name)]
    found = check(frontend.material)
    return [('certificates', RELATION_PROBLEMS[found])] if found else []


def _openssl(*args):
    """openssl's output, or None when it fails (its messages are
    dropped: they may quote the key)."""
    result = subprocess.run(('openssl',) + args, capture_output=True,
                            text=True)
    return result.stdout if result.returncode == 0 else None


def with_newline(text):
    return text if text.endswith('\n') else text + '\n'


class Frontend:
    """TLS is on: the certificate the unit serves and where it lives.

    The one value that says TLS is on; the charm computes it once per
    hook and passes it to whatever renders or installs TLS pieces.
    """

    def __init__(self, material, ssl_dir, ca_path):
        self.material = material
        self.cn = material.cn
        self.cert_file = os.path.join(ssl_dir, 'cert_' + material.cn)
        self.key_file = os.path.join(ssl_dir, 'key_' + material.cn)
        self.ca_path = ca_path

    def files(self):
        """{path: (content, mode)}: the certificate followed by its
        chain, the key, and the CA to trust."""
        material = self.material
        cert = with_newline(material.cert)
        if material.chain:
            cert += with_newline(material.chain)
        found = {self.cert_file: (cert, 0o644),
                 self.key_file: (with_newline(material.key), 0o640)}
        if material.ca:
            found[self.ca_path] = (with_newline(material.ca), 0o644)
        return found

    def install(self):
        """Write certificate, key and CA; return the changed paths."""
        bad_name = grammar.file_name(self.cn)
        if bad_name:        # relation_problems refuses it first
            raise UnsafeValue('common_name: ' + bad_name)
        changed = {path for path, (content, mode) in sorted(
            self.files().items())
            if write_if_changed(path, content, mode=mode)}
        if self.ca_path in changed:
            update_ca_certificates()
        return changed


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


def certificate_request(charm):
    """(cn, sans) of the one server certificate a unit asks for: its
    public name, and every name or address clients may use, every peer's
    included."""
    cn = ip.resolve_address('public', charm.config)
    names = {cn, charm.cluster_address}
    for endpoint_type, (binding, _) in ip.ENDPOINT_TYPES.items():
        names.add(ip.resolve_address(endpoint_type, charm.config))
        names.add(ip.binding_address(binding))
    names.update((charm.config.get('vip') or '').split())
    # the machine's own name, which clients and peers resolve
    names.add(socket.gethostname())
    # haproxy passes TLS through to any unit's frontend: whichever unit
    # answers, its certificate must be valid for the address dialled
    names.update(address for _, address in
                 charm.relations['cluster'].cluster_hosts())
    return cn, sorted(names)


def ca_path(charm):
    return os.path.join(charm.ca_cert_dir, '{}_ca.crt'.format(charm.name))


def frontend_for(charm):
    """The Frontend the charm should run (config wins over the
    relation), or None."""
    cn = certificate_request(charm)[0]
    material = (from_config(charm.config, cn) or from_relation(
        charm.relations['certificates'].endpoint, cn))
    if material is None:
        return None
    return Frontend(material, os.path.join(charm.ssl_dir, charm.name),
                    ca_path(charm))


def configure(charm):
    """Install the certificate TLS asks for (apache2 is there already:
    OpenStackCharm.converge), or retire the frontend; the frontend."""
    frontend = charm.tls_frontend
    if frontend is None:
        retire(charm)
        return None
    if frontend.install():
        charm.restarts.request(charm.tls_services)
    return frontend


def retire(charm):
    """TLS is off: stop the frontend if this charm ran it, and remove the
    certificate, the key and the CA it served."""
    site = site_path(charm.apache_dir)
    if os.path.exists(site):
        disable_site(charm.apache_dir)
        os.unlink(site)
        services.stop_all(charm.tls_services)
    ssl_dir = os.path.join(charm.ssl_dir, charm.name)
    if os.path.isdir(ssl_dir):
        for name in os.listdir(ssl_dir):
            os.unlink(os.path.join(ssl_dir, name))
    if remove_if_present(ca_path(charm)):
        update_ca_certificates()
