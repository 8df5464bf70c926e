"""Client side of the ``mysql-shared`` interface (the shared-db relation).

We publish ``database``, ``username``, ``hostname`` (or, for a named
extra database, ``<prefix>_database`` / ``_username`` / ``_hostname``).
The server answers in its unit data, as mysql-router's
``set_db_connection_info`` and percona-cluster write it, with raw
(not JSON) strings: ``db_host``, ``db_port``, ``password`` and
``allowed_units`` (space separated unit names) or their
``<prefix>_password`` / ``<prefix>_allowed_units`` forms, and
optionally ``ssl_ca``, ``ssl_cert``, ``ssl_key`` (base64), ``wait_timeout``,
``access-network`` and ``cluster-series-upgrading``.

Flags: ``{ep}.connected``, ``{ep}.available`` (host, password and this
unit allowed, for every requested database), ``{ep}.available.ssl``,
``{ep}.available.access_network``.
"""

import json

from charmhelpers.core import hookenv
from charms.reactive import Endpoint, toggle_flag

AVAILABLE_SUFFIXES = ('available', 'available.ssl',
                      'available.access_network')
# What this client reads from the remote units (a prefix's keys too).
RECEIVED_KEYS = ('db_host', 'db_port', 'password', 'allowed_units', 'ssl_ca',
                 'ssl_cert', 'ssl_key', 'access-network', 'wait_timeout',
                 'cluster-series-upgrading')


class SharedDbClient(Endpoint):

    def manage_flags(self):
        """Recompute every flag from the relation data (each hook)."""
        try:
            self._refresh_flags()
        except Exception as exc:  # a bad payload must not fail the hook
            hookenv.log('shared-db: ignoring unusable relation data '
                        '({})'.format(type(exc).__name__), hookenv.WARNING)
            for suffix in AVAILABLE_SUFFIXES:
                self._toggle(suffix, False)

    def _toggle(self, suffix, value):
        toggle_flag(self.expand_name('{endpoint_name}.' + suffix),
                    bool(value))

    def _refresh_flags(self):
        upgrading = self._remote('cluster-series-upgrading') == 'True'
        ready = (self.is_joined and not upgrading and not self.refused()
                 and self.db_host()
                 and self._requested_prefixes() and all(
                     self.password(p) and self.unit_allowed_db(p)
                     for p in self._requested_prefixes()))
        self._toggle('connected', self.is_joined)
        self._toggle('available', ready)
        self._toggle('available.ssl', ready and self.ssl_ca())
        self._toggle('available.access_network',
                     ready and self._remote('access-network'))

    # -- what we send -------------------------------------------------
    def configure(self, database, username, hostname=None, prefix=None):
        """Request ``database`` with a user ``username``."""
        address = hostname or self._own_address()
        values = {'database': database, 'username': username,
                  'hostname': address}
        for relation in self.relations:
            relation.to_publish_raw.update(
                {_key(name, prefix): value for name, value in values.items()})
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

    def _requested_prefixes(self):
        """None for the plain request, then each named prefix we sent."""
        found = []
        for relation in self.relations:
            for key in relation.to_publish_raw.keys():
                if key == 'database':
                    found.append(None)
                elif key.endswith('_database'):
                    found.append(key[:-len('_database')])
        return sorted(set(found), key=lambda p: p or '')

    def get_prefixes(self):
        return [p for p in self._requested_prefixes() if p]

    def database(self, prefix=None):
        return self._sent(_key('database', prefix))

    def username(self, prefix=None):
        return self._sent(_key('username', prefix))

    def hostname(self, prefix=None):
        return self._sent(_key('hostname', prefix))

    # -- what we receive ----------------------------------------------
    def refused(self):
        """{key: why} for values sent that are not text."""
        keys = RECEIVED_KEYS + tuple(
            _key(name, prefix) for prefix in self.get_prefixes()
            for name in ('password', 'allowed_units'))
        return _not_text(self.all_joined_units, keys)

    def _remote(self, key):
        """First non-blank string for ``key`` among the remote units, as
        sent: the charm's checks refuse blanks where they do not belong,
        rather than this client changing the value."""
        for unit in self.all_joined_units:
            value = unit.received_raw.get(key)
            if isinstance(value, str) and value.strip():
                return value
        return None

    def db_host(self):
        return self._remote('db_host')

    def db_port(self):
        """The port as sent (a string), or None: percona-cluster sends
        none, and 3306 is then implied."""
        return self._remote('db_port')

    def password(self, prefix=None):
        return self._remote(_key('password', prefix))

    def allowed_units(self, prefix=None):
        return self._remote(_key('allowed_units', prefix))

    def unit_allowed_db(self, prefix=None):
        return hookenv.local_unit() in _unit_names(self.allowed_units(prefix))

    def ssl_ca(self):
        return self._remote('ssl_ca')

    def ssl_cert(self):
        return self._remote('ssl_cert')

    def ssl_key(self):
        return self._remote('ssl_key')

    def access_network(self):
        return self._remote('access-network')

    def wait_timeout(self):
        return self._remote('wait_timeout')


def _key(name, prefix):
    return '{}_{}'.format(prefix, name) if prefix else name


def _unit_names(value):
    """Unit names from a space separated list; a JSON list or string
    (as db-router speaks it) is accepted too."""
    value = (value or '').strip()
    if not value:
        return []
    if value[0] in '["':
        try:
            value = json.loads(value)
        except ValueError:
            return []
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [name for name in value if isinstance(name, str)]
    return []


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
