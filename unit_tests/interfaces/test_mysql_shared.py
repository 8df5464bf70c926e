"""shared-db endpoint (interface mysql-shared).

Remote data shaped as openstack/charm-mysql-router writes it
(src/lib/charm/openstack/mysql_router.py proxy_db_and_user_responses ->
charm-interface-mysql-shared provides.py set_db_connection_info: raw,
not JSON, strings; allowed_units is this unit's name) and as
percona-cluster writes it (space-separated allowed_units, no db_port).
"""

import pytest


def router_answer(**extra):
    data = {'db_host': '127.0.0.1', 'db_port': '3306',
            'password': 'db-s3cret', 'allowed_units': 'mistral/0',
            'wait_timeout': '3600'}
    data.update(extra)
    return data


@pytest.fixture
def shared_db(sim):
    rid = sim.relate('shared-db', 'mysql-router')
    sim.join(rid, 'mysql-router/0')
    with sim.hook('shared-db-relation-joined', rid, 'mysql-router/0'):
        sim.endpoint('shared-db').configure('mistral', 'mistral')
    return rid


def test_configure_publishes_exact_keys(sim, shared_db):
    data = sim.local_data(shared_db)
    assert {k: data[k] for k in ('database', 'username', 'hostname')} == {
        'database': 'mistral', 'username': 'mistral',
        'hostname': '10.5.0.10'}
    assert 'shared-db.connected' in sim.flags
    assert 'shared-db.available' not in sim.flags


def test_prefixed_request(sim):
    rid = sim.relate('shared-db', 'mysql-router')
    sim.join(rid, 'mysql-router/0')
    with sim.hook('shared-db-relation-joined', rid, 'mysql-router/0'):
        sim.endpoint('shared-db').configure('mistral', 'mistral',
                                            hostname='192.0.2.9',
                                            prefix='wf')
    data = sim.local_data(rid)
    assert (data['wf_database'], data['wf_username'],
            data['wf_hostname']) == ('mistral', 'mistral', '192.0.2.9')
    assert 'database' not in data
    sim.change(rid, 'mysql-router/0', {'db_host': '127.0.0.1',
                                       'wf_password': 'x',
                                       'wf_allowed_units': 'mistral/0'})
    assert 'shared-db.available' in sim.flags
    with sim.hook('update-status'):
        ep = sim.endpoint('shared-db')
        assert ep.password(prefix='wf') == 'x'
        assert ep.database(prefix='wf') == 'mistral'
        assert ep.get_prefixes() == ['wf']


def test_router_answer_makes_available(sim, shared_db):
    sim.change(shared_db, 'mysql-router/0', router_answer())
    assert 'shared-db.available' in sim.flags
    assert 'shared-db.available.ssl' not in sim.flags
    with sim.hook('update-status'):
        ep = sim.endpoint('shared-db')
        assert (ep.db_host(), ep.db_port(), ep.password()) == (
            '127.0.0.1', '3306', 'db-s3cret')
        assert ep.database() == 'mistral' and ep.username() == 'mistral'
        assert ep.allowed_units() == 'mistral/0'
        assert ep.unit_allowed_db()


def test_percona_answer_without_port(sim, shared_db):
    sim.change(shared_db, 'mysql-router/0', router_answer(
        db_port=None, allowed_units='mistral/1 mistral/0 mistral/2'))
    assert 'shared-db.available' in sim.flags
    with sim.hook('update-status'):
        assert sim.endpoint('shared-db').db_port() is None


@pytest.mark.parametrize('allowed', ['"mistral/0"', '["mistral/0"]'])
def test_json_quoted_allowed_units_accepted(sim, shared_db, allowed):
    sim.change(shared_db, 'mysql-router/0',
               router_answer(allowed_units=allowed))
    assert 'shared-db.available' in sim.flags


def test_ssl_data(sim, shared_db):
    sim.change(shared_db, 'mysql-router/0',
               router_answer(ssl_ca='Q0E=', ssl_cert='Q0VSVA==',
                             ssl_key='S0VZ'))
    assert 'shared-db.available.ssl' in sim.flags
    with sim.hook('update-status'):
        ep = sim.endpoint('shared-db')
        assert (ep.ssl_ca(), ep.ssl_cert(), ep.ssl_key()) == (
            'Q0E=', 'Q0VSVA==', 'S0VZ')


@pytest.mark.parametrize('bad', [
    {'password': None},
    {'password': ''},
    {'db_host': '  '},
    {'allowed_units': 'mistral/1 mistral/10'},
    {'allowed_units': None},
    {'allowed_units': '["mistral/0"'},
    {'allowed_units': '{"mistral/0": 1}'},
    {'cluster-series-upgrading': 'True'},
])
def test_bad_or_partial_answers_not_available(sim, shared_db, bad):
    sim.change(shared_db, 'mysql-router/0', router_answer(**bad))
    assert 'shared-db.available' not in sim.flags
    assert 'shared-db.connected' in sim.flags


def test_available_cleared_when_password_withdrawn(sim, shared_db):
    sim.change(shared_db, 'mysql-router/0', router_answer())
    sim.change(shared_db, 'mysql-router/0', {'allowed_units': ''})
    assert 'shared-db.available' not in sim.flags


def test_depart_and_broken_clear_flags(sim, shared_db):
    sim.change(shared_db, 'mysql-router/0', router_answer())
    sim.depart(shared_db, 'mysql-router/0')
    assert not {f for f in sim.flags if f.startswith('shared-db.')}
    sim.break_relation(shared_db)
    assert not {f for f in sim.flags if f.startswith('shared-db.')}


def test_secrets_not_logged(sim, shared_db):
    sim.change(shared_db, 'mysql-router/0', router_answer())
    assert 'db-s3cret' not in sim.logged()
