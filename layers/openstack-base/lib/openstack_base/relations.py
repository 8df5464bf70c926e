"""One adapter per relation: its request, its readiness, its context.

Each adapter wraps the relation's interface endpoint (None while the
relation is absent) and owns three things: what the charm asks of the
relation (``request()``), when the relation is usable (``ready``), and
the plain data templates read from it (``context()``). Side effects the
relation needs on the unit (a CA file to write) are ``install_files()``.
Templates are rendered with StrictUndefined, so every key a context
offers is always present (None when unknown) and a misspelt one fails.

Related applications are other people's code. Every field an adapter
reads from the remote side is declared once, in its ``fields``, with the
grammar of where the value goes (a URL, an INI value, haproxy.cfg), and
read only through ``received()``: the interface layer hands out text (or
None) and names what was not text (``refused()``); anything else that
fails its field's check leaves the relation incomplete, with the field
named in the status, and none of the relation's data is used.
"""

import re
import urllib.parse

from charmhelpers.core import hookenv
from charms.reactive import flags
from charms.reactive.helpers import data_changed

from openstack_base import grammar, ha, ip, nrpe, tls, validation
from openstack_base.rendering import remove_if_present, write_if_changed

# Longest PEM bundle a relation may send (a CA and its chain).
MAX_PEM = 65536


def _quote(value):
    return urllib.parse.quote(str(value), safe='')


# What each kind of field may hold, by where it goes.
def secret(value):
    """Text that goes URL-quoted into a URL (a password, a user name):
    any one line."""
    return grammar.one_line(value)


def host(value):
    """A host that goes into URLs and haproxy.cfg: an IP address (without
    a zone, whose % a URL would read as an escape) or a host name."""
    reason = grammar.one_line(value, 253) or validation.host(value)
    if reason:
        return reason
    return 'must be an IP address or a host name' if '%' in value else None


def port(value):
    """A TCP port, written in digits only (int() would take blanks, a sign
    or underscores, which a URL would not)."""
    reason = validation.PORT(value)
    if reason:
        return reason
    return None if re.fullmatch('[0-9]{1,5}', value) else \
        'must be an integer written in digits'


def certificate(value):
    """A base64-encoded PEM certificate (line breaks allowed), of bounded
    length: its decoded text is written to a file."""
    if len(value) > MAX_PEM:
        return 'is longer than {} characters'.format(MAX_PEM)
    return validation.base64_pem('CERTIFICATE')(value)


def equal_to(wanted):
    """What this charm asked for, echoed back."""
    def check(value):
        return None if value == wanted else \
            'must be {!r}, as asked for'.format(wanted)
    return check


class RelationAdapter:
    """A relation the charm uses; subclasses fill in the three parts."""

    name = None             # the endpoint in metadata.yaml
    context_name = None     # what templates call it (None: no context)
    connected_flag = '{}.connected'
    ready_flag = '{}.available'

    def __init__(self, charm, endpoint):
        self.charm = charm
        self.endpoint = endpoint

    @property
    def connected(self):
        return flags.is_flag_set(self.connected_flag.format(self.name))

    @property
    def ready(self):
        return (flags.is_flag_set(self.ready_flag.format(self.name)) and
                self.problem() is None)

    # {field: check} of every field received() reads, in the order the
    # status names them; a check gets text and returns None or why not.
    fields = {}
    # Fields that must be there once received() has data (those the
    # interface's flags do not already wait for).
    required = ()

    def problem(self):
        """Why the remote data cannot be used (field: reason), or None."""
        if self.endpoint is None:
            return None
        refused = getattr(self.endpoint, 'refused', dict)()
        for key in sorted(refused):
            return '{}: {}'.format(key, refused[key])
        found = self.received()
        for key, check in self.fields.items():
            values = found.get(key)
            if found and values is None and key in self.required:
                return '{}: is missing'.format(key)
            for value in values if isinstance(values, list) else [values]:
                if value is None:
                    continue
                reason = (check(value) if isinstance(value, str) else
                          'must be text, not {}'.format(
                              type(value).__name__))
                if reason:
                    return '{}: {}'.format(key, reason)
        return None

    def received(self):
        """{field: value} of what the remote side sent (None: not sent; a
        list for a field each remote unit sends). The one place an
        adapter reads the endpoint's remote data; every key is in
        ``fields``."""
        return {}

    def data(self):
        """received(), once every field has passed its check; {} while
        the relation is absent or its data unusable."""
        if self.endpoint is None or self.problem() is not None:
            return {}
        return self.received()

    def request(self):
        """Tell the remote side what this charm needs (idempotent)."""

    def context(self):
        return {}

    def install_files(self):
        """Write what the unit needs from the relation; the changed
        paths."""
        return set()


class AMQPAdapter(RelationAdapter):
    """RabbitMQ as oslo.messaging wants it: one URL over every ready unit,
    over TLS whenever RabbitMQ sends ssl_port. RabbitMQ's certificate is
    verified against the CA it sends (written to ssl_ca_file) or, when it
    sends none, against the system's bundle, as charmhelpers' AMQPContext
    leaves it to py-amqp (amqp/transport.py: no ca_certs, default certs).
    Naming the bundle makes oslo.messaging require a verified certificate
    whatever py-amqp's default (impl_rabbit.py _fetch_ssl_params)."""

    name = context_name = 'amqp'
    default_port = 5672
    ssl_ca_file = '/var/lib/charm/rabbitmq-ca.pem'
    # Ubuntu's bundle: update-ca-certificates (package ca-certificates)
    # builds it from the distribution's CAs and those in
    # /usr/local/share/ca-certificates, where the certificates
    # relation's CA goes (tls.py).
    system_ca_bundle = '/etc/ssl/certs/ca-certificates.crt'

    fields = {'password': secret, 'hostname': host, 'ssl_port': port,
              'ssl_ca': certificate}

    def request(self):
        self.endpoint.request_access(*self.charm.get_amqp_credentials())

    def received(self):
        ep = self.endpoint
        if ep is None:
            return {}
        return {'password': ep.password(),
                'hostname': ep.rabbitmq_ready_hosts(),
                'ssl_port': ep.ssl_port(), 'ssl_ca': ep.ssl_ca()}

    @property
    def ssl(self):
        return bool(self.data().get('ssl_port'))

    def ca_file(self):
        """What RabbitMQ's certificate is verified against; None without
        TLS."""
        if not self.ssl:
            return None
        return (self.ssl_ca_file if self.data().get('ssl_ca')
                else self.system_ca_bundle)

    def transport_url(self):
        data = self.data()
        if not data.get('password') or not data.get('hostname'):
            return None
        username, vhost = self.charm.get_amqp_credentials()
        credentials = '{}:{}'.format(_quote(username),
                                     _quote(data['password']))
        port = int(data['ssl_port']) if self.ssl else self.default_port
        hosts = ','.join(
            '{}@{}:{}'.format(credentials, ip.format_host(h), port)
            for h in sorted(data['hostname']))
        return 'rabbit://{}/{}'.format(hosts, _quote(vhost))

    def context(self):
        return {'transport_url': self.transport_url(), 'ssl': self.ssl,
                'ssl_ca_file': self.ca_file()}

    def install_files(self):
        """RabbitMQ's CA while it sends one; no stale one after."""
        if self.ca_file() == self.ssl_ca_file:
            changed = write_if_changed(
                self.ssl_ca_file,
                validation.decode_base64(self.data()['ssl_ca']), mode=0o644)
        else:
            changed = remove_if_present(self.ssl_ca_file)
        return {self.ssl_ca_file} if changed else set()


class DatabaseAdapter(RelationAdapter):
    """A database relation as an SQLAlchemy URL, and the session setting
    that makes the server drop a unit's silent session after
    database-idle-timeout: a unit that dies mid-transaction (its host
    gone, no FIN sent) keeps its row locks, and every engine waiting on
    them, until the server drops its session."""

    context_name = 'database'
    idle_session = None     # URL parameter: {} is the timeout in seconds

    def parameters(self):
        seconds = self.charm.config.get('database-idle-timeout')
        if not seconds:
            return None
        key, _, value = self.idle_session.partition('=')
        return '{}={}'.format(key, _quote(value.format(seconds)))

    def context(self):
        uri = self.uri()
        return {'uri': uri, 'parameters': uri and self.parameters()}


class MySQLAdapter(DatabaseAdapter):
    """A shared-db relation (mysql-router, percona). MySQL has no timeout
    for an idle transaction alone: wait_timeout drops any silent session,
    and oslo.db reconnects a live unit's pooled one when it checks it
    out."""

    name = 'shared-db'
    driver = 'mysql+pymysql'
    idle_session = 'init_command=SET SESSION wait_timeout = {}'

    def request(self):
        hostname = ip.binding_address(self.name)
        for setup in self.charm.get_database_setup():
            self.endpoint.configure(hostname=hostname, **setup)

    fields = {'db_host': host, 'db_port': port, 'password': secret}

    def received(self):
        ep = self.endpoint
        if ep is None:
            return {}
        return {'db_host': ep.db_host(), 'db_port': ep.db_port(),
                'password': ep.password()}

    def uri(self):
        data = self.data()
        if not data.get('password') or not data.get('db_host'):
            return None
        setup = self.charm.get_database_setup()[0]
        return '{}://{}:{}@{}:{}/{}?charset=utf8'.format(
            self.driver, _quote(setup['username']), _quote(data['password']),
            ip.format_host(data['db_host']), int(data['db_port'] or 3306),
            _quote(setup['database']))


class PostgreSQLAdapter(DatabaseAdapter):
    """A pgsql relation; PostgreSQL drops only a session idle inside a
    transaction."""

    name = 'db'
    ready_flag = '{}.master.available'
    driver = 'postgresql+psycopg2'
    idle_session = 'options=-c idle_in_transaction_session_timeout={}s'

    def request(self):
        for setup in self.charm.get_database_setup():
            self.endpoint.set_database(setup['database'])

    @property
    def fields(self):
        return {'host': host, 'port': port, 'dbname': equal_to(
            self.charm.get_database_setup()[0]['database']),
            'user': secret, 'password': secret}

    # A master without them would leave mistral.conf without a database.
    required = ('host', 'dbname', 'user', 'password')

    def received(self):
        """The master's connection string's parts (the standbys are not
        used)."""
        master = self.endpoint and self.endpoint.master
        if not master:
            return {}
        return {key: getattr(master, key) or None for key in
                ('host', 'port', 'dbname', 'user', 'password')}

    def uri(self):
        data = self.data()
        if not data.get('host'):
            return None
        return '{}://{}:{}@{}:{}/{}'.format(
            self.driver, _quote(data['user'] or ''),
            _quote(data['password'] or ''), ip.format_host(data['host']),
            int(data['port'] or 5432), _quote(data['dbname'] or ''))


class IdentityServiceAdapter(RelationAdapter):
    """Keystone: the catalog entry this charm registers, and the
    service credentials keystonemiddleware validates tokens with."""

    name = 'identity-service'
    context_name = 'identity_service'

    def request(self):
        # The VIP (or os-*-hostname) once hacluster has formed.
        clustered = self.charm.relations['ha'].ready
        self.endpoint.register_endpoints(
            self.charm.service_type, self.charm.config.get('region'),
            *(ip.endpoint_url(self.charm, t, clustered)
              for t in ('public', 'internal', 'admin')))

    protocol = staticmethod(validation.one_of('http', 'https'))
    # Names and the password go raw into [keystone_authtoken].
    fields = {'service_host': host, 'service_port': port,
              'service_protocol': protocol, 'auth_host': host,
              'auth_port': port, 'auth_protocol': protocol,
              'service_tenant': grammar.ini_value,
              'service_username': grammar.ini_value,
              'service_password': grammar.ini_value,
              'service_domain': grammar.ini_value}

    def received(self):
        ep = self.endpoint
        if ep is None:
            return {}
        return {key: getattr(ep, key)() for key in self.fields}

    def context(self):
        data = self.data()
        keys = ('service_tenant', 'service_username', 'service_password')
        found = dict.fromkeys(
            keys + ('www_authenticate_uri', 'auth_url', 'service_domain'))
        if not data.get('service_host'):
            return found
        found.update({key: data[key] for key in keys})
        found['www_authenticate_uri'] = '{}://{}:{}/v3'.format(
            data['service_protocol'] or 'http',
            ip.format_host(data['service_host']), data['service_port'])
        found['auth_url'] = '{}://{}:{}'.format(
            data['auth_protocol'] or 'http', ip.format_host(data['auth_host']),
            data['auth_port'])
        found['service_domain'] = data['service_domain'] or 'default'
        return found


class PeerAdapter(RelationAdapter):
    """The other units: this unit's addresses out, the haproxy backends
    in (this unit always among them)."""

    name = context_name = 'cluster'

    def request(self):
        for endpoint_type, (binding, _) in ip.ENDPOINT_TYPES.items():
            self.endpoint.set_address(endpoint_type,
                                      ip.binding_address(binding))

    def announce_paused(self, paused):
        """Tell the peers whether this unit is paused; through the hook
        tools, so that it works in an action too."""
        for rid in hookenv.relation_ids(self.name):
            hookenv.relation_set(rid, {'paused': str(bool(paused)).lower()})

    def available_peers(self):
        """The peer units that are not paused, sorted."""
        return sorted(
            unit for rid in hookenv.relation_ids(self.name)
            for unit in hookenv.related_units(rid)
            if hookenv.relation_get('paused', unit, rid) != 'true')

    # A peer's address goes into haproxy.cfg, memcached's server list and
    # the certificate's names.
    fields = {'private-address': host}

    def received(self):
        if self.endpoint is None:
            return {}
        return {'private-address': [a for _, a in self.endpoint.ip_map()]}

    def cluster_hosts(self):
        """[(unit name with a dash, address)] of every unit, sorted; a
        peer whose address is unusable is left out (and logged), the
        others stay."""
        hosts = {self.charm.local_unit.replace('/', '-'):
                 self.charm.cluster_address}
        refused = []
        for unit, address in (self.endpoint.ip_map() if self.endpoint
                              else []):
            reason = (self.fields['private-address'](address)
                      if isinstance(address, str) else 'must be text')
            if reason:
                refused.append('{}: private-address: {}'.format(unit, reason))
            else:
                hosts[unit] = address
        if data_changed('relation-problem.' + self.name, refused) and refused:
            hookenv.log('cluster peers left out: {}'.format(
                '; '.join(refused)), hookenv.WARNING)
        return sorted(hosts.items())

    def context(self):
        return {'cluster_hosts': self.cluster_hosts()}


class HAClusterAdapter(RelationAdapter):
    """hacluster: the VIPs and the haproxy clone pacemaker runs."""

    name = 'ha'

    def request(self):
        ha.configure_resources(self.charm, self.endpoint)


class CertificatesAdapter(RelationAdapter):
    """vault or easyrsa: one server certificate for this unit."""

    name = 'certificates'
    connected_flag = '{}.available'
    ready_flag = '{}.server.certs.available'

    def request(self):
        self.endpoint.request_server_cert(*tls.certificate_request(
            self.charm))


class MonitoringAdapter(RelationAdapter):
    """nrpe: a check per daemon and per API port."""

    name = 'nrpe-external-master'
    connected_flag = '{}.available'

    def request(self):
        nrpe.update_checks(self.charm, self.endpoint)


DEFAULT_ADAPTERS = (
    AMQPAdapter, MySQLAdapter, PostgreSQLAdapter, IdentityServiceAdapter,
    PeerAdapter, HAClusterAdapter, CertificatesAdapter, MonitoringAdapter,
)
