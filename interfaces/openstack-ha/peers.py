"""Peer side of the ``openstack-ha`` interface (the cluster relation).

Each unit publishes its addresses as ``<type>-address`` (e.g.
``internal-address``) next to the ``private-address`` Juju sets, so the
haproxy of every unit can list all backends.

Flags: ``{ep}.connected`` (a peer joined), ``{ep}.available`` (a peer
has published an address).
"""

from charms.reactive import Endpoint, toggle_flag


class ApiPeers(Endpoint):

    def manage_flags(self):
        """Recompute every flag from the relation data (each hook)."""
        self._toggle('connected', self.is_joined)
        self._toggle('available', bool(self.ip_map()))

    def _toggle(self, suffix, value):
        toggle_flag(self.expand_name('{endpoint_name}.' + suffix),
                    bool(value))

    def set_address(self, address_type, address):
        self.send_all({'{}-address'.format(address_type): address})

    def send_all(self, settings):
        for relation in self.relations:
            relation.to_publish_raw.update(settings)

    def peer_units(self):
        return [unit.unit_name for unit in self.all_joined_units]

    def ip_map(self, address_key='private-address'):
        """[(unit name with '-' for '/', address as sent)] of peers that
        have published ``address_key`` (text only); the charm checks the
        address where it uses it."""
        pairs = []
        for unit in self.all_joined_units:
            address = unit.received_raw.get(address_key)
            if isinstance(address, str) and address.strip():
                pairs.append((unit.unit_name.replace('/', '-'), address))
        return pairs

    def retrieve_remote(self, key):
        values = (unit.received_raw.get(key) for unit in self.all_joined_units)
        return [v for v in values if isinstance(v, str) and v]

    def retrieve_local(self, key):
        for relation in self.relations:
            value = relation.to_publish_raw.get(key)
            if value:
                return value
        return None
