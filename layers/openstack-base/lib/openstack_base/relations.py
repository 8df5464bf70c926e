"""One adapter per relation: its request, its readiness, its context.

Each adapter wraps the relation's interface endpoint (None while the
relation is absent) and owns three things: what the charm asks of the
relation (``request()``), when the relation is usable (``ready``), and
the plain data templates read from it (``context()``). Side effects the
relation needs on the unit (a CA file to write) are ``install_files()``.
Templates are rendered with StrictUndefined, so every key a context
offers is always present (None when unknown) and a misspelt one fails.
"""

import urllib.parse

from charmhelpers.core import hookenv
from charms.reactive import flags

from openstack_base import ha, ip, nrpe, tls, validation
from openstack_base.rendering import remove_if_present, write_if_changed


def _quote(value):
    return urllib.parse.quote(str(value), safe='')


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

    def problem(self):
        """Why the remote data cannot be used (key: reason), or None."""
        if self.endpoint is None:
            return None
        for key, value, check in self.data_checks():
            reason = value is not None and check(value)
            if reason:
                return '{}: {}'.format(key, reason)
        return None

    def data_checks(self):
        """[(key, value, check)] for what the remote side sent."""
        return []

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

    def request(self):
        self.endpoint.request_access(*self.charm.get_amqp_credentials())

    @property
    def ssl(self):
        return bool(self.endpoint and self.endpoint.ssl_data_complete())

    def ca_file(self):
        """What RabbitMQ's certificate is verified against; None without
        TLS."""
        if not self.ssl:
            return None
        return (self.ssl_ca_file if self.endpoint.ssl_ca()
                else self.system_ca_bundle)

    def transport_url(self):
        ep = self.endpoint
        if ep is None or not ep.password() or not ep.rabbitmq_ready_hosts():
            return None
        credentials = '{}:{}'.format(_quote(ep.username()),
                                     _quote(ep.password()))
        port = ep.ssl_port() if self.ssl else self.default_port
        hosts = ','.join(
            '{}@{}:{}'.format(credentials, ip.format_host(h), port)
            for h in sorted(ep.rabbitmq_ready_hosts()))
        return 'rabbit://{}/{}'.format(hosts, _quote(ep.vhost()))

    def data_checks(self):
        ep = self.endpoint
        return [('ssl_port', ep.ssl_port(), validation.PORT),
                ('ssl_ca', ep.ssl_ca(), validation.base64_pem('CERTIFICATE'))
                ] + [('hostname', h, validation.host)
                     for h in ep.rabbitmq_ready_hosts()]

    def context(self):
        return {'transport_url': self.transport_url(), 'ssl': self.ssl,
                'ssl_ca_file': self.ca_file()}

    def install_files(self):
        """RabbitMQ's CA while it sends one; no stale one after."""
        if self.ca_file() == self.ssl_ca_file:
            changed = write_if_changed(
                self.ssl_ca_file, self.endpoint.get_ssl_cert(), mode=0o644)
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

    def uri(self):
        ep = self.endpoint
        if ep is None or not ep.password() or not ep.db_host():
            return None
        return '{}://{}:{}@{}:{}/{}?charset=utf8'.format(
            self.driver, _quote(ep.username()), _quote(ep.password()),
            ip.format_host(ep.db_host()), ep.db_port() or 3306,
            ep.database())

    def data_checks(self):
        ep = self.endpoint
        return [('db_host', ep.db_host(), validation.host),
                ('db_port', ep.db_port(), validation.PORT)]


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

    def uri(self):
        master = self.endpoint and self.endpoint.master
        if not master:
            return None
        return '{}://{}:{}@{}:{}/{}'.format(
            self.driver, _quote(master.user), _quote(master.password),
            ip.format_host(master.host), master.port or 5432,
            master.dbname)

    def data_checks(self):
        master = self.endpoint.master
        if not master:
            return []
        return [('host', master.host, validation.host),
                ('port', master.port, validation.PORT)]


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

    def data_checks(self):
        ep = self.endpoint
        protocol = validation.one_of('http', 'https')
        return [(key, getattr(ep, key)(), check) for key, check in (
            ('service_host', validation.host), ('auth_host', validation.host),
            ('service_port', validation.PORT), ('auth_port', validation.PORT),
            ('service_protocol', protocol), ('auth_protocol', protocol))]

    def context(self):
        ep = self.endpoint
        keys = ('service_tenant', 'service_username', 'service_password')
        found = dict.fromkeys(
            keys + ('www_authenticate_uri', 'auth_url', 'service_domain'))
        if ep is None or not ep.service_host():
            return found
        found.update({key: getattr(ep, key)() for key in keys})
        found['www_authenticate_uri'] = '{}://{}:{}/v3'.format(
            ep.service_protocol() or 'http',
            ip.format_host(ep.service_host()), ep.service_port())
        found['auth_url'] = '{}://{}:{}'.format(
            ep.auth_protocol() or 'http', ip.format_host(ep.auth_host()),
            ep.auth_port())
        found['service_domain'] = ep.service_domain() or 'default'
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

    def cluster_hosts(self):
        """[(unit name with a dash, address)] of every unit, sorted."""
        hosts = {self.charm.local_unit.replace('/', '-'):
                 self.charm.cluster_address}
        if self.endpoint is not None:
            hosts.update(dict(self.endpoint.ip_map()))
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
