"""Relation data is other people's code: every field a relation adapter
reads, with a line break, an INI section, a huge value or a value that
is not text, leaves the relation incomplete naming the field, and none
of its data reaches mistral.conf; good data again makes it ready."""

import pytest

from base.relation_data import Related

HUGE = 'x' * 5000
# Each field: (relation, field, a good value the provider might send).
FIELDS = [
    ('amqp', 'password', 'rabbit pw/+'),
    ('amqp', 'hostname', '10.5.1.1'),
    ('amqp', 'ssl_port', '5671'),
    ('identity-service', 'service_host', '10.5.2.1'),
    ('identity-service', 'service_port', '5000'),
    ('identity-service', 'service_protocol', 'http'),
    ('identity-service', 'auth_host', '10.5.2.1'),
    ('identity-service', 'auth_port', '35357'),
    ('identity-service', 'auth_protocol', 'http'),
    ('identity-service', 'service_tenant', 'services'),
    ('identity-service', 'service_username', 'mistral'),
    ('identity-service', 'service_password', 'ks-secret'),
    ('identity-service', 'service_domain', 'service_domain'),
    ('shared-db', 'db_host', '127.0.0.1'),
    ('shared-db', 'db_port', '3306'),
    ('shared-db', 'password', 'mysql:pw@'),
]
PG_FIELDS = [('host', '10.5.3.1'), ('port', '5432'), ('dbname', 'mistral'),
             ('user', 'mistral_u'), ('password', 'pgpw')]
# A line break, a new section, a carriage return, and too long.
TEXT_VALUES = ('{}\nx', '{}\n[DEFAULT]\ndebug = true', '{}\r', HUGE)


@pytest.fixture
def related(unit):
    return Related(unit)


def rejected(observed, relation, field):
    problem, incomplete, text = observed
    assert problem is not None and problem.startswith(field + ': '), \
        problem
    assert incomplete == "'{}' ({})".format(relation, problem)
    assert text is None


NOT_TEXT = (5671, ['10.5.1.1'], {'a': 1})


@pytest.mark.parametrize('relation, field, good', FIELDS,
                         ids=['{}.{}'.format(r, f) for r, f, _ in FIELDS])
def test_bad_data_in_a_field_names_it(related, relation, field, good):
    problem, incomplete, text = related.observe(relation, **{field: good})
    assert problem is None and incomplete is None and text
    for template in TEXT_VALUES:
        rejected(related.observe(relation, **{field: template.format(good)}),
                 relation, field)
    for value in NOT_TEXT:
        observed = related.observe(relation, **{field: value})
        rejected(observed, relation, field)
        assert observed[0] == '{}: must be text, not {}'.format(
            field, type(value).__name__)
    # the same data, good again: ready, and the same file
    assert related.observe(relation, **{field: good}) == (None, None, text)


@pytest.mark.parametrize('field, good', PG_FIELDS,
                         ids=[f for f, _ in PG_FIELDS])
def test_bad_text_in_postgresqls_master_names_the_part(unit, field, good):
    related = Related(unit, database='db')
    text = related.observe('db', **{field: good})[2]
    assert text
    for template in TEXT_VALUES:
        rejected(related.observe('db', **{field: template.format(good)}),
                 'db', field)
    assert related.observe('db', **{field: good}) == (None, None, text)


def test_postgresql_must_name_the_database_asked_for(unit):
    related = Related(unit, database='db')
    problem = related.observe('db', dbname='postgres')[0]
    assert problem == "dbname: must be 'mistral', as asked for"


def test_postgresql_master_that_is_not_text_is_named(unit):
    related = Related(unit, database='db')
    problem, incomplete, _ = related.observe('db', master=['host=x'])
    assert problem == 'master: must be text, not list'
    assert incomplete == "'db' (master: must be text, not list)"


@pytest.mark.parametrize('field, value, reason', [
    ('ssl_port', ' 5671', 'must be an integer written in digits'),
    ('ssl_port', '5_671', 'must be an integer written in digits'),
    ('ssl_port', '+5671', 'must be an integer written in digits'),
    ('hostname', '10.5.1.1\n10.5.1.2',
     "holds a control character ('\\n')"),
    ('hostname', 'fe80::1%eth0', 'must be an IP address or a host name'),
    ('hostname', 'rabbit.example:5672',
     'must be an IP address or a host name'),
    ('ssl_ca', 'QUJD' * 20000, 'is longer than 65536 characters'),
])
def test_forms_a_lenient_parser_would_take(related, field, value, reason):
    extra = {'ssl_port': '5671'} if field == 'ssl_ca' else {}
    problem = related.observe('amqp', **dict(extra, **{field: value}))[0]
    assert problem == '{}: {}'.format(field, reason)


@pytest.mark.parametrize('field, value', [
    ('service_password', ' ks-secret'), ('service_password', '"quoted"'),
    ('service_username', 'mistral '),
])
def test_ini_values_oslo_would_read_differently(related, field, value):
    problem = related.observe('identity-service', **{field: value})[0]
    assert problem.startswith(field + ': ')


def test_a_url_quoted_password_may_hold_anything_on_one_line(related):
    from base.relation_data import ini, transport_hosts
    password = ' [DEFAULT] $x "q" %41 @:/,'
    problem, _, text = related.observe('amqp', password=password)
    assert problem is None
    hosts, vhost = transport_hosts(ini(text)['DEFAULT']['transport_url']
                                   .replace('$$', '$'))
    assert {h[1] for h in hosts} == {password} and vhost == 'openstack'


def test_a_peer_with_a_bad_address_is_left_out_of_haproxy(unit):
    from charms.reactive.endpoints import Endpoint
    rid = unit.juju.relate('cluster', 'mistral')
    unit.juju.join(rid, 'mistral/1', {'private-address': '10.0.0.11'})
    unit.juju.join(rid, 'mistral/2',
                   {'private-address': '10.0.0.12\nserver evil 6.6.6.6'})
    unit.relate_all()
    with unit.juju.hook('update-status'):
        charm = unit.charm_class(
            'zed', endpoints={'cluster': Endpoint.from_name('cluster')})
        hosts = charm.relations['cluster'].cluster_hosts()
        charm.converge()
    assert hosts == [('mistral-0', '10.0.0.10'), ('mistral-1', '10.0.0.11')]
    haproxy = open(unit.haproxy).read()
    assert 'mistral-1 10.0.0.11:' in haproxy
    assert 'mistral-2' not in haproxy and 'evil' not in haproxy
    assert any('cluster peers left out: mistral-2: private-address: holds '
               'a control character' in m for m, _ in unit.juju.logs)


def test_incomplete_relation_data_is_not_rendered_while_another_is_missing(
        unit):
    # a missing relation re-renders without it; the incomplete one's
    # data must not be rendered either (nor fail the render)
    related = Related(unit)
    related.juju.break_relation(related.rids['identity-service'])
    related.send('amqp', password='pw\n[DEFAULT]')
    with related.juju.hook('update-status'):
        related.charm().converge()
    text = open(unit.conf).read()
    assert 'transport_url' not in text and '[DEFAULT]\n[DEFAULT]' not in text
