"""A unit related to RabbitMQ, Keystone and a database answering as in
unit_tests/data/peers.yaml, whose providers' data a test rewrites field
by field; each observation runs a hook through the real interfaces and
adapters and renders mistral.conf from the real templates.

Also what reads the rendered values back as their consumers do:
oslo.config's INI parser (it strips blanks and one pair of surrounding
quotes, and reads ``$$`` as ``$``), oslo.messaging's transport URL and
SQLAlchemy's database URL.
"""

import configparser
import copy
import os
import re
import urllib.parse

import yaml
from charms.reactive.endpoints import Endpoint

from openstack_base import context, grammar, rendering, status

HERE = os.path.dirname(os.path.abspath(__file__))
PEERS = yaml.safe_load(open(os.path.join(HERE, '..', 'data', 'peers.yaml')))

# relation -> (providing application, its unit)
PROVIDERS = {'amqp': ('rabbitmq-server', 'rabbitmq-server/0'),
             'identity-service': ('keystone', 'keystone/0'),
             'shared-db': ('mysql-router', 'mistral-mysql-router/0'),
             'db': ('postgresql', 'postgresql/0')}
PG_PARTS = ('host', 'port', 'dbname', 'user', 'password')


def libpq_quote(value):
    """A libpq connection string value, quoted as libpq reads it."""
    return "'{}'".format(value.replace('\\', '\\\\').replace("'", "\\'"))


def master(**parts):
    """The postgresql charm's ``master`` with ``parts`` changed."""
    fields = {'dbname': 'mistral', 'host': '10.5.3.1', 'password': 'pgpw',
              'port': '5432', 'user': 'mistral_u'}
    fields.update(parts)
    return ' '.join('{}={}'.format(k, libpq_quote(v))
                    for k, v in sorted(fields.items()))


class Related:
    """The unit, related; ``observe(relation, **fields)`` sends the
    provider's data with ``fields`` changed (a pgsql part goes inside
    ``master``) and says what the unit makes of it."""

    def __init__(self, unit, database='shared-db'):
        self.unit = unit
        self.juju = unit.juju
        self.rids = {}
        # Only these relations' endpoints start in each hook: the hooks of
        # a property test's many examples stay fast.
        meta = self.juju._metadata
        for section in ('requires', 'provides', 'peers'):
            meta[section] = {k: v for k, v in meta.get(section, {}).items()
                             if k in ('amqp', 'identity-service', database)}
        for relation in ('amqp', 'identity-service', database):
            app, name = PROVIDERS[relation]
            rid = self.rids[relation] = self.juju.relate(relation, app)
            self.juju.join(rid, name)
        with self.juju.hook('config-changed'):
            self.charm().make_requests()
        for relation in self.rids:
            self.send(relation)

    def baseline(self, relation):
        app, name = PROVIDERS[relation]
        return copy.deepcopy(PEERS[app][name])

    def send(self, relation, **fields):
        """The provider's unit data becomes peers.yaml's with ``fields``
        changed (None or '' removes a key, as relation-set does); a value
        that is not text is kept as it is. Runs -changed."""
        with self.changed(relation, **fields):
            pass

    def changed(self, relation, **fields):
        """send()'s data change; the -changed hook, whose body the
        ``with`` block is."""
        _, name = PROVIDERS[relation]
        data = self.baseline(relation)
        pg = {k: fields.pop(k) for k in list(fields)
              if relation == 'db' and k in PG_PARTS}
        if pg:
            data['master'] = master(**pg)
        rel = self.juju.relations[self.rids[relation]]
        kept = {k: v for k, v in rel.units[name].items()
                if k in ('private-address', 'ingress-address',
                         'egress-subnets')}
        data.update(fields)
        rel.units[name] = dict(kept, **{
            k: v for k, v in data.items() if v not in (None, '')})
        return self.juju.hook('{}-relation-changed'.format(relation),
                              self.rids[relation], name)

    def charm(self):
        endpoints = {name: Endpoint.from_name(name) for name in self.rids}
        return self.unit.charm_class('zed', endpoints=endpoints)

    def observe(self, relation, **fields):
        """(the relation's problem or None, its incomplete label or None,
        mistral.conf's text when the relation is usable)."""
        with self.changed(relation, **fields):
            charm = self.charm()
            adapter = charm.relations[relation]
            problem = adapter.problem()
            incomplete = [label for label in status.relation_state(charm)[1]
                          if label.startswith("'{}'".format(relation))]
            text = None
            if adapter.ready:
                text = rendering.render(
                    'mistral.conf', context.build(charm, None), 'zed',
                    grammar.oslo_escape)
        return problem, (incomplete or [None])[0], text


def ini(text):
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    return parser


def oslo_value(raw):
    """A value as oslo.config reads it from its INI line (configparser
    has already stripped it)."""
    value = raw.strip()
    if len(value) > 1 and value[0] == value[-1] and value[0] in '"\'':
        value = value[1:-1]
    assert not re.search(r'(?<!\$)\$(?!\$)', value.replace('$$', '')), \
        'an unescaped $ would be expanded: {!r}'.format(raw)
    return value.replace('$$', '$')


def transport_hosts(url):
    """[(user, password, host, port)] and the vhost of a rabbit:// URL,
    as oslo.messaging's TransportURL.parse splits and unquotes it."""
    scheme, _, rest = url.partition('://')
    assert scheme == 'rabbit'
    netloc, _, vhost = rest.partition('/')
    hosts = []
    for entry in netloc.split(','):
        credentials, _, hostport = entry.rpartition('@')
        user, _, password = credentials.partition(':')
        host, port = split_host_port(hostport)
        hosts.append((urllib.parse.unquote(user),
                      urllib.parse.unquote(password), host, port))
    return hosts, urllib.parse.unquote(vhost)


def split_host_port(text):
    if text.startswith('['):
        host, _, port = text[1:].partition(']:')
    else:
        host, _, port = text.rpartition(':')
    return host, int(port)


def database_url(url):
    """(driver, user, password, host, port, database) of an SQLAlchemy
    URL, unquoted as make_url unquotes them."""
    match = re.fullmatch(
        r'(?P<driver>[\w+]+)://(?P<user>[^:/]*):(?P<password>[^@]*)@'
        r'(?:\[(?P<ipv6>[^/?]+)\]|(?P<host>[^/:?]+)):(?P<port>\d+)'
        r'/(?P<database>[^?]*)(?:\?.*)?', url)
    assert match, url
    unquote = urllib.parse.unquote
    return (match['driver'], unquote(match['user']),
            unquote(match['password']), match['ipv6'] or match['host'],
            int(match['port']), unquote(match['database']))


def authtoken(text):
    """[keystone_authtoken] as oslo.config reads it."""
    return {k: oslo_value(v) for k, v in ini(text)['keystone_authtoken']
            .items()}
