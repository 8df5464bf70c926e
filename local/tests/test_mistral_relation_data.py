"""Relation data is other people's code: a provider that sends a line
break in a field (RabbitMQ's hostname, Keystone's service password,
PostgreSQL's database name) leaves the unit waiting with the relation
and the field named; the hook exits 0, nothing restarts, mistral.conf
keeps its last good content and the API keeps answering a token-
authenticated request. The provider's good data again makes it ready.
"""

import time

import pytest

from local.providers.postgresql import connection_string
from local.tests.mistral_site import READY, record
from localjuju import model as m

pytestmark = pytest.mark.needs_root


@pytest.fixture(scope='module')
def deployment(serving):
    return serving


def sent(deployment, app, key):
    """What the first unit of ``app`` sends in ``key`` to Mistral."""
    for relation in deployment.model.read()['relations'].values():
        if 'mistral' not in (e['application'] for e in relation['endpoints']):
            continue
        for unit, data in sorted(relation['units'].items()):
            if m.app_of(unit) == app and key in data:
                return data[key]
    raise AssertionError('{} sends no {}'.format(app, key))


def master_with(deployment, **parts):
    """PostgreSQL's master connection string, as it builds it from what
    it sends in the legacy keys too, with ``parts`` changed."""
    fields = {name: sent(deployment, 'postgresql', key) for name, key in (
        ('dbname', 'database'), ('host', 'host'), ('password', 'password'),
        ('port', 'port'), ('user', 'user'))}
    fields.update(parts)
    return connection_string(**fields)


def conf_text(deployment):
    return deployment.inside('cat', '/etc/mistral/mistral.conf').stdout


def bad_hostname(deployment):
    good = sent(deployment, 'rabbitmq-server', 'hostname')
    return good, good + '\n[DEFAULT]\ndebug = true'


def bad_password(deployment):
    good = sent(deployment, 'keystone', 'service_password')
    return good, good + '\n[keystone_authtoken]\npassword = x'


def bad_dbname(deployment):
    good = sent(deployment, 'postgresql', 'master')
    assert master_with(deployment) == good
    return good, master_with(deployment, dbname='mistral\n[database]')


@pytest.mark.parametrize('app, key, make, relation, field', [
    ('rabbitmq-server', 'hostname', bad_hostname, 'amqp', 'hostname'),
    ('keystone', 'service_password', bad_password, 'identity-service',
     'service_password'),
    ('postgresql', 'master', bad_dbname, 'db', 'dbname'),
], ids=['rabbitmq-hostname', 'keystone-password', 'postgresql-dbname'])
def test_a_line_break_from_a_provider_is_refused_naming_the_field(
        deployment, app, key, make, relation, field):
    assert deployment.wait_ready() == READY
    before = deployment.pids()
    assert None not in before.values(), before
    conf = conf_text(deployment)
    good, bad = make(deployment)
    since = time.time()
    deployment.remote_change(app, **{key: bad})
    try:
        assert deployment.hook_error() is None
        state, message = deployment.workload()
        assert state == 'waiting', message
        assert message.startswith(
            "Incomplete relations: '{}' ({}: ".format(relation, field)), \
            message
        assert 'error' not in [s for s, _ in deployment.history(since)]
        assert deployment.pids() == before
        assert conf_text(deployment) == conf
        # the API still serves: Keystone's token, Mistral's answer
        assert deployment.client().request('GET', '/workflows?limit=1')
        record('relation data {}: {} refused ({}), PIDs and mistral.conf '
               'unchanged, API answering'.format(app, key, message))
    finally:
        deployment.remote_change(app, **{key: good})
    assert deployment.wait_ready(timeout=120) == READY
    assert deployment.hook_error() is None
    assert deployment.pids() == before
    assert conf_text(deployment) == conf
