"""What templates see: configuration and relation data as attributes.

Templates read ``options.<config option>`` (dashes become underscores)
and one attribute per relation (``amqp``, ``database``,
``identity_service``, ``cluster``). The names follow the official
OpenStack charms so their templates read the same.
"""

import urllib.parse

from openstack_base import ip


def _quote(value):
    return urllib.parse.quote(str(value), safe='')


class RelationAdapter:
    """Exposes an interface endpoint's accessors as plain attributes.

    ``adapter.password`` calls ``endpoint.password()``; properties are
    passed through. A missing endpoint reads as None everywhere, so a
    template can test ``{% if amqp.transport_url %}``.
    """

    def __init__(self, endpoint=None):
        self.endpoint = endpoint

    def __getattr__(self, name):
        if name.startswith('_') or self.endpoint is None:
            if name.startswith('_'):
                raise AttributeError(name)
            return None
        value = getattr(self.endpoint, name, None)
        return value() if callable(value) else value

    def __bool__(self):
        return self.endpoint is not None


class RabbitMQAdapter(RelationAdapter):
    """RabbitMQ as oslo.messaging wants it: one URL over every ready unit,
    TLS when RabbitMQ offers it (its CA written to ssl_ca_file)."""

    default_port = 5672
    ssl_ca_file = '/var/lib/charm/rabbitmq-ca.pem'

    @property
    def port(self):
        ssl_port = self.endpoint and self.endpoint.ssl_port()
        return ssl_port if ssl_port and self.ssl else self.default_port

    @property
    def ssl(self):
        return bool(self.endpoint and self.endpoint.ssl_data_complete())

    @property
    def transport_url(self):
        ep = self.endpoint
        if ep is None or not ep.password() or not ep.rabbitmq_hosts():
            return None
        credentials = '{}:{}'.format(_quote(ep.username()),
                                     _quote(ep.password()))
        port = self.port
        hosts = ','.join(
            '{}@{}:{}'.format(credentials, ip.format_host(h), port)
            for h in sorted(ep.rabbitmq_hosts()))
        return 'rabbit://{}/{}'.format(hosts, _quote(ep.vhost()))


class MySQLAdapter(RelationAdapter):
    """A shared-db (MySQL router / percona) relation as an SQLAlchemy URL."""

    driver = 'mysql+pymysql'

    @property
    def uri(self):
        ep = self.endpoint
        if ep is None or not ep.password() or not ep.db_host():
            return None
        return '{}://{}:{}@{}:{}/{}?charset=utf8'.format(
            self.driver, _quote(ep.username()), _quote(ep.password()),
            ip.format_host(ep.db_host()), ep.db_port() or 3306,
            ep.database())


class PostgreSQLAdapter(RelationAdapter):
    """A pgsql relation as an SQLAlchemy URL."""

    driver = 'postgresql+psycopg2'

    @property
    def uri(self):
        ep = self.endpoint
        master = ep and ep.master
        if not master:
            return None
        return '{}://{}:{}@{}:{}/{}'.format(
            self.driver, _quote(master.user), _quote(master.password),
            ip.format_host(master.host), master.port or 5432,
            master.dbname)


class KeystoneAdapter(RelationAdapter):
    """The identity-service relation as keystonemiddleware wants it."""

    @property
    def www_authenticate_uri(self):
        ep = self.endpoint
        if ep is None or not ep.service_host():
            return None
        return '{}://{}:{}/v3'.format(ep.service_protocol() or 'http',
                                      ip.format_host(ep.service_host()),
                                      ep.service_port())

    @property
    def auth_url(self):
        ep = self.endpoint
        if ep is None or not ep.auth_host():
            return None
        return '{}://{}:{}'.format(ep.auth_protocol() or 'http',
                                   ip.format_host(ep.auth_host()),
                                   ep.auth_port())

    @property
    def service_domain(self):
        return (self.endpoint and self.endpoint.service_domain()) or 'default'


class PeerAdapter(RelationAdapter):
    """This unit and its peers, for the haproxy backends."""

    def __init__(self, endpoint, local_unit, local_address):
        super().__init__(endpoint)
        self.local_unit = local_unit
        self.local_address = local_address

    @property
    def cluster_hosts(self):
        """[(unit name with a dash, address)] of every unit, sorted."""
        hosts = {self.local_unit.replace('/', '-'): self.local_address}
        if self.endpoint is not None:
            hosts.update(dict(self.endpoint.ip_map()))
        return sorted(hosts.items())


class ConfigAdapter:
    """Every charm option as an attribute, plus what the charm derives.

    Derived values are the charm's ``template_properties()``; they win
    over options of the same name.
    """

    def __init__(self, config, derived):
        self._values = {k.replace('-', '_'): v for k, v in config.items()}
        self._values.update(derived)

    def __getattr__(self, name):
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name)


class Adapters:
    """The context object handed to every template."""

    relation_adapters = {
        'amqp': RabbitMQAdapter,
        'shared-db': MySQLAdapter,
        'db': PostgreSQLAdapter,
        'identity-service': KeystoneAdapter,
    }

    def __init__(self, charm, endpoints):
        self.options = ConfigAdapter(charm.config,
                                     charm.template_properties())
        for name, adapter in self.relation_adapters.items():
            setattr(self, name.replace('-', '_'),
                    adapter(endpoints.get(name)))
        # Exactly one database relation feeds [database] connection.
        self.database = self.shared_db if self.shared_db.uri else self.db
        self.cluster = PeerAdapter(endpoints.get('cluster'),
                                   charm.local_unit, charm.local_address)
