"""Property: for any text a provider sends in any field the charm reads,
either the relation is incomplete naming that field, or the value comes
back unchanged from mistral.conf (or haproxy.cfg) as its consumer reads
it: oslo.config's INI parser, the transport URL as oslo.messaging splits
it, the database URL as SQLAlchemy does, a server line as haproxy does."""

import base64
import urllib.parse

import hypothesis
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from base.relation_data import (Related, authtoken, database_url, ini,
                                oslo_value, split_host_port, transport_hosts)

# One unit serves every example of a test: each example sends the
# provider's whole data again, with one field changed.
PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

TEXT = st.one_of(
    st.text(),
    st.text(st.characters(codec='utf-8', exclude_categories=['Cc'])),
    st.sampled_from(['a\nb', '[DEFAULT]', ' x', 'x ', '"x"', "'x'", '$x',
                     '$$', '%41', 'a@b:c/d,e', '#x', ';x', 'x' * 5000]))
HOST = st.one_of(
    TEXT, st.ip_addresses().map(str),
    st.from_regex(r'[A-Za-z0-9]([a-z0-9-]{0,8}[a-z0-9])?(\.[a-z0-9]{1,4})'
                  r'{0,3}', fullmatch=True),
    st.sampled_from(['10.0.0.1\n10.0.0.2', 'fe80::1%eth0', 'h:1', 'h/x']))
PORT = st.one_of(TEXT, st.integers(-5, 70000).map(str),
                 st.sampled_from([' 80', '80 ', '+80', '8_0', '0x50', '080']))
PROTOCOL = st.one_of(TEXT, st.sampled_from(['http', 'https', 'HTTP', 'ftp']))


def refused_or(observed, relation, field, value):
    """The text of mistral.conf when the value was taken; else checks the
    relation is incomplete naming the field (or, when the value is blank,
    which the interfaces read as not sent, waiting for it), and returns
    None."""
    problem, incomplete, text = observed
    if problem is not None:
        assert problem.startswith(field + ': ')
        assert incomplete == "'{}' ({})".format(relation, problem)
        assert text is None
        return None
    if incomplete is not None:
        assert not value.strip() and incomplete == "'{}'".format(relation)
        return None
    assert text
    return text


def sent(defaults, field, value, fallback=None):
    """What the provider sent, a blank value read as not sent."""
    return dict(defaults, **{field: value if value.strip() else fallback})


@pytest.fixture
def related(unit):
    return Related(unit)


@pytest.fixture
def postgresql(unit):
    return Related(unit, database='db')


AMQP = {'password': TEXT, 'hostname': HOST, 'ssl_port': PORT,
        'ssl_ca': st.one_of(TEXT, st.text().map(
            lambda t: base64.b64encode(
                '-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n'
                .format(t).encode()).decode()))}


def one_field(table):
    """(field, value): one field of ``table`` {field: strategy}, and a
    value its strategy draws."""
    return st.sampled_from(sorted(table)).flatmap(
        lambda field: st.tuples(st.just(field), table[field]))


@PROPERTY
@given(one_field(AMQP))
def test_rabbitmq_fields(related, example):
    field, value = example
    extra = {'ssl_port': '5671'} if field == 'ssl_ca' else {}
    text = refused_or(related.observe('amqp', **dict(extra, **{field: value})),
                      'amqp', field, value)
    if text is None:
        return
    conf = ini(text)
    hosts, vhost = transport_hosts(oslo_value(
        conf['DEFAULT']['transport_url']))
    assert vhost == 'openstack'
    # without a hostname, RabbitMQ's private-address
    got = sent(dict({'password': 'rabbit pw/+', 'hostname': '10.5.1.1',
                     'ssl_port': None}, **extra), field, value,
               '10.5.1.1' if field == 'hostname' else None)
    port = int(got['ssl_port']) if got['ssl_port'] else 5672
    assert hosts == [('mistral', got['password'], got['hostname'], port)]
    rabbit = conf['oslo_messaging_rabbit']
    assert (rabbit.get('ssl') == 'true') == bool(got['ssl_port'])
    if field == 'ssl_ca' and got['ssl_ca']:
        assert rabbit['ssl_ca_file'].endswith('rabbitmq-ca.pem')
        decoded = base64.b64decode(''.join(value.split())).decode()
        assert '-----BEGIN CERTIFICATE-----' in decoded


KEYSTONE = {'service_host': HOST, 'service_port': PORT,
            'service_protocol': PROTOCOL, 'auth_host': HOST,
            'auth_port': PORT, 'auth_protocol': PROTOCOL,
            'service_tenant': TEXT, 'service_username': TEXT,
            'service_password': TEXT, 'service_domain': TEXT}
KEYSTONE_SENT = {'service_host': '10.5.2.1', 'service_port': '5000',
                 'service_protocol': 'http', 'auth_host': '10.5.2.1',
                 'auth_port': '35357', 'auth_protocol': 'http',
                 'service_tenant': 'services', 'service_username': 'mistral',
                 'service_password': 'ks-secret',
                 'service_domain': 'service_domain'}


def url_parts(url):
    """(scheme, host, port, path) as a client splits the URL."""
    parts = urllib.parse.urlsplit(url)
    host, port = split_host_port(parts.netloc)
    return parts.scheme, host, port, parts.path


# keystone's word for a value not sent (interfaces/keystone/requires.py)
KEYSTONE_NULL = '__null__'


@PROPERTY
@given(one_field(KEYSTONE))
@hypothesis.example(('auth_host', KEYSTONE_NULL))
@hypothesis.example(('service_domain', KEYSTONE_NULL))
def test_keystone_fields(related, example):
    field, value = example
    read = '' if value == KEYSTONE_NULL else value
    text = refused_or(related.observe('identity-service', **{field: value}),
                      'identity-service', field, read)
    if text is None:
        return
    # only service_domain may be left out: 'default'
    got = sent(KEYSTONE_SENT, field, read, 'default')
    auth = authtoken(text)
    for prefix, url, path in (('service', 'www_authenticate_uri', '/v3'),
                              ('auth', 'auth_url', '')):
        assert url_parts(auth[url]) == (
            got[prefix + '_protocol'], got[prefix + '_host'],
            int(got[prefix + '_port']), path)
    assert (auth['project_name'], auth['username'], auth['password'],
            auth['project_domain_name'], auth['user_domain_name']) == (
        got['service_tenant'], got['service_username'],
        got['service_password'], got['service_domain'],
        got['service_domain'])


MYSQL = {'db_host': HOST, 'db_port': PORT, 'password': TEXT}


@PROPERTY
@given(one_field(MYSQL))
def test_mysql_fields(related, example):
    field, value = example
    text = refused_or(related.observe('shared-db', **{field: value}),
                      'shared-db', field, value)
    if text is None:
        return
    # percona-cluster sends no port: 3306
    got = sent({'db_host': '127.0.0.1', 'db_port': '3306',
                'password': 'mysql:pw@'}, field, value, '3306')
    url = oslo_value(ini(text)['database']['connection'])
    assert database_url(url) == (
        'mysql+pymysql', 'mistral', got['password'], got['db_host'],
        int(got['db_port']), 'mistral')


POSTGRESQL = {'host': HOST, 'port': PORT, 'user': TEXT, 'password': TEXT,
              'dbname': st.one_of(TEXT, st.just('mistral'))}


@PROPERTY
@given(one_field(POSTGRESQL))
def test_postgresql_master_parts(postgresql, example):
    field, value = example
    # the value travels libpq-quoted inside the master connection string
    text = refused_or(postgresql.observe('db', **{field: value}), 'db',
                      field, value)
    if text is None:
        return
    # only the port may be left out: 5432
    got = dict({'host': '10.5.3.1', 'port': '5432', 'dbname': 'mistral',
                'user': 'mistral_u', 'password': 'pgpw'},
               **{field: value or '5432' if field == 'port' else value})
    url = oslo_value(ini(text)['database']['connection'])
    assert database_url(url) == (
        'postgresql+psycopg2', got['user'], got['password'], got['host'],
        int(got['port']), got['dbname'])


@PROPERTY
@given(HOST)
def test_peer_address(unit, address):
    from charms.reactive.endpoints import Endpoint
    from openstack_base import context, rendering
    juju = unit.juju
    if not juju.relations:
        juju.join(juju.relate('cluster', 'mistral'), 'mistral/1')
    rid = next(iter(juju.relations))
    juju.relations[rid].units['mistral/1']['private-address'] = address
    juju.run_hook('cluster-relation-changed', rid, 'mistral/1')
    with juju.hook('update-status'):
        charm = unit.charm_class(
            'zed', endpoints={'cluster': Endpoint.from_name('cluster')})
        problem = charm.relations['cluster'].problem()
        haproxy = rendering.render('haproxy.cfg',
                                   context.build(charm, None), 'zed')
    servers = [line.split() for line in haproxy.splitlines()
               if line.split()[:1] == ['server']]
    assert servers and all(len(s) >= 4 for s in servers)
    peers = {split_host_port(s[2])[0] for s in servers
             if s[1] == 'mistral-1'}
    if problem is None and address.strip():
        assert peers == {address}
    else:
        assert peers == set()
        assert problem is None or problem.startswith('private-address: ')
