"""vault, as a certificate authority: a test CA made with openssl in the
provider's state dir.

Answers the tls-certificates relation with the keys charm-vault
publishes: ``ca`` and ``chain`` for everyone, and per requesting unit
(``unit_name``, e.g. ``mistral_0``) ``<unit_name>.server.cert`` and
``.server.key`` for its first request (``common_name`` + JSON ``sans``)
and ``<unit_name>.processed_requests``, JSON ``{cn: {"cert", "key"}}``
for every request (the first and those in ``cert_requests``).
"""

import hashlib
import ipaddress
import json
import os

from local.providers import support
from localjuju.provider import Provider

CA_SUBJECT = '/CN=Local deployment test CA'
DAYS = '365'


def subject_alt_names(names):
    entries = []
    for name in names:
        try:
            ipaddress.ip_address(name)
            entries.append('IP:' + name)
        except ValueError:
            entries.append('DNS:' + name)
    return ','.join(entries)


def requests_of(data):
    """[(cn, [sans])] a client unit asks for, first request first."""
    found = []
    if data.get('common_name'):
        found.append((data['common_name'], _json(data.get('sans'), [])))
    for cn, request in sorted(_json(data.get('cert_requests'),
                                    {}).items()):
        if cn not in dict(found) and isinstance(request, dict):
            found.append((cn, request.get('sans') or []))
    return found


def _json(text, default):
    try:
        value = json.loads(text) if text else default
    except ValueError:
        return default
    return value if isinstance(value, type(default)) else default


class Vault(Provider):
    application = 'vault'
    interface = 'tls-certificates'

    @property
    def ca_cert_path(self):
        return os.path.join(self.state_dir, 'ca.crt')

    @property
    def _ca_key_path(self):
        return os.path.join(self.state_dir, 'ca.key')

    def ensure(self, progress=print):
        support.ensure_packages(['openssl'], progress)
        os.makedirs(self.state_dir, mode=0o700, exist_ok=True)
        if not os.path.exists(self.ca_cert_path):
            progress('creating the test CA')
            support.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048',
                         '-nodes', '-keyout', self._ca_key_path,
                         '-out', self.ca_cert_path, '-days', DAYS,
                         '-subj', CA_SUBJECT,
                         '-addext', 'basicConstraints=critical,CA:TRUE',
                         '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
                        secret=True)
            os.chmod(self._ca_key_path, 0o600)
        progress('vault (test CA) ready: {}'.format(self.ca_cert_path))

    def issue(self, cn, sans):
        """(cert, key) for cn + sans, issued once and kept, so that a
        repeated answer is the same."""
        names = [cn] + [s for s in sans if s != cn]
        tag = hashlib.sha256(json.dumps(names).encode()).hexdigest()[:16]
        base = os.path.join(self.state_dir, 'issued-' + tag)
        if not os.path.exists(base + '.crt'):
            support.run(['openssl', 'req', '-new', '-newkey', 'rsa:2048',
                         '-nodes', '-keyout', base + '.key',
                         '-out', base + '.csr', '-subj', '/CN=' + cn],
                        secret=True)
            os.chmod(base + '.key', 0o600)
            with open(base + '.ext', 'w') as ext:
                ext.write('basicConstraints=CA:FALSE\n'
                          'keyUsage=digitalSignature,keyEncipherment\n'
                          'extendedKeyUsage=serverAuth\n'
                          'subjectAltName={}\n'.format(
                              subject_alt_names(names)))
            support.run(['openssl', 'x509', '-req', '-in', base + '.csr',
                         '-CA', self.ca_cert_path, '-CAkey',
                         self._ca_key_path, '-CAcreateserial',
                         '-days', DAYS, '-extfile', base + '.ext',
                         '-out', base + '.crt'], secret=True)
        with open(base + '.crt') as cert, open(base + '.key') as key:
            return cert.read(), key.read()

    def respond(self, relation):
        with open(self.ca_cert_path) as source:
            ca = source.read()
        # A root CA: its chain is itself, as vault with a root CA sends.
        answer = {'ca': ca, 'chain': ca}
        for unit in sorted(relation.charm_units):
            data = relation.charm_units[unit]
            name = data.get('unit_name') or unit.replace('/', '_')
            processed = {}
            for index, (cn, sans) in enumerate(requests_of(data)):
                cert, key = self.issue(cn, sans)
                processed[cn] = {'cert': cert, 'key': key}
                if index == 0:
                    answer[name + '.server.cert'] = cert
                    answer[name + '.server.key'] = key
            if processed:
                answer[name + '.processed_requests'] = json.dumps(
                    processed, sort_keys=True)
        for unit in relation.provider_units:
            relation.set_unit(unit, answer)

    def destroy(self):
        support.remove_tree(self.state_dir)
