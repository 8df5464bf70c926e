"""Client side of the ``rabbitmq`` interface (rabbitmq-server's amqp).

Wire protocol, as rabbitmq-server's ``amqp_changed`` speaks it:
we publish ``username``, ``vhost`` and ``private-address`` in our unit
data; every rabbitmq unit answers in its unit data with ``password``,
``hostname``/``private-address`` and optionally ``ssl_port``, ``ssl_ca``
(base64 PEM), ``clustered``, ``vip``, ``ha_queues``.

``ssl_port`` alone means TLS too: rabbitmq-server configured with its own
``ssl_cert``/``ssl_key`` and no ``ssl_ca`` sends no CA
(hooks/ssl_utils.py configure_client_ssl), and with ``ssl=only`` it does
not listen on 5672 at all.

Flags: ``{ep}.connected``, ``{ep}.available``, ``{ep}.available.ssl``
(RabbitMQ offers TLS, with or without a CA).
"""

import base64
import binascii

from charmhelpers.core import hookenv
from charms.reactive import Endpoint, toggle_flag

FLAG_SUFFIXES = ('connected', 'available', 'available.ssl')
# What this client reads from the remote units.
RECEIVED_KEYS = ('password', 'hostname', 'private-address', 'ingress-address',
                 'ssl_port', 'ssl_ca', 'vip', 'clustered')


class AmqpClient(Endpoint):

    def manage_flags(self):
        """Recompute every flag from the relation data (each hook)."""
        try:
            self._refresh_flags()
        except Exception as exc:  # a bad payload must not fail the hook
            hookenv.log('amqp: ignoring unusable relation data ({})'.format(
                type(exc).__name__), hookenv.WARNING)
            for suffix in FLAG_SUFFIXES[1:]:
                self._toggle(suffix, False)

    def _toggle(self, suffix, value):
        toggle_flag(self.expand_name('{endpoint_name}.' + suffix),
                    bool(value))

    def _refresh_flags(self):
        ready = bool(self.is_joined and self.username() and self.vhost()
                     and self.password() and not self.refused())
        self._toggle('connected', self.is_joined)
        self._toggle('available', ready)
        self._toggle('available.ssl', ready and self.ssl_data_complete())

    # -- what we send -------------------------------------------------
    def request_access(self, username, vhost, hostname=None):
        """Ask rabbitmq for a user with access to ``vhost``."""
        address = hostname or self._own_address()
        for relation in self.relations:
            relation.to_publish_raw.update({
                'username': username,
                'vhost': vhost,
                'private-address': address,
            })
        self.manage_flags()

    def _own_address(self):
        try:
            return hookenv.network_get_primary_address(self.endpoint_name)
        except Exception:  # Juju < 2.0 or no binding for the endpoint
            return hookenv.unit_private_ip()

    def _sent(self, key):
        for relation in self.relations:
            value = relation.to_publish_raw.get(key)
            if value:
                return value
        return None

    def username(self):
        return self._sent('username')

    def vhost(self):
        return self._sent('vhost')

    # -- what we receive ----------------------------------------------
    def refused(self):
        """{key: why} for values sent that are not text."""
        return _not_text(self.all_joined_units, RECEIVED_KEYS)

    def _ready_units(self):
        """Remote units that have handed out a password, in unit order."""
        return [unit for unit in self.all_joined_units
                if _text(unit.received_raw.get('password'))]

    def _first_ready(self, key):
        for unit in self._ready_units():
            value = _text(unit.received_raw.get(key))
            if value:
                return value
        return None

    def password(self):
        return self._first_ready('password')

    def ssl_port(self):
        return self._first_ready('ssl_port')

    def ssl_ca(self):
        """The CA as rabbitmq sent it (base64 PEM)."""
        return self._first_ready('ssl_ca')

    def vip(self):
        return self._first_ready('vip')

    def clustered(self):
        return self._first_ready('clustered')

    def rabbitmq_ready_hosts(self):
        """Addresses of units ready for clients, sorted and unique."""
        hosts = set()
        for unit in self._ready_units():
            data = unit.received_raw
            address = (_text(data.get('hostname'))
                       or _text(data.get('private-address'))
                       or _text(data.get('ingress-address')))
            if address:
                hosts.add(address)
        return sorted(hosts)

    def rabbitmq_connected_hosts(self):
        return sorted({_text(unit.received_raw.get('private-address'))
                       for unit in self.all_joined_units} - {None})

    def get_ssl_cert(self):
        """The CA as PEM text, or None when absent or not base64."""
        encoded = self.ssl_ca()
        if not encoded:
            return None
        try:
            # rabbitmq-server passes its ssl_ca option on as given when it
            # is already base64, line breaks included
            return base64.b64decode(''.join(encoded.split()),
                                    validate=True).decode('utf-8')
        except (binascii.Error, ValueError):
            return None

    def ssl_data_complete(self):
        """RabbitMQ offers TLS: it sent ``ssl_port`` (``ssl_ca`` is
        optional, see the module's docstring)."""
        return bool(self.ssl_port())


def _text(value):
    """Relation values are strings; treat anything else as missing."""
    return value if isinstance(value, str) and value.strip() else None


def _not_text(units, keys):
    """{key: why} for each of ``keys`` a remote unit sent as something
    other than text: Juju relation data is text, so such a value is
    refused, by name, never used nor converted."""
    found = {}
    for unit in units:
        data = unit.received_raw
        for key in keys:
            value = data.get(key)
            if value is not None and not isinstance(value, str):
                found.setdefault(key, 'must be text, not {}'.format(
                    type(value).__name__))
    return found
