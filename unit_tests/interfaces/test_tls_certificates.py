"""certificates endpoint (interface tls-certificates) against vault.

Remote data shaped as vault/easyrsa publish it through the
tls-certificates provides side: ``ca``, ``chain``, and for our unit
``mistral_0.server.cert``/``.server.key`` (first request) and
``mistral_0.processed_requests`` (JSON {cn: {cert, key}}).
"""

import json

import pytest

CA = '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n'


@pytest.fixture
def certs(sim):
    rid = sim.relate('certificates', 'vault')
    sim.join(rid, 'vault/0')
    return rid


def test_joined_is_available(sim, certs):
    assert 'certificates.available' in sim.flags
    assert 'certificates.ca.available' not in sim.flags


def test_requests_published(sim, certs):
    with sim.hook('certificates-relation-joined', certs, 'vault/0'):
        ep = sim.endpoint('certificates')
        ep.request_server_cert('10.5.0.10', ['10.5.0.10', 'mistral-0'])
        ep.request_server_cert('10.6.0.10', ['10.6.0.10'])
        ep.request_server_cert('10.5.0.10', ['10.5.0.10', 'mistral-0'])
    data = sim.local_data(certs)
    assert data['unit_name'] == 'mistral_0'
    assert data['common_name'] == '10.5.0.10'
    assert json.loads(data['sans']) == ['10.5.0.10', 'mistral-0']
    assert data['certificate_name']
    assert json.loads(data['cert_requests']) == {
        '10.6.0.10': {'sans': ['10.6.0.10']}}


def test_ca_and_certs_flags(sim, certs):
    with sim.hook('certificates-relation-joined', certs, 'vault/0'):
        ep = sim.endpoint('certificates')
        ep.request_server_cert('10.5.0.10', ['10.5.0.10'])
        ep.request_server_cert('10.6.0.10')
    processed = {'10.6.0.10': {'cert': 'C2', 'key': 'K2'}}
    sim.change(certs, 'vault/0', {
        'ca': CA, 'chain': 'CHAIN', 'mistral_0.server.cert': 'C1',
        'mistral_0.server.key': 'K1',
        'mistral_0.processed_requests': json.dumps(processed)})
    assert {'certificates.ca.available', 'certificates.ca.changed',
            'certificates.certs.available', 'certificates.certs.changed',
            'certificates.server.certs.available',
            'certificates.server.certs.changed'} <= sim.flags
    with sim.hook('update-status'):
        ep = sim.endpoint('certificates')
        assert (ep.root_ca_cert, ep.root_ca_chain) == (CA, 'CHAIN')
        by_cn = ep.server_certs_map
        assert sorted(by_cn) == ['10.5.0.10', '10.6.0.10']
        assert (by_cn['10.5.0.10'].cert, by_cn['10.5.0.10'].key) == (
            'C1', 'K1')
        assert by_cn['10.6.0.10'].cert_type == 'server'
        from charms.reactive import clear_flag
        clear_flag('certificates.ca.changed')
        clear_flag('certificates.server.certs.changed')
    sim.change(certs, 'vault/0', {'chain': 'CHAIN'})
    assert 'certificates.ca.changed' not in sim.flags
    assert 'certificates.server.certs.changed' not in sim.flags
    sim.change(certs, 'vault/0', {'ca': CA + 'renewed'})
    assert 'certificates.ca.changed' in sim.flags


@pytest.mark.parametrize('processed', [
    '{broken', '[]', '{"cn": "not a dict"}', '{"cn": {"cert": 1}}'])
def test_malformed_processed_requests_ignored(sim, certs, processed):
    sim.change(certs, 'vault/0', {
        'ca': CA, 'mistral_0.processed_requests': processed})
    assert 'certificates.ca.available' in sim.flags
    assert 'certificates.server.certs.available' not in sim.flags


def test_broken_clears_everything(sim, certs):
    sim.change(certs, 'vault/0', {'ca': CA})
    sim.break_relation(certs)
    assert not {f for f in sim.flags if f.startswith('certificates.')}
