"""Client side of the ``pgsql`` interface (the postgresql charm's ``db``).

We publish ``database`` and optionally ``roles``, ``extensions`` (comma
lists). Every postgresql unit answers in its unit data (and the leader
also in application data) with ``master`` and ``standbys`` (libpq
``key=value`` strings; standbys one per line from the postgresql charm,
reactive/postgresql/client.py, or joined by commas from charmed
PostgreSQL's legacy ``db``, src/relations/db.py), the legacy ``host``,
``port``, ``user``, ``password``, ``state``, the echo of our
``database``/``roles``/``extensions`` and who may connect:
``allowed-subnets`` (our egress subnets) or the older ``allowed-units``.

A connection is usable only once we are authorised and the database we
asked for is echoed back.

Flags: ``{ep}.connected``, ``{ep}.master.available``,
``{ep}.standbys.available``, ``{ep}.database.available``.
"""

import ipaddress
import re
import urllib.parse

from charmhelpers.core import hookenv
from charms.reactive import Endpoint, toggle_flag

# key=value pairs; values may be single-quoted with backslash escapes.
# A bare value ends at whitespace, or at a comma the next key=value
# follows: charmed PostgreSQL joins connection strings with commas.
LIBPQ_PAIR = re.compile(
    r"(\w+)\s*=\s*(?:'((?:[^'\\]|\\.)*)'|((?:[^\s,]|,(?!\s*\w+\s*=))*))")


class ConnectionString(str):
    """A libpq connection string with its parts as attributes.

    ``ConnectionString('host=10.0.0.5 port=5432 dbname=mistral ...')`` or
    ``ConnectionString(host=..., dbname=...)``; ``.uri`` gives
    ``postgresql://user:password@host:port/dbname`` (quoted parts).
    """

    def __new__(cls, text=None, **parts):
        parsed = dict(_parse_libpq(text or ''))
        parsed.update({k: str(v) for k, v in parts.items() if v is not None})
        conn = str.__new__(cls, ' '.join(
            '{}={}'.format(k, _quote_libpq(v))
            for k, v in sorted(parsed.items()) if v))
        conn.parts = parsed
        return conn

    def __getattr__(self, name):
        if name in ('host', 'port', 'dbname', 'user', 'password'):
            return self.parts.get(name)
        raise AttributeError(name)

    @property
    def uri(self):
        quote = urllib.parse.quote
        text = 'postgresql://'
        if self.user:
            text += quote(self.user, safe='')
            if self.password:
                text += ':' + quote(self.password, safe='')
            text += '@'
        text += _uri_host(self.host or '')
        if self.port:
            text += ':' + self.port
        if self.dbname:
            text += '/' + quote(self.dbname, safe='')
        return text


def _parse_libpq(text):
    for match in LIBPQ_PAIR.finditer(text):
        yield _pair(match)


def _pair(match):
    key, quoted, bare = match.groups()
    return key, (re.sub(r'\\(.)', r'\1', quoted) if quoted is not None
                 else bare)


def _connection_strings(text):
    """The ConnectionStrings in ``text``, separated by newlines or by
    commas (outside quoted values)."""
    entries, end = [], None
    for match in LIBPQ_PAIR.finditer(text):
        if end is None or re.search('[,\n]', text[end:match.start()]):
            entries.append({})
        entries[-1].update([_pair(match)])
        end = match.end()
    return [ConnectionString(**parts) for parts in entries]


def _quote_libpq(value):
    if re.search(r"[\s'\\]", value):
        return "'{}'".format(value.replace('\\', '\\\\').replace("'", "\\'"))
    return value


def _uri_host(host):
    try:
        if ipaddress.ip_address(host).version == 6:
            return '[{}]'.format(host)
    except ValueError:
        pass
    return host


def _split(value):
    """Comma (or space) separated list from the wire, as a set."""
    if not isinstance(value, str):
        return set()
    return {item for item in re.split(r'[,\s]+', value) if item}


# What this client reads from the remote units.
RECEIVED_KEYS = ('master', 'standbys', 'host', 'port', 'user', 'password',
                 'database', 'roles', 'extensions', 'state', 'allowed-subnets',
                 'allowed-units')


class PostgresClient(Endpoint):

    def manage_flags(self):
        """Recompute every flag from the relation data (each hook)."""
        try:
            master, standbys = self.master, self.standbys
            if self.refused():
                master, standbys = None, []
        except Exception as exc:  # a bad payload must not fail the hook
            hookenv.log('db: ignoring unusable relation data ({})'.format(
                type(exc).__name__), hookenv.WARNING)
            master, standbys = None, []
        self._toggle('connected', self.is_joined)
        self._toggle('master.available', master)
        self._toggle('standbys.available', standbys)
        self._toggle('database.available', master or standbys)

    def _toggle(self, suffix, value):
        toggle_flag(self.expand_name('{endpoint_name}.' + suffix),
                    bool(value))

    # -- what we send -------------------------------------------------
    def _publish(self, key, value):
        for relation in self.relations:
            relation.to_publish_raw[key] = value
        self.manage_flags()

    def set_database(self, dbname):
        self._publish('database', dbname)

    def set_roles(self, roles):
        roles = [roles] if isinstance(roles, str) else roles
        self._publish('roles', ','.join(sorted(roles)))

    def set_extensions(self, extensions):
        extensions = ([extensions] if isinstance(extensions, str)
                      else extensions)
        self._publish('extensions', ','.join(sorted(extensions)))

    # -- what we receive ----------------------------------------------
    def refused(self):
        """{key: why} for values sent that are not text."""
        return _not_text(self.all_joined_units, RECEIVED_KEYS)

    @property
    def master(self):
        """ConnectionString of the master, or None while not usable."""
        for unit in self._usable_units():
            master = unit.received_raw.get('master')
            if isinstance(master, str) and master.strip():
                return ConnectionString(master)
            if unit.received_raw.get('state') in ('master', 'standalone'):
                return self._legacy(unit)
        return None

    @property
    def standbys(self):
        """ConnectionStrings of the hot standbys (may be empty)."""
        for unit in self._usable_units():
            text = unit.received_raw.get('standbys')
            if isinstance(text, str) and text.strip():
                return _connection_strings(text)
        return [self._legacy(unit) for unit in self._usable_units()
                if unit.received_raw.get('state') == 'hot standby']

    def _legacy(self, unit):
        data = unit.received_raw
        return ConnectionString(host=data.get('host'), port=data.get('port'),
                                dbname=data.get('database'),
                                user=data.get('user'),
                                password=data.get('password'))

    def _usable_units(self):
        return [unit for unit in self.all_joined_units
                if self._authorised(unit) and self._echoed(unit)]

    def _authorised(self, unit):
        data = unit.received_raw
        if not all(isinstance(data.get(k), str) and data.get(k)
                   for k in ('host', 'port', 'user', 'password')):
            return False
        subnets = _split(data.get('allowed-subnets'))
        if subnets:
            mine = _split(unit.relation.to_publish_raw.get('egress-subnets'))
            return bool(mine) and mine <= subnets
        return hookenv.local_unit() in _split(data.get('allowed-units'))

    def _echoed(self, unit):
        """Our requested database, roles and extensions are in place."""
        ours = unit.relation.to_publish_raw
        theirs = unit.received_raw
        if not ours.get('database'):
            return False
        return all(ours.get(key) == theirs.get(key)
                   for key in ('database', 'roles', 'extensions')
                   if ours.get(key))


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
