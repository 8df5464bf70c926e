"""cluster endpoint (interface openstack-ha, peers).

Peer data is what other units of this charm publish: Juju's
private-address plus the ``<type>-address`` keys set_address writes
(charm-interface-openstack-ha peers.py protocol).
"""

import pytest


@pytest.fixture
def cluster(sim):
    return sim.relate('cluster', 'mistral')


def test_alone_then_peers(sim, cluster):
    assert not {f for f in sim.flags if f.startswith('cluster.')}
    sim.join(cluster, 'mistral/1', {'internal-address': '10.6.0.11'},
             address='10.5.0.11')
    assert {'cluster.connected', 'cluster.available'} <= sim.flags
    with sim.hook('update-status'):
        ep = sim.endpoint('cluster')
        assert ep.ip_map() == [('mistral-1', '10.5.0.11')]
        assert ep.ip_map(address_key='internal-address') == [
            ('mistral-1', '10.6.0.11')]
        assert ep.ip_map(address_key='admin-address') == []
        assert ep.retrieve_remote('internal-address') == ['10.6.0.11']
        assert ep.peer_units() == ['mistral/1']


def test_set_address_and_send_all(sim, cluster):
    with sim.hook('cluster-relation-created', cluster):
        ep = sim.endpoint('cluster')
        ep.set_address('internal', '10.6.0.10')
        ep.send_all({'public-address': '10.7.0.10', 'x': 'y'})
    data = sim.local_data(cluster)
    assert data['internal-address'] == '10.6.0.10'
    assert data['public-address'] == '10.7.0.10'
    assert data['x'] == 'y'


def test_departed_peer_leaves_map_and_flags(sim, cluster):
    sim.join(cluster, 'mistral/1', address='10.5.0.11')
    sim.join(cluster, 'mistral/2', address='10.5.0.12')
    sim.depart(cluster, 'mistral/1')
    with sim.hook('update-status'):
        assert sim.endpoint('cluster').ip_map() == [('mistral-2',
                                                     '10.5.0.12')]
    sim.depart(cluster, 'mistral/2')
    assert not {f for f in sim.flags if f.startswith('cluster.')}
