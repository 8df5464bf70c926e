"""The common actions, run through their real entry point."""

from charms.reactive import flags

from openstack_base.state import PAUSED


def test_pause_then_resume(action, unit):
    result = action('pause')
    assert unit.init.running == set()
    assert flags.is_flag_set(PAUSED)
    assert unit.juju.status[0] == 'maintenance'
    assert result['fail'] is None
    action('resume')
    assert 'mistral-api' in unit.init.running
    assert unit.juju.status == ('active', 'Unit is ready')


def test_restart_services_restarts_all(action, unit):
    unit.init.forget()
    action('restart-services')
    assert 'haproxy' in unit.init.actions('restart')
    assert 'mistral-engine' in unit.init.actions('restart')


def test_upgrade_refused_without_action_managed_upgrade(action):
    result = action('openstack-upgrade')
    assert 'action-managed-upgrade is false' in result['fail']


def test_upgrade_when_nothing_newer(action, unit):
    unit.juju.config['action-managed-upgrade'] = True
    result = action('openstack-upgrade')
    assert result['set']['outcome'] == 'no upgrade available: already at zed'


def test_upgrade_moves_release_and_migrates(action, unit, monkeypatch):
    import openstack_base.instance as instance
    from charmhelpers.core import host
    monkeypatch.setattr(host, 'lsb_release',
                        lambda: {'DISTRIB_CODENAME': 'jammy'})
    releases = iter(['yoga', 'zed'])
    monkeypatch.setattr(instance, 'select_release',
                        lambda base: next(releases))
    unit.juju.config.update({'action-managed-upgrade': True,
                             'openstack-origin': 'cloud:jammy-zed'})
    migrations = len(unit.sync_calls)
    unit.juju.leader_data['db-migrated-release'] = 'yoga'
    unit.offered = 'zed'
    result = action('openstack-upgrade')
    assert result['set']['outcome'].startswith('upgraded from yoga to zed')
    assert (result['set']['from'], result['set']['to']) == ('yoga', 'zed')
    # the charm's config files stay as it wrote them; nothing is removed
    assert {'--no-remove', '--option=Dpkg::Options::=--force-confold'} <= \
        set(unit.upgrades[0])
    assert len(unit.sync_calls) == migrations + 2
    assert unit.juju.leader_data['db-migrated-release'] == 'zed'


def test_errors_fail_the_action_without_details(action, unit, monkeypatch):
    from openstack_base.charm import OpenStackCharm

    def broken(self):
        raise RuntimeError('secret-password in a traceback')
    monkeypatch.setattr(OpenStackCharm, 'pause', broken)
    result = action('pause')
    assert result['fail'] == 'pause failed: RuntimeError'
    assert 'secret' not in repr(unit.juju.logs)


def test_restart_services_restarts_only_those_named(action, unit):
    unit.init.forget()
    result = action('restart-services', services='haproxy mistral-engine')
    assert unit.init.actions('restart') == ['haproxy', 'mistral-engine']
    assert result['set']['outcome'] == \
        'services restarted: haproxy mistral-engine'


def test_restart_services_refuses_unknown_names(action, unit):
    unit.init.forget()
    result = action('restart-services', services='haproxy nova-api')
    assert result['fail'].startswith('unknown services: nova-api (this '
                                     'unit runs: mistral-api ')
    assert unit.init.calls == []


def test_security_checklist_reports_each_check(action, unit):
    result = action('security-checklist')
    checks = result['set']
    assert checks['debug-off'] == 'PASS'
    assert checks['config-files-not-world-readable'] == 'PASS'
    assert checks['api-uses-tls'].startswith('FAIL: no certificate')
    assert checks['keystone-over-tls'] == \
        'FAIL: no identity-service relation'
    assert result['fail'] == ('security checks failed: api-uses-tls, '
                              'keystone-over-tls')
    import os
    os.chmod(unit.conf, 0o644)
    unit.juju.config['debug'] = True
    checks = action('security-checklist')['set']
    assert checks['config-files-not-world-readable'] == \
        'FAIL: readable by others: ' + unit.conf
    assert checks['debug-off'] == 'FAIL: debug is true'
