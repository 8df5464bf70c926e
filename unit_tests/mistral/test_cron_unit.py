"""One unit runs the cron trigger process: the leader, or a peer while
the leader is paused; the choice lives in leader settings."""

import pytest

from charms.reactive import flags


@pytest.fixture
def cluster(unit):
    """mistral/0 (the leader) with peers mistral/1 and mistral/2."""
    rid = unit.juju.relate('cluster', 'mistral')
    for peer in ('mistral/1', 'mistral/2'):
        unit.juju.join(rid, peer, {'private-address': '10.0.0.1' +
                                   peer[-1]})
    unit.relate_all()
    flags.set_flag('cluster.connected')
    unit.charm().converge()
    return rid


def test_the_leader_runs_it(unit, cluster):
    assert unit.juju.leader_data['cron-trigger-unit'] == 'mistral/0'
    assert 'mistral-cron-trigger' in unit.init.running


def test_a_paused_leader_hands_it_to_a_peer_that_is_not_paused(
        unit, cluster):
    unit.juju.change(cluster, 'mistral/1', {'paused': 'true'})
    unit.charm().pause()
    assert unit.juju.leader_data['cron-trigger-unit'] == 'mistral/2'
    assert 'mistral-cron-trigger' not in unit.init.running
    assert unit.juju.local_data(cluster)['paused'] == 'true'
    unit.charm().resume()
    assert unit.juju.leader_data['cron-trigger-unit'] == 'mistral/0'
    assert 'mistral-cron-trigger' in unit.init.running
    assert unit.juju.local_data(cluster)['paused'] == 'false'


def test_a_follower_runs_it_when_the_leader_says_so(unit, cluster):
    unit.juju.leader = False
    unit.juju.leader_data['cron-trigger-unit'] = 'mistral/1'
    unit.charm().converge()
    assert 'mistral-cron-trigger' not in unit.init.running
    unit.juju.leader_data['cron-trigger-unit'] = 'mistral/0'
    unit.charm().converge()
    assert 'mistral-cron-trigger' in unit.init.running


def test_nobody_runs_it_when_every_unit_is_paused(unit, cluster):
    for peer in ('mistral/1', 'mistral/2'):
        unit.juju.change(cluster, peer, {'paused': 'true'})
    unit.charm().pause()
    assert unit.juju.leader_data['cron-trigger-unit'] == ''
