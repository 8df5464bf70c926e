"""One unit runs the cron trigger process: the leader, or a peer while
the leader is paused; the choice lives in leader settings."""

import os

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
    unit.relate_all()   # that hook's dispatch cleared the flags it set
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


def test_resumed_after_a_hook_in_pause_it_has_its_files(unit, cluster):
    # A hook while paused (config-changed, openstack-upgrade) renders for
    # the daemons of a paused unit, without the cron trigger process: its
    # logging file goes. Resume brings the process back, and its file.
    unit.charm().pause()
    unit.charm().converge()
    charm = unit.charm()
    cron_log_conf = charm.logging_conf.format('mistral-cron-trigger')
    assert not os.path.exists(cron_log_conf)
    charm.resume()
    assert 'mistral-cron-trigger' in unit.init.running
    for name in unit.charm().daemon_names:      # what each one reads
        assert os.path.exists(charm.logging_conf.format(name)), name
