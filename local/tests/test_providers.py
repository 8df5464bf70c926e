"""The providers against the real services (root, func-local tier).

Each provider gets a fresh state dir, is ensured twice (the second run is
the warm, idempotent one), answers a request shaped exactly as the Mistral
charm sends it, and the answer is proved against the real service. The
module fixtures destroy what they created. Timings are printed (-s), not
asserted: benchmarks live in bench/.
"""

import json
import os
import socket
import struct
import subprocess
import time
import urllib.request

import pytest

from local.providers import PROVIDERS
from local.providers.keystone import Keystone
from local.providers.keystone_api import (
    KeystoneError, call, find_endpoint, password_token)
from local.providers import support
from local.providers.mariadb import MySQLRouter, mysql
from local.providers.postgresql import PostgreSQL
from local.providers.rabbitmq import RabbitMQ
from localjuju.provider import RelationView

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0, reason='providers install and start real services')

MISTRAL_URL = 'http://127.0.0.1:8989/v2'
TIMINGS = {}


def ensured(cls, tmp_path_factory):
    # The fixtures that call this take mistral_site: it claims the host
    # and removes what an interrupted session left (a deployment whose
    # providers still hold the ports).
    provider = cls(str(tmp_path_factory.mktemp(cls.application)))
    started = time.monotonic()
    provider.ensure(progress=lambda line: None)
    cold = time.monotonic() - started
    started = time.monotonic()
    provider.ensure(progress=lambda line: None)
    TIMINGS[cls.application] = (cold, time.monotonic() - started)
    print('\n{}: ensure cold {:.1f}s, warm {:.1f}s'.format(
        cls.application, *TIMINGS[cls.application]))
    return provider


def relation(provider, endpoint, data, rid=1):
    # Relation ids are ints, as the emulator passes them.
    return RelationView(rid, endpoint,
                        {'mistral/0': dict(data, **{
                            'private-address': '127.0.0.1',
                            'ingress-address': '127.0.0.1',
                            'egress-subnets': '127.0.0.1/32'})},
                        {}, provider.unit_names())


def answer_of(provider, view):
    view.unit_updates.clear()
    provider.respond(view)
    return view.unit_updates[provider.unit_names()[0]]


def test_registry_maps_application_names():
    assert {name: cls.application for name, cls in PROVIDERS.items()} == {
        name: name for name in PROVIDERS}
    assert {'rabbitmq-server', 'postgresql', 'mistral-mysql-router',
            'mysql-router', 'keystone'} <= set(PROVIDERS)


# -- RabbitMQ: a raw AMQP 0-9-1 handshake proves user, password, vhost ----

def amqp_method(payload):
    frame = struct.pack('>BHI', 1, 0, len(payload)) + payload
    return frame + b'\xce'


def shortstr(text):
    return struct.pack('>B', len(text)) + text.encode()


def read_method(sock):
    """(class id, method id) of the next method frame, None on close."""
    try:
        header = sock.recv(7, socket.MSG_WAITALL)
    except ConnectionResetError:  # how RabbitMQ refuses a bad login
        return None
    if len(header) < 7:
        return None
    size = struct.unpack('>BHI', header)[2]
    payload = sock.recv(size + 1, socket.MSG_WAITALL)
    return struct.unpack('>HH', payload[:4]), payload[4:-1]


def amqp_login(username, password, vhost):
    """True when the broker opens ``vhost`` for these credentials."""
    with socket.create_connection(('127.0.0.1', 5672), timeout=10) as sock:
        sock.sendall(b'AMQP\x00\x00\x09\x01')
        read_method(sock)  # connection.start
        response = '\0{}\0{}'.format(username, password).encode()
        sock.sendall(amqp_method(
            struct.pack('>HHI', 10, 11, 0) + shortstr('PLAIN')
            + struct.pack('>I', len(response)) + response
            + shortstr('en_US')))
        reply = read_method(sock)
        if reply is None or reply[0] != (10, 30):  # not connection.tune
            return False
        channel_max, frame_max, _beat = struct.unpack('>HIH', reply[1][:8])
        sock.sendall(amqp_method(struct.pack(
            '>HHHIH', 10, 31, channel_max, frame_max, 0)))
        sock.sendall(amqp_method(struct.pack('>HH', 10, 40) + shortstr(vhost)
                                 + shortstr('') + b'\x00'))
        reply = read_method(sock)
        return reply is not None and reply[0] == (10, 41)  # open-ok


@pytest.fixture(scope='module')
def rabbit(mistral_site, tmp_path_factory):
    provider = ensured(RabbitMQ, tmp_path_factory)
    yield provider
    provider.destroy()


AMQP_REQUEST = {'username': 'mistral', 'vhost': 'openstack'}


def test_rabbitmq_answers_like_the_charm_and_credentials_work(rabbit):
    answer = answer_of(rabbit, relation(rabbit, 'amqp', AMQP_REQUEST))
    assert set(answer) == {'hostname', 'private-address', 'password'}
    assert answer['hostname'] == '127.0.0.1'
    assert amqp_login('mistral', answer['password'], 'openstack')
    assert not amqp_login('mistral', answer['password'] + 'x', 'openstack')
    assert not amqp_login('mistral', answer['password'], 'other')


def test_rabbitmq_no_password_before_the_request(rabbit):
    answer = answer_of(rabbit, relation(rabbit, 'amqp', {}))
    assert 'password' not in answer


def test_rabbitmq_rerun_keeps_the_password(rabbit):
    view = relation(rabbit, 'amqp', AMQP_REQUEST)
    first = answer_of(rabbit, view)['password']
    assert answer_of(rabbit, view)['password'] == first
    assert amqp_login('mistral', first, 'openstack')


def test_rabbitmq_relation_removed_deletes_user(rabbit):
    view = relation(rabbit, 'amqp', AMQP_REQUEST)
    password = answer_of(rabbit, view)['password']
    rabbit.relation_removed(view)
    assert not amqp_login('mistral', password, 'openstack')
    assert answer_of(rabbit, view)['password'] == password
    assert amqp_login('mistral', password, 'openstack')


# -- PostgreSQL: log in with the fields of ``master`` ---------------------

def libpq_fields(conninfo):
    return dict(part.split('=', 1) for part in conninfo.split())


def psql_as(answer, sql):
    fields = libpq_fields(answer['master'])
    env = dict(os.environ, PGHOST=fields['host'], PGPORT=fields['port'],
               PGDATABASE=fields['dbname'], PGUSER=fields['user'],
               PGPASSWORD=fields['password'], PGCONNECT_TIMEOUT='5')
    return subprocess.run(['psql', '-X', '-q', '-At', '-c', sql], env=env,
                          capture_output=True, text=True)


@pytest.fixture(scope='module')
def postgresql(mistral_site, tmp_path_factory):
    provider = ensured(PostgreSQL, tmp_path_factory)
    yield provider
    provider.destroy()


def test_postgresql_answers_like_the_charm(postgresql):
    answer = answer_of(postgresql, relation(postgresql, 'db',
                                            {'database': 'mistral'}))
    assert answer['database'] == 'mistral'
    assert answer['user'] == 'juju_mistral'
    assert answer['allowed-units'] == 'mistral/0'
    assert answer['allowed-subnets'] == '127.0.0.1/32'
    assert (answer['host'], answer['port']) == ('127.0.0.1', '5432')
    assert answer['state'] == 'standalone'
    assert answer['version'].isdigit()
    assert libpq_fields(answer['master']) == {
        'dbname': 'mistral', 'host': '127.0.0.1', 'port': '5432',
        'user': 'juju_mistral', 'password': answer['password']}
    assert list(libpq_fields(answer['master'])) == sorted(
        libpq_fields(answer['master']))


def test_postgresql_credentials_own_the_database(postgresql):
    answer = answer_of(postgresql, relation(postgresql, 'db',
                                            {'database': 'mistral'}))
    done = psql_as(answer, 'CREATE TABLE IF NOT EXISTS kept (id int); '
                           'SELECT current_user, current_database()')
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == 'juju_mistral|mistral'


def test_postgresql_removed_revokes_login_keeps_data(postgresql):
    view = relation(postgresql, 'db', {'database': 'mistral'})
    answer = answer_of(postgresql, view)
    assert psql_as(answer, 'CREATE TABLE IF NOT EXISTS kept (id int)'
                   ).returncode == 0
    postgresql.relation_removed(view)
    assert psql_as(answer, 'SELECT 1').returncode != 0
    answer_of(postgresql, view)
    done = psql_as(answer, "SELECT to_regclass('kept') IS NOT NULL")
    assert done.stdout.strip() == 't', done.stderr


def test_postgresql_destroyed_while_stopped_drops_what_it_made(
        postgresql, tmp_path_factory):
    # a fault story (or a killed session) may leave the server stopped
    other = ensured(PostgreSQL, tmp_path_factory)
    answer_of(other, relation(other, 'db', {'database': 'mistral_left'}))
    version, name = other.cluster.clusters()[0][:2]
    support.run(['pg_ctlcluster', version, name, 'stop'])
    other.destroy()
    postgresql.ensure(progress=lambda line: None)
    assert postgresql.cluster.psql(
        "SELECT 1 FROM pg_database WHERE datname = 'mistral_left'") == ''


# -- MariaDB: log in over TCP with the answer ----------------------------

def mysql_as(username, answer, sql, password_key='password'):
    env = dict(os.environ, MYSQL_PWD=answer[password_key])
    return subprocess.run(
        ['mysql', '-h', answer['db_host'], '-P', answer['db_port'],
         '-u', username, '-N', '-B', '-e', sql],
        env=env, capture_output=True, text=True)


SHARED_DB_REQUEST = {'database': 'mistral', 'username': 'mistral',
                     'hostname': '127.0.0.1'}


@pytest.fixture(scope='module')
def mariadb(mistral_site, tmp_path_factory):
    provider = ensured(MySQLRouter, tmp_path_factory)
    yield provider
    provider.destroy()


def test_mariadb_answers_like_mysql_router(mariadb):
    answer = answer_of(mariadb, relation(mariadb, 'shared-db',
                                         SHARED_DB_REQUEST))
    assert set(answer) == {'db_host', 'db_port', 'password',
                           'allowed_units'}
    assert (answer['db_host'], answer['db_port']) == ('127.0.0.1', '3306')
    assert answer['allowed_units'] == 'mistral/0'
    done = mysql_as('mistral', answer,
                    'CREATE TABLE IF NOT EXISTS mistral.kept (id int); '
                    'SELECT current_user()')
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == 'mistral@127.0.0.1'


def test_mariadb_prefixed_and_json_hostname_requests(mariadb):
    view = relation(mariadb, 'shared-db', {
        'novaapi_database': 'mistral_extra', 'novaapi_username': 'mextra',
        'novaapi_hostname': json.dumps(['127.0.0.1'])})
    answer = answer_of(mariadb, view)
    assert 'password' not in answer
    assert answer['novaapi_allowed_units'] == 'mistral/0'
    done = mysql_as('mextra', answer, 'USE mistral_extra',
                    password_key='novaapi_password')
    assert done.returncode == 0, done.stderr


def test_mariadb_removed_drops_grants_keeps_data(mariadb):
    view = relation(mariadb, 'shared-db', SHARED_DB_REQUEST)
    answer = answer_of(mariadb, view)
    mysql_as('mistral', answer, 'CREATE TABLE IF NOT EXISTS mistral.kept '
             '(id int)')
    mariadb.relation_removed(view)
    assert mysql_as('mistral', answer,
                    'SELECT * FROM mistral.kept').returncode != 0
    answer_of(mariadb, view)
    assert mysql_as('mistral', answer,
                    'SELECT COUNT(*) FROM mistral.kept').returncode == 0


def test_mariadb_destroyed_while_stopped_drops_what_it_made(
        mariadb, tmp_path_factory):
    other = ensured(MySQLRouter, tmp_path_factory)
    answer_of(other, relation(other, 'shared-db', {
        'database': 'mistral_left', 'username': 'mleft',
        'hostname': '127.0.0.1'}))
    support.run(['service', 'mariadb', 'stop'])
    other.destroy()
    mariadb.ensure(progress=lambda line: None)
    assert mysql("SHOW DATABASES LIKE 'mistral_left'") == ''
    assert mysql("SELECT user FROM mysql.user WHERE user = 'mleft'") == ''


# -- Keystone: the service user's token and catalog ----------------------

IDENTITY_REQUEST = {'service': 'mistral', 'region': 'RegionOne',
                    'public_url': MISTRAL_URL, 'internal_url': MISTRAL_URL,
                    'admin_url': MISTRAL_URL}


@pytest.fixture(scope='module')
def keystone(mistral_site, tmp_path_factory):
    provider = ensured(Keystone, tmp_path_factory)
    yield provider
    provider.destroy()


def service_token(answer):
    return password_token(
        answer['service_username'], answer['service_password'],
        answer['service_tenant'], user_domain=answer['service_domain'],
        project_domain=answer['service_domain'])


def test_keystone_answers_like_the_charm(keystone):
    answer = answer_of(keystone, relation(keystone, 'identity-service',
                                          IDENTITY_REQUEST))
    for key in ('service_host', 'auth_host', 'internal_host'):
        assert answer[key] == '127.0.0.1'
    for key in ('service_port', 'auth_port', 'internal_port'):
        assert answer[key] == '5000'
    assert answer['api_version'] == '3'
    assert answer['service_type'] == 'workflowv2'
    assert answer['service_username'] == 'mistral'
    assert answer['service_tenant'] == 'services'
    assert answer['service_domain'] == 'service_domain'
    assert answer['service_tenant_id'] and answer['service_domain_id']


def test_keystone_service_user_sees_mistral_in_catalog(keystone):
    answer = answer_of(keystone, relation(keystone, 'identity-service',
                                          IDENTITY_REQUEST))
    token, body = service_token(answer)
    assert body['project']['id'] == answer['service_tenant_id']
    for interface in ('public', 'internal', 'admin'):
        assert find_endpoint(body, 'workflowv2', interface) == MISTRAL_URL
    # Mistral's auth middleware validates user tokens with its own token.
    request = urllib.request.Request(
        'http://127.0.0.1:5000/v3/auth/tokens',
        headers={'X-Auth-Token': token,
                 'X-Subject-Token': keystone.admin_token()})
    with urllib.request.urlopen(request) as validated:
        assert json.load(validated)['token']['user']['name'] == 'admin'


def test_keystone_service_user_can_consume_a_trust(keystone):
    # Cron triggers run through trusts: the user delegates to mistral.
    answer = answer_of(keystone, relation(keystone, 'identity-service',
                                          IDENTITY_REQUEST))
    admin_token, admin = password_token('admin', keystone.admin_password(),
                                        'admin')
    trust = call('POST', '/OS-TRUST/trusts', token=admin_token, body={
        'trust': {'trustor_user_id': admin['user']['id'],
                  'trustee_user_id': answer['service_user_id'],
                  'project_id': admin['project']['id'],
                  'impersonation': True,
                  'roles': [{'name': 'admin'}]}})[1]['trust']
    headers, body = call('POST', '/auth/tokens', body={'auth': {
        'identity': {'methods': ['password'], 'password': {'user': {
            'id': answer['service_user_id'],
            'password': answer['service_password']}}},
        'scope': {'OS-TRUST:trust': {'id': trust['id']}}}})
    assert body['token']['project']['id'] == admin['project']['id']


def test_keystone_endpoint_url_follows_the_charm(keystone):
    moved = dict(IDENTITY_REQUEST, public_url='http://127.0.0.2:8989/v2')
    answer = answer_of(keystone, relation(keystone, 'identity-service',
                                          moved))
    body = service_token(answer)[1]
    assert find_endpoint(body, 'workflowv2') == 'http://127.0.0.2:8989/v2'
    answer_of(keystone, relation(keystone, 'identity-service',
                                 IDENTITY_REQUEST))


def test_keystone_removed_disables_then_respond_restores(keystone):
    view = relation(keystone, 'identity-service', IDENTITY_REQUEST)
    answer = answer_of(keystone, view)
    keystone.relation_removed(view)
    with pytest.raises(KeystoneError):
        service_token(answer)
    assert answer_of(keystone, view)['service_password'] == (
        answer['service_password'])
    assert service_token(answer)[0]


def test_keystone_openrc_is_private(keystone):
    mode = os.stat(keystone.openrc).st_mode & 0o777
    assert mode == 0o600
    with open(keystone.openrc) as openrc:
        assert 'OS_PASSWORD={}'.format(keystone.admin_password()) in (
            openrc.read())
