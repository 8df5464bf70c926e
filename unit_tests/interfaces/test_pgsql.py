"""db endpoint (interface pgsql) against the postgresql charm.

Remote data shaped as the postgresql charms write it (PostgreSQL client
relation protocol: ``master``/``standbys`` libpq strings, legacy
host/port/user/password/state, echo of database/roles/extensions,
``allowed-subnets`` of our egress subnets or legacy ``allowed-units``).
"""

import pytest

from relation_sim import load_interface

PW = 'pg s3cret/\'x'
MASTER = ("dbname=mistral fallback_application_name=mistral "
          "host=10.5.3.1 password='pg s3cret/\\'x' port=5432 "
          "sslmode=prefer user=mistral")


def pg_answer(**extra):
    data = {'master': MASTER, 'standbys': '', 'host': '10.5.3.1',
            'port': '5432', 'user': 'mistral', 'password': PW,
            'state': 'master', 'database': 'mistral',
            'allowed-subnets': '10.5.0.10/32', 'version': '14'}
    data.update(extra)
    return data


@pytest.fixture
def db(sim):
    rid = sim.relate('db', 'postgresql')
    sim.join(rid, 'postgresql/0')
    with sim.hook('db-relation-joined', rid, 'postgresql/0'):
        sim.endpoint('db').set_database('mistral')
    return rid


def test_connection_string_parts_and_uri():
    module = load_interface('pgsql', 'requires')
    conn = module.ConnectionString(MASTER)
    assert isinstance(conn, str)
    assert (conn.host, conn.port, conn.dbname, conn.user, conn.password) == (
        '10.5.3.1', '5432', 'mistral', 'mistral', PW)
    assert conn.uri == ('postgresql://mistral:pg%20s3cret%2F%27x'
                        '@10.5.3.1:5432/mistral')
    assert module.ConnectionString(str(conn)) == conn
    v6 = module.ConnectionString(host='fd00::1', port=5432, dbname='d',
                                 user='u')
    assert v6.uri == 'postgresql://u@[fd00::1]:5432/d'


def test_requests_published(sim, db):
    with sim.hook('db-relation-changed', db, 'postgresql/0'):
        ep = sim.endpoint('db')
        ep.set_roles(['b', 'a'])
        ep.set_extensions('pg_trgm')
    data = sim.local_data(db)
    assert (data['database'], data['roles'], data['extensions']) == (
        'mistral', 'a,b', 'pg_trgm')
    assert 'db.connected' in sim.flags


def test_master_available(sim, db):
    sim.change(db, 'postgresql/0', pg_answer())
    assert {'db.master.available', 'db.database.available'} <= sim.flags
    assert 'db.standbys.available' not in sim.flags
    with sim.hook('update-status'):
        master = sim.endpoint('db').master
        assert master.dbname == 'mistral' and master.password == PW


def test_legacy_allowed_units_and_state(sim, db):
    sim.change(db, 'postgresql/0', pg_answer(
        master=None, **{'allowed-subnets': None,
                        'allowed-units': 'mistral/0 mistral/1'}))
    assert 'db.master.available' in sim.flags
    with sim.hook('update-status'):
        assert sim.endpoint('db').master.host == '10.5.3.1'


def libpq(host, user, password):
    """A standby as both charms write one (pgconnstr's ConnectionString:
    keys sorted, a value quoted only when it holds a space)."""
    if ' ' in password:
        password = "'{}'".format(password.replace("'", "\\'"))
    return 'dbname=mistral host={} password={} port=5432 user={}'.format(
        host, password, user)


STANDBY_HOSTS = ('10.5.3.2', '10.5.3.3')


@pytest.mark.parametrize('standbys, user, password', [
    # the postgresql charm: '\n'.join(sorted(...))
    ('\n'.join(libpq(h, 'mistral', PW) for h in STANDBY_HOSTS),
     'mistral', PW),
    # charmed PostgreSQL (postgresql-operator src/relations/db.py
    # update_endpoints): ','.join(...), user relation-<id>
    (','.join(libpq(h, 'relation-7', 'Xk2pQ9') for h in STANDBY_HOSTS),
     'relation-7', 'Xk2pQ9'),
    # a comma inside a quoted value separates nothing
    (','.join(libpq(h, 'relation-7', 'a,b=c d') for h in STANDBY_HOSTS),
     'relation-7', 'a,b=c d'),
])
def test_standbys(sim, db, standbys, user, password):
    sim.change(db, 'postgresql/0', pg_answer(standbys=standbys))
    assert 'db.standbys.available' in sim.flags
    with sim.hook('update-status'):
        found = sim.endpoint('db').standbys
        assert [(s.host, s.port, s.dbname, s.user, s.password)
                for s in found] == [
            (host, '5432', 'mistral', user, password)
            for host in STANDBY_HOSTS]


@pytest.mark.parametrize('bad', [
    {'allowed-subnets': '10.9.9.0/24'},
    {'allowed-subnets': None, 'allowed-units': 'mistral/1'},
    {'database': 'other'},
    {'password': None},
    {'password': ''},
])
def test_not_authorised_or_not_echoed(sim, db, bad):
    sim.change(db, 'postgresql/0', pg_answer(**bad))
    assert not {'db.master.available', 'db.database.available'} & sim.flags
    with sim.hook('update-status'):
        assert sim.endpoint('db').master is None


def test_roles_must_echo(sim, db):
    with sim.hook('db-relation-changed', db, 'postgresql/0'):
        sim.endpoint('db').set_roles(['admin'])
    sim.change(db, 'postgresql/0', pg_answer())
    assert 'db.master.available' not in sim.flags
    sim.change(db, 'postgresql/0', {'roles': 'admin'})
    assert 'db.master.available' in sim.flags


def test_broken_clears(sim, db):
    sim.change(db, 'postgresql/0', pg_answer())
    sim.break_relation(db)
    assert not {f for f in sim.flags if f.startswith('db.')}
    assert PW not in sim.logged()
