"""amqp endpoint (interface rabbitmq) against rabbitmq-server's data.

Remote data shaped as openstack/charm-rabbitmq-server writes it
(hooks/rabbitmq_server_relations.py: amqp_changed; hooks/ssl_utils.py:
configure_client_ssl base64-encodes the CA).
"""

import base64

import pytest

CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'
CA_B64 = base64.b64encode(CA_PEM.encode()).decode()


def rabbit_answer(address, password='s3cret-rabbit'):
    return {'hostname': address, 'private-address': address,
            'password': password}


@pytest.fixture
def amqp(sim):
    rid = sim.relate('amqp', 'rabbitmq-server')
    sim.join(rid, 'rabbitmq-server/0')
    with sim.hook('amqp-relation-changed', rid, 'rabbitmq-server/0'):
        sim.endpoint('amqp').request_access('mistral', 'openstack')
    return rid


def test_joined_sets_connected_only(sim):
    rid = sim.relate('amqp', 'rabbitmq-server')
    assert 'amqp.connected' not in sim.flags
    sim.join(rid, 'rabbitmq-server/0')
    assert 'amqp.connected' in sim.flags
    assert 'amqp.available' not in sim.flags


def test_request_access_publishes_exact_keys(sim, amqp):
    assert sim.local_data(amqp) == {
        'username': 'mistral', 'vhost': 'openstack',
        'private-address': '10.5.0.10', 'ingress-address': '10.5.0.10',
        'egress-subnets': '10.5.0.10/32'}


def test_request_access_uses_given_hostname(sim):
    rid = sim.relate('amqp', 'rabbitmq-server')
    sim.join(rid, 'rabbitmq-server/0')
    with sim.hook('amqp-relation-changed', rid, 'rabbitmq-server/0'):
        sim.endpoint('amqp').request_access('mistral', 'openstack',
                                            hostname='192.0.2.7')
    assert sim.local_data(rid)['private-address'] == '192.0.2.7'


def test_available_once_password_arrives(sim, amqp):
    assert 'amqp.available' not in sim.flags
    sim.change(amqp, 'rabbitmq-server/0', rabbit_answer('10.5.1.1'))
    assert 'amqp.available' in sim.flags
    assert 'amqp.available.ssl' not in sim.flags
    with sim.hook('update-status'):
        ep = sim.endpoint('amqp')
        assert ep.username() == 'mistral'
        assert ep.vhost() == 'openstack'
        assert ep.password() == 's3cret-rabbit'
        assert ep.rabbitmq_ready_hosts() == ['10.5.1.1']


def test_available_before_request_waits_for_our_request(sim):
    rid = sim.relate('amqp', 'rabbitmq-server')
    sim.join(rid, 'rabbitmq-server/0', rabbit_answer('10.5.1.1'))
    assert 'amqp.available' not in sim.flags
    with sim.hook('amqp-relation-changed', rid, 'rabbitmq-server/0'):
        sim.endpoint('amqp').request_access('mistral', 'openstack')
    assert 'amqp.available' in sim.flags


def test_hosts_only_ready_units_prefer_hostname(sim, amqp):
    sim.change(amqp, 'rabbitmq-server/0', rabbit_answer('10.5.1.1'))
    sim.join(amqp, 'rabbitmq-server/1', {'private-address': '10.5.1.2'})
    sim.join(amqp, 'rabbitmq-server/2',
             {'private-address': '10.5.1.3', 'hostname': 'rmq-2.maas',
              'password': 's3cret-rabbit'})
    with sim.hook('update-status'):
        ep = sim.endpoint('amqp')
        assert ep.rabbitmq_ready_hosts() == ['10.5.1.1', 'rmq-2.maas']
        assert ep.rabbitmq_connected_hosts() == [
            '10.5.1.1', '10.5.1.2', '10.5.1.3']


def test_ssl_flag_and_decoded_ca(sim, amqp):
    data = dict(rabbit_answer('10.5.1.1'), ssl_port='5671', ssl_ca=CA_B64)
    sim.change(amqp, 'rabbitmq-server/0', data)
    assert {'amqp.available', 'amqp.available.ssl'} <= sim.flags
    with sim.hook('update-status'):
        ep = sim.endpoint('amqp')
        assert ep.ssl_port() == '5671'
        assert ep.ssl_ca() == CA_B64
        assert ep.get_ssl_cert() == CA_PEM
        assert ep.ssl_data_complete()


def test_ssl_port_alone_is_ssl(sim, amqp):
    # rabbitmq-server with its own ssl_cert/ssl_key and no ssl_ca
    data = dict(rabbit_answer('10.5.1.1'), ssl_port='5671')
    sim.change(amqp, 'rabbitmq-server/0', data)
    assert {'amqp.available', 'amqp.available.ssl'} <= sim.flags
    with sim.hook('update-status'):
        ep = sim.endpoint('amqp')
        assert ep.ssl_data_complete()
        assert ep.ssl_ca() is None and ep.get_ssl_cert() is None


def test_ssl_port_blanked_is_not_ssl(sim, amqp):
    # ssl=off again: reconfigure_client_ssl blanks ssl_port and ssl_ca
    sim.change(amqp, 'rabbitmq-server/0', dict(
        rabbit_answer('10.5.1.1'), ssl_port='5671', ssl_ca=CA_B64))
    sim.change(amqp, 'rabbitmq-server/0', {'ssl_port': '', 'ssl_ca': ''})
    assert 'amqp.available' in sim.flags
    assert 'amqp.available.ssl' not in sim.flags


def test_garbage_ca_is_not_decoded(sim, amqp):
    # TLS still (the AMQP adapter names the bad ssl_ca), never a CA file
    data = dict(rabbit_answer('10.5.1.1'), ssl_port='5671',
                ssl_ca='%%% not base64 %%%')
    sim.change(amqp, 'rabbitmq-server/0', data)
    assert {'amqp.available', 'amqp.available.ssl'} <= sim.flags
    with sim.hook('update-status'):
        assert sim.endpoint('amqp').get_ssl_cert() is None


def test_ca_with_line_breaks_decoded(sim, amqp):
    wrapped = CA_B64[:40] + '\n' + CA_B64[40:] + '\n'
    sim.change(amqp, 'rabbitmq-server/0', dict(
        rabbit_answer('10.5.1.1'), ssl_port='5671', ssl_ca=wrapped))
    with sim.hook('update-status'):
        assert sim.endpoint('amqp').get_ssl_cert() == CA_PEM


@pytest.mark.parametrize('password', ['', '   '])
def test_empty_password_is_not_available(sim, amqp, password):
    sim.change(amqp, 'rabbitmq-server/0',
               {'private-address': '10.5.1.1', 'password': password})
    assert 'amqp.available' not in sim.flags


def test_password_withdrawn_clears_available(sim, amqp):
    sim.change(amqp, 'rabbitmq-server/0', rabbit_answer('10.5.1.1'))
    sim.change(amqp, 'rabbitmq-server/0', {'password': None})
    assert 'amqp.available' not in sim.flags
    assert 'amqp.connected' in sim.flags


def test_departed_and_broken_clear_flags(sim, amqp):
    sim.change(amqp, 'rabbitmq-server/0', rabbit_answer('10.5.1.1'))
    sim.join(amqp, 'rabbitmq-server/1', rabbit_answer('10.5.1.2', 'pw1'))
    sim.depart(amqp, 'rabbitmq-server/0')
    assert {'amqp.connected', 'amqp.available'} <= sim.flags
    with sim.hook('update-status'):
        assert sim.endpoint('amqp').rabbitmq_ready_hosts() == ['10.5.1.2']
    sim.break_relation(amqp)
    assert not {f for f in sim.flags if f.startswith('amqp.')}


def test_password_never_logged(sim, amqp):
    sim.change(amqp, 'rabbitmq-server/0', rabbit_answer('10.5.1.1'))
    assert 's3cret-rabbit' not in sim.logged()
