"""Client side of the ``tls-certificates`` interface (vault, easyrsa).

We publish ``unit_name`` (``mistral_0``), the first server certificate
request as ``common_name`` + ``sans`` (JSON list) + ``certificate_name``
and any further ones in ``cert_requests`` (JSON ``{cn: {"sans": [...]}}``).
The CA answers with ``ca``, ``chain`` and, per requesting unit,
``<unit_name>.server.cert``/``.server.key`` (the first request) and
``<unit_name>.processed_requests`` (JSON ``{cn: {"cert", "key"}}``).

Flags: ``{ep}.available`` (joined), ``{ep}.ca.available``,
``{ep}.certs.available``, ``{ep}.server.certs.available`` and the
``.changed`` variants of those three, which are set when the data
changes and left for the charm to clear once it has acted on them.
"""

import collections
import json
import uuid

from charmhelpers.core import hookenv
from charms.reactive import Endpoint, clear_flag, data_changed, set_flag
from charms.reactive import toggle_flag

Certificate = collections.namedtuple(
    'Certificate', ('cert_type', 'common_name', 'cert', 'key'))

ALL_SUFFIXES = ('available', 'ca.available', 'ca.changed', 'certs.available',
                'certs.changed', 'server.certs.available',
                'server.certs.changed')


class CertificatesClient(Endpoint):

    def manage_flags(self):
        """Recompute every flag from the relation data (each hook)."""
        if not self.is_joined:
            for suffix in ALL_SUFFIXES:
                clear_flag(self._flag(suffix))
            return
        set_flag(self._flag('available'))
        try:
            ca, certs = self.root_ca_cert, self.server_certs
        except Exception as exc:  # a bad payload must not fail the hook
            hookenv.log('certificates: ignoring unusable relation data '
                        '({})'.format(type(exc).__name__), hookenv.WARNING)
            ca, certs = None, []
        toggle_flag(self._flag('ca.available'), bool(ca))
        toggle_flag(self._flag('server.certs.available'), bool(certs))
        toggle_flag(self._flag('certs.available'), bool(certs))
        if ca and data_changed(self._flag('ca'), ca):
            set_flag(self._flag('ca.changed'))
        if certs and data_changed(self._flag('servers'),
                                  [list(c) for c in certs]):
            set_flag(self._flag('server.certs.changed'))
            set_flag(self._flag('certs.changed'))

    def _flag(self, suffix):
        return self.expand_name('{endpoint_name}.' + suffix)

    @property
    def _unit_name(self):
        return hookenv.local_unit().replace('/', '_')

    # -- what we send -------------------------------------------------
    def request_server_cert(self, cn, sans=None, cert_name=None):
        """Ask for a server certificate for ``cn`` (+ ``sans``)."""
        if not self.relations:
            return
        published = self.relations[0].to_publish_raw
        published['unit_name'] = self._unit_name
        if published.get('common_name') in (None, '', cn):
            published['common_name'] = cn
            published['sans'] = json.dumps(sans or [])
            published['certificate_name'] = (
                published.get('certificate_name') or cert_name
                or str(uuid.uuid4()))
        else:
            requests = _json_dict(published.get('cert_requests'))
            requests[cn] = {'sans': sans or []}
            published['cert_requests'] = json.dumps(requests, sort_keys=True)

    def request_server_certs(self):
        """Nothing to do: requests are published as they are made."""

    # -- what we receive ----------------------------------------------
    def _received(self, key):
        for unit in self.all_joined_units:
            value = unit.received_raw.get(key)
            if isinstance(value, str) and value.strip():
                return value
        return None

    @property
    def root_ca_cert(self):
        return self._received('ca')

    @property
    def root_ca_chain(self):
        return self._received('chain')

    def get_ca(self):
        return self.root_ca_cert

    def get_chain(self):
        return self.root_ca_chain

    @property
    def server_certs(self):
        """Certificates issued for our requests (malformed ones skipped)."""
        certs = []
        first_cn = (self.relations[0].to_publish_raw.get('common_name')
                    if self.relations else None)
        cert = self._received(self._unit_name + '.server.cert')
        key = self._received(self._unit_name + '.server.key')
        if first_cn and cert and key:
            certs.append(Certificate('server', first_cn, cert, key))
        processed = _json_dict(
            self._received(self._unit_name + '.processed_requests'))
        for cn, issued in sorted(processed.items()):
            if (isinstance(issued, dict)
                    and isinstance(issued.get('cert'), str)
                    and isinstance(issued.get('key'), str)
                    and cn not in {c.common_name for c in certs}):
                certs.append(Certificate('server', cn, issued['cert'],
                                         issued['key']))
        return certs

    @property
    def server_certs_map(self):
        return {cert.common_name: cert for cert in self.server_certs}

    def get_batch_requests(self):
        return self.server_certs_map


def _json_dict(text):
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
