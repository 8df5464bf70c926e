"""Juju relation data is text; a value of another type in any key a
client reads raises nothing in a hook, keeps the relation unavailable,
and is named by the client's refused()."""

import sys

import pytest

# endpoint, remote app, request made in -joined, a good answer,
# the flag that says the data is usable
CLIENTS = {
    'amqp': ('rabbitmq-server',
             lambda ep: ep.request_access('mistral', 'openstack'),
             {'hostname': '10.5.1.1', 'password': 'pw'}, 'amqp.available'),
    'shared-db': ('mysql-router',
                  lambda ep: ep.configure('mistral', 'mistral'),
                  {'db_host': '10.5.1.1', 'db_port': '3306',
                   'password': 'pw', 'allowed_units': 'mistral/0'},
                  'shared-db.available'),
    'db': ('postgresql', lambda ep: ep.set_database('mistral'),
           {'master': 'dbname=mistral host=10.5.3.1 password=pw port=5432 '
            'user=u', 'host': '10.5.3.1', 'port': '5432', 'user': 'u',
            'password': 'pw', 'database': 'mistral', 'state': 'master',
            'allowed-units': 'mistral/0'}, 'db.master.available'),
    'identity-service': (
        'keystone', lambda ep: None,
        {'service_host': '10.5.2.1', 'service_port': '5000',
         'service_protocol': 'http', 'auth_host': '10.5.2.1',
         'auth_port': '35357', 'auth_protocol': 'http',
         'service_tenant': 'services', 'service_username': 'mistral',
         'service_password': 'pw', 'service_tenant_id': 't1'},
        'identity-service.available'),
}


def related(sim, endpoint):
    app, request, answer, flag = CLIENTS[endpoint]
    rid = sim.relate(endpoint, app)
    sim.join(rid, app + '/0')
    with sim.hook(endpoint + '-relation-joined', rid, app + '/0'):
        request(sim.endpoint(endpoint))
    sim.change(rid, app + '/0', answer)
    assert flag in sim.flags
    return rid, app + '/0', flag


def received_keys(sim, endpoint):
    """Every key the client reads (keystone's: its accessors)."""
    with sim.hook('update-status'):
        module = sys.modules[type(sim.endpoint(endpoint)).__module__]
    return getattr(module, 'RECEIVED_KEYS', None) or module.ACCESSORS


@pytest.mark.parametrize('endpoint', sorted(CLIENTS))
@pytest.mark.parametrize('value', [5432, ['10.5.1.1']])
def test_a_value_that_is_not_text_is_refused_by_name(sim, endpoint, value):
    rid, unit, flag = related(sim, endpoint)
    for key in received_keys(sim, endpoint):
        sim.relations[rid].units[unit][key] = value
        sim.run_hook(endpoint + '-relation-changed', rid, unit)
        assert flag not in sim.flags, key
        with sim.hook('update-status'):
            ep = sim.endpoint(endpoint)
            assert ep.refused()[key] == 'must be text, not {}'.format(
                type(value).__name__)
        # and the good answer again makes it usable
        sim.relations[rid].units[unit].pop(key)
        sim.change(rid, unit, CLIENTS[endpoint][2])
        assert flag in sim.flags, key


def test_a_peer_address_that_is_not_text_is_no_address(sim):
    rid = sim.relate('cluster', 'mistral')
    sim.join(rid, 'mistral/1')
    sim.relations[rid].units['mistral/1']['private-address'] = 10
    sim.relations[rid].units['mistral/1']['paused'] = ['x']
    sim.run_hook('cluster-relation-changed', rid, 'mistral/1')
    with sim.hook('update-status'):
        ep = sim.endpoint('cluster')
        assert ep.ip_map() == [] and ep.retrieve_remote('paused') == []
    assert 'cluster.available' not in sim.flags


def test_mysql_values_are_handed_on_as_sent(sim):
    # stripping would hide a value the charm must refuse (a line break)
    rid, unit, flag = related(sim, 'shared-db')
    sim.change(rid, unit, {'password': 'pw\n', 'db_host': ' 10.5.1.1'})
    with sim.hook('update-status'):
        ep = sim.endpoint('shared-db')
        assert (ep.password(), ep.db_host()) == ('pw\n', ' 10.5.1.1')
