"""What openstack-origin asks of the installed release, and what the
charm does about it: the decision table, then each row through a hook
or the openstack-upgrade action (apt faked: unit.offered is what the
archive holds, unit.apt_error what apt says)."""

import os

import pytest

from openstack_base import apt, upgrades
from openstack_base.instance import forget_charm_instance


def origin(release):
    """A raw apt line naming a release, as a local mirror's would."""
    return 'deb [trusted=yes] file:/srv/mistral-{} ./'.format(release)


@pytest.mark.parametrize('installed, target, refused', [
    ('zed', 'zed', None),
    ('zed', 'antelope', None),
    ('zed', None, None),                    # a line naming no release
    ('zed', 'yoga', 'yoga is older than the installed zed: OpenStack is '
                    'never downgraded'),
    ('zed', 'caracal', 'caracal skips antelope, bobcat: upgrade one '
                       'release at a time'),
])
def test_one_release_at_a_time_and_never_back(installed, target, refused):
    assert upgrades.refusal(installed, target) == refused


def test_without_action_management_config_changed_upgrades(unit):
    unit.relate_all()
    unit.charm().converge()
    unit.offered = 'antelope'
    before = len(unit.sync_calls)
    forget_charm_instance()
    upgraded = unit.charm(**{'openstack-origin': origin('antelope')})
    upgraded.converge()
    assert unit.upgrades and unit.landed == 'antelope'
    # packages' scripts started nothing meanwhile, and may again after
    assert unit.starts_forbidden and not os.path.exists(apt.POLICY_RC_D)
    # the leader migrated to the new release once
    assert len(unit.sync_calls) == before + 2
    assert unit.juju.leader_data['db-migrated-release'] == 'antelope'


def test_with_action_management_the_status_says_an_upgrade_waits(unit):
    unit.relate_all()
    unit.charm().converge()
    unit.offered = 'antelope'
    charm = unit.charm(**{'openstack-origin': origin('antelope'),
                          'action-managed-upgrade': True})
    charm.converge()
    assert unit.upgrades == [] and unit.landed == 'zed'
    assert charm.workload_status() == (
        'active', 'Unit is ready (openstack-upgrade to antelope available)')


@pytest.mark.parametrize('release, reason', [
    ('yoga', 'yoga is older than the installed zed'),
    ('caracal', 'caracal skips antelope, bobcat'),
])
def test_backwards_or_skipping_is_blocked_before_apt(unit, release, reason):
    unit.relate_all()
    unit.charm().converge()
    unit.init.forget()
    before = len(unit.apt_calls)
    charm = unit.charm(**{'openstack-origin': origin(release)})
    charm.converge()
    assert len(unit.apt_calls) == before and unit.init.calls == []
    state, message = charm.workload_status()
    assert state == 'blocked'
    assert message.startswith('Invalid config: openstack-origin: ' + reason)


def test_the_action_upgrades_and_says_from_what_to_what(action, unit):
    unit.juju.config.update({'action-managed-upgrade': True,
                             'openstack-origin': origin('antelope')})
    unit.offered = 'antelope'
    result = action('openstack-upgrade')
    assert result['fail'] is None
    assert (result['set']['from'], result['set']['to']) == ('zed',
                                                            'antelope')
    assert unit.juju.status == ('active', 'Unit is ready')
    assert action('openstack-upgrade')['set']['outcome'] == \
        'no upgrade available: already at antelope'


def test_a_failed_upgrade_blocks_and_the_old_release_serves_on(
        action, unit):
    unit.juju.config.update({'action-managed-upgrade': True,
                             'openstack-origin': origin('antelope')})
    unit.apt_error = 'Unable to correct problems, you have held broken ' \
        'packages.'
    result = action('openstack-upgrade')
    assert result['fail'] == (
        'upgrade to antelope failed: Unable to correct problems, you have '
        'held broken packages.')
    assert unit.juju.status == (
        'blocked', 'Upgrade to antelope failed: Unable to correct problems,'
        ' you have held broken packages. (still running zed)')
    assert 'mistral-api' in unit.init.running and unit.landed == 'zed'
    # it stays blocked until an upgrade succeeds...
    unit.apt_error = None
    action('restart-services')
    assert unit.juju.status[0] == 'blocked'
    # ... or the operator changes the origin (a fixed mirror, or back)
    unit.juju.config['openstack-origin'] = origin('antelope') + ' main'
    action('restart-services')
    assert unit.juju.status == (
        'active', 'Unit is ready (openstack-upgrade to antelope available)')


def test_an_archive_without_the_release_fails_the_upgrade(action, unit):
    unit.juju.config.update({'action-managed-upgrade': True,
                             'openstack-origin': origin('antelope')})
    result = action('openstack-upgrade')        # unit.offered: nothing
    assert result['fail'] == ('upgrade to antelope failed: apt left '
                              'mistral-common at zed, not antelope')


def test_package_upgrade_restarts_only_when_the_payload_moved(action, unit):
    unit.init.forget()
    result = action('package-upgrade')
    assert result['set']['outcome'] == 'nothing newer in zed'
    assert unit.init.actions('restart') == []
    unit.newer = {'mistral-engine': '15.0.1-1'}
    result = action('package-upgrade')
    assert result['set']['outcome'] == 'upgraded: mistral-engine'
    assert 'mistral-engine' in unit.init.actions('restart')
    assert unit.landed == 'zed'


def test_package_upgrade_leaves_a_release_change_to_openstack_upgrade(
        action, unit):
    unit.juju.config.update({'action-managed-upgrade': True,
                             'openstack-origin': origin('antelope')})
    result = action('package-upgrade')
    assert result['fail'] == ("openstack-origin asks for antelope: that is "
                              "openstack-upgrade's work")
    assert unit.upgrades == []
