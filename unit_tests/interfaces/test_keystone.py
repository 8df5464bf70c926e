"""identity-service endpoint (interface keystone).

Remote data shaped as openstack/charm-keystone writes it
(hooks/keystone_utils.py add_service_to_keystone: unit data, raw
strings, '__null__' entries filtered for non-peer relations, service
'mistral' -> service_type 'workflowv2'); keystone-k8s's application data
(which this client does not speak) as charms/keystone_k8s/v1/
identity_service.py set_identity_service_credentials writes it.
"""

import base64

import pytest

CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n'

KEYSTONE_UNIT_DATA = {
    'auth_host': '10.5.2.1', 'service_host': '10.5.2.1',
    'internal_host': '10.5.2.1', 'service_port': '5000',
    'internal_port': '5000', 'auth_port': '35357',
    'service_username': 'mistral', 'service_user_id': 'u1',
    'service_password': 'ks-s3cret', 'service_domain': 'service_domain',
    'service_domain_id': 'd1', 'service_tenant': 'services',
    'service_tenant_id': 't1', 'auth_protocol': 'http',
    'service_protocol': 'http', 'internal_protocol': 'http',
    'api_version': '3', 'admin_domain_id': 'ad1',
    'admin_project_id': 'ap1', 'admin_user_id': 'au1',
    'admin_role': 'Admin', 'created_roles': '',
    'service_type': 'workflowv2',
}


@pytest.fixture
def identity(sim):
    rid = sim.relate('identity-service', 'keystone')
    sim.join(rid, 'keystone/0')
    with sim.hook('identity-service-relation-joined', rid, 'keystone/0'):
        sim.endpoint('identity-service').register_endpoints(
            'mistral', 'RegionOne', 'http://10.5.0.100:8989/v2',
            'http://10.5.0.100:8989/v2', 'http://10.5.0.100:8989/v2',
            requested_roles=['member', 'reader'])
    return rid


def test_register_endpoints_publishes_exact_keys(sim, identity):
    data = sim.local_data(identity)
    assert {k: data[k] for k in ('service', 'region', 'public_url',
                                 'internal_url', 'admin_url',
                                 'requested_roles')} == {
        'service': 'mistral', 'region': 'RegionOne',
        'public_url': 'http://10.5.0.100:8989/v2',
        'internal_url': 'http://10.5.0.100:8989/v2',
        'admin_url': 'http://10.5.0.100:8989/v2',
        'requested_roles': 'member,reader'}
    assert 'add_role_to_admin' not in data
    assert sim.local_app_data(identity) == {}
    assert 'identity-service.connected' in sim.flags
    assert 'identity-service.available' not in sim.flags


def test_keystone_answer_makes_available(sim, identity):
    sim.change(identity, 'keystone/0', KEYSTONE_UNIT_DATA)
    assert {'identity-service.available',
            'identity-service.available.auth'} <= sim.flags
    assert 'identity-service.available.ssl' not in sim.flags
    with sim.hook('update-status'):
        ep = sim.endpoint('identity-service')
        assert (ep.service_host(), ep.service_port(), ep.auth_port(),
                ep.service_protocol(), ep.auth_protocol()) == (
            '10.5.2.1', '5000', '35357', 'http', 'http')
        assert (ep.service_tenant(), ep.service_username(),
                ep.service_password(), ep.service_tenant_id()) == (
            'services', 'mistral', 'ks-s3cret', 't1')
        assert (ep.service_domain(), ep.service_domain_id(),
                ep.api_version(), ep.admin_domain_id(),
                ep.service_type()) == (
            'service_domain', 'd1', '3', 'ad1', 'workflowv2')
        assert ep.ca_cert() is None


def test_ca_cert_decoded(sim, identity):
    data = dict(KEYSTONE_UNIT_DATA,
                ca_cert=base64.b64encode(CA_PEM.encode()).decode())
    sim.change(identity, 'keystone/0', data)
    with sim.hook('update-status'):
        assert sim.endpoint('identity-service').ca_cert() == CA_PEM


# Every key keystone-k8s writes; the credentials are in the Juju secret
# that service-credentials names.
KEYSTONE_K8S_APP_DATA = {
    'api-version': 'v3', 'auth-host': 'keystone.openstack.svc',
    'auth-port': '5000', 'auth-protocol': 'http',
    'internal-host': 'keystone.openstack.svc', 'internal-port': '5000',
    'internal-protocol': 'http', 'service-host': '10.20.21.10',
    'service-port': '80', 'service-protocol': 'http',
    'admin-domain-name': 'admin_domain', 'admin-domain-id': 'ad1',
    'admin-project-name': 'admin', 'admin-project-id': 'ap1',
    'admin-user-name': 'admin', 'admin-user-id': 'au1',
    'service-domain-name': 'service_domain', 'service-domain-id': 'sd1',
    'service-project-name': 'services', 'service-project-id': 'sp1',
    'service-user-id': 'su1',
    'internal-auth-url': 'http://keystone.openstack.svc:5000/v3',
    'admin-auth-url': 'http://keystone.openstack.svc:5000/v3',
    'public-auth-url': 'http://10.20.21.10/openstack-keystone/v3',
    'service-credentials': 'secret:cqbtq3fmp25c7a1lhv6g',
    'admin-role': 'admin', 'region': 'RegionOne',
}


def test_keystone_k8s_application_data_is_not_taken(sim, identity):
    # No user name nor password on the wire: nothing to authenticate
    # with, so the relation stays incomplete rather than half-used.
    sim.change(identity, 'keystone/0', {'private-address': '10.1.0.7'},
               app_data=KEYSTONE_K8S_APP_DATA)
    assert 'identity-service.connected' in sim.flags
    assert 'identity-service.available' not in sim.flags
    with sim.hook('update-status'):
        ep = sim.endpoint('identity-service')
        assert ep.service_host() is None and ep.service_password() is None


@pytest.mark.parametrize('key', ['service_password', 'auth_port',
                                 'service_tenant_id'])
@pytest.mark.parametrize('value', [None, '', '__null__'])
def test_missing_or_null_key_not_available(sim, identity, key, value):
    sim.change(identity, 'keystone/0', dict(KEYSTONE_UNIT_DATA,
                                            **{key: value}))
    assert 'identity-service.available' not in sim.flags
    assert 'identity-service.available.auth' not in sim.flags


def test_withdrawn_then_departed(sim, identity):
    sim.change(identity, 'keystone/0', KEYSTONE_UNIT_DATA)
    sim.change(identity, 'keystone/0', {'service_password': None})
    assert 'identity-service.available' not in sim.flags
    sim.change(identity, 'keystone/0', KEYSTONE_UNIT_DATA)
    sim.depart(identity, 'keystone/0')
    sim.break_relation(identity)
    assert not {f for f in sim.flags if f.startswith('identity-service.')}


def test_endpoint_checksums_tolerate_garbage(sim, identity):
    sim.change(identity, 'keystone/0',
               dict(KEYSTONE_UNIT_DATA, ep_changed='{not json'))
    with sim.hook('update-status'):
        assert sim.endpoint('identity-service').endpoint_checksums() == {}
    sim.change(identity, 'keystone/0', {'ep_changed': '{"nova": "abc"}'})
    with sim.hook('update-status'):
        assert sim.endpoint('identity-service').endpoint_checksums() == {
            'nova': 'abc'}


def test_password_not_logged(sim, identity):
    sim.change(identity, 'keystone/0', KEYSTONE_UNIT_DATA)
    assert 'ks-s3cret' not in sim.logged()


def test_a_new_non_leader_unit_reads_no_app_data_before_keystone_joins(
        tmp_path):
    # A unit added to a related application sees the relation (after
    # relation-created) before keystone's unit joins it: charms.reactive
    # then takes our own application for the remote one, whose data a
    # non-leader may not read.
    from relation_sim import RelationSim
    sim = RelationSim(tmp_path, local_unit='mistral/1', leader=False)
    try:
        rid = sim.relate('identity-service', 'keystone')
        with sim.hook('identity-service-relation-created', rid):
            assert sim.endpoint('identity-service').service_host() is None
        sim.join(rid, 'keystone/0')
        sim.change(rid, 'keystone/0', KEYSTONE_UNIT_DATA)
        with sim.hook('update-status'):
            assert sim.endpoint(
                'identity-service').service_host() == '10.5.2.1'
    finally:
        sim.close()
