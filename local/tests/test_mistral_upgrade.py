"""OpenStack release upgrades for real, on the three units the fault
stories leave: to Mistral "antelope" and then "bobcat", the installed
packages re-packed with their versions and a schema change each
(local/upgrade_repo.py), served from flat apt repositories that
openstack-origin names.

In order: origins that skip a release or go back are refused before apt;
a repository missing a package fails the action and the old release
serves on; the operator's rolling upgrade to antelope, unit by unit with
the action, while a load through the VIP goes on; then bobcat on every
unit at once from config-changed; then a bobcat point release through
package-upgrade. They change the units' packages (each unit's machine
has its own disk), so they run last.
"""

import json
import shutil
import tempfile

import pytest

from local import figures, upgrade_repo
from local.mistral_user import (
    Mistral, create_workflows, delete_cron_trigger_if_any, wait_answering)
from local.providers.mariadb import mysql
from local.tests.mistral_site import (
    PORT, READY, SHARED, Load, check_once_a_minute, created, cron_figures,
    fan_out, new_executions, record, record_cron, report, vip_client,
    wait_all_ready, wait_until)

pytestmark = pytest.mark.needs_root
ZED = upgrade_repo.installed_version('mistral-common')
CRON = 'upgrade-every-minute'


@pytest.fixture(scope='module')
def repo_root():
    """Where the repositories are made, served over HTTP on the bridge."""
    root = tempfile.mkdtemp(prefix='mistral-upgrade-repos-', dir='/var/tmp')
    server = upgrade_repo.Server(root)
    yield root
    server.close()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope='module')
def repos(repo_root):
    return {'antelope': upgrade_repo.build(repo_root, 'antelope'),
            'broken': upgrade_repo.build(repo_root, 'antelope',
                                         without=('mistral-api',)),
            'bobcat': upgrade_repo.build(repo_root, 'bobcat')}


def versions(deployment):
    return {unit: deployment.inside('dpkg-query', '-W', '-f', '${Version}',
                                    'mistral-common', unit=unit).stdout
            for unit in deployment.units()}


def test_origins_that_skip_or_go_back_are_refused_before_apt(
        ha_deployment, repos):
    pids = {unit: ha_deployment.pids(unit=unit)
            for unit in ha_deployment.units()}
    for origin, reason in (
            (repos['bobcat'], 'bobcat skips antelope: upgrade one release '
                              'at a time'),
            ('deb [trusted=yes] file:/srv/mistral-yoga ./',
             'yoga is older than the installed zed: OpenStack is never '
             'downgraded')):
        ha_deployment.config(openstack_origin=origin)
        for unit in ha_deployment.units():
            assert ha_deployment.workload(unit) == (
                'blocked', 'Invalid config: openstack-origin: ' + reason)
    assert set(versions(ha_deployment).values()) == {ZED}
    assert {unit: ha_deployment.pids(unit=unit)
            for unit in ha_deployment.units()} == pids
    ha_deployment.reset('openstack-origin')
    wait_all_ready(ha_deployment)


def test_a_broken_repository_fails_the_action_the_old_release_serves(
        ha_deployment, api, repos):
    ha_deployment.config(action_managed_upgrade='true',
                         openstack_origin=repos['broken'])
    unit = ha_deployment.units()[-1]
    assert ha_deployment.workload(unit) == (
        'active', 'Unit is ready (openstack-upgrade to antelope available)')
    running = {name for name, pid in ha_deployment.pids(unit=unit).items()
               if pid}
    result = ha_deployment.controller.run_action(unit, 'openstack-upgrade', [])
    reason = 'Unable to correct problems, you have held broken packages.'
    assert result['status'] == 'failed'
    assert result['message'] == 'upgrade to antelope failed: ' + reason
    assert ha_deployment.workload(unit) == (
        'blocked', 'Upgrade to antelope failed: {} (still running zed)'
        .format(reason))
    # nothing moved: the old packages, every service up and answering
    assert versions(ha_deployment)[unit] == ZED
    assert {name for name, pid in ha_deployment.pids(unit=unit).items()
            if pid} == running
    wait_answering(Mistral('{}://{}:{}/v2'.format(
        api.url.split(':')[0], ha_deployment.address(unit), PORT),
        api.token), 30)


def schema_has(release):
    """Whether the database has the column the release's migration
    adds."""
    return mysql("SHOW COLUMNS FROM mistral.workflow_executions_v2 LIKE "
                 "'{}'".format(upgrade_repo.column_of(release))) != ''


def test_a_rolling_upgrade_serves_through_the_vip_and_migrates_once(
        ha_deployment, api, repos):
    """The Charmed OpenStack Upgrader's sequence: set the origin, then
    unit by unit, the leader first (it migrates the schema): pause its
    hacluster (the VIP leaves it), pause it, openstack-upgrade, resume
    both."""
    ha_deployment.config(action_managed_upgrade='true',
                         openstack_origin=repos['antelope'])
    for unit in ha_deployment.units():
        assert ha_deployment.workload(unit) == (
            'active', 'Unit is ready (openstack-upgrade to antelope '
            'available)')
    before, kept = ha_deployment.migrations(), fan_out(api)
    # a cron trigger fires once a minute all along
    create_workflows(api, SHARED.CRON_DEFINITION)
    delete_cron_trigger_if_any(api, CRON)
    cron_before = {e['id'] for e in api.executions(
        workflow_name=SHARED.CRON_WORKFLOW, limit=1000)}
    api.create_cron_trigger({
        'name': CRON, 'workflow_name': SHARED.CRON_WORKFLOW,
        'pattern': SHARED.CRON_PATTERN})
    leader = ha_deployment.leader()
    order = [leader] + [unit for unit in ha_deployment.units()
                        if unit != leader]
    took = []
    with Load(vip_client(ha_deployment, api.url.split(':')[0])) as load:
        for unit in order:
            ha_deployment.hacluster_standby(unit, True)
            wait_until(lambda: ha_deployment.vip_holder() not in (None, unit),
                       'the VIP left ' + unit, 10, interval=0.2)
            ha_deployment.controller.run_action(unit, 'pause', [])
            result = ha_deployment.controller.run_action(
                unit, 'openstack-upgrade', [])
            assert result['status'] == 'completed', result.get('message')
            assert (result['results']['from'],
                    result['results']['to']) == ('zed', 'antelope')
            took.append(float(result['results']['seconds']))
            ha_deployment.controller.run_action(unit, 'resume', [])
            assert ha_deployment.wait_ready(unit=unit) == READY
            ha_deployment.hacluster_standby(unit, False)
            if unit == leader:
                # the new schema is in; the others serve on with zed
                assert schema_has('antelope')
                assert set(versions(ha_deployment).values()) == {
                    ZED, upgrade_repo.version_of('antelope')}
                fan_out(api)
    fired = wait_until(
        lambda: len(new_executions(api, SHARED.CRON_WORKFLOW,
                                   cron_before)) >= 2 and
        new_executions(api, SHARED.CRON_WORKFLOW, cron_before),
        'two cron periods', 150)
    delete_cron_trigger_if_any(api, CRON)
    sent, succeeded, _ = report(
        'rolling upgrade zed -> antelope, {} (action {} s each)'.format(
            ' '.join(order), ' '.join('{:.0f}'.format(t) for t in took)),
        load)
    times = [created(e) for e in fired]
    record('cron executions through the rolling upgrade: ' +
           cron_figures(times))
    record_cron(times)
    figures.record({'openstack-upgrade seconds per unit': ' '.join(
        '{:.0f}'.format(t) for t in took)})
    assert succeeded >= 0.99 * sent
    check_once_a_minute(times, least=2)
    assert set(versions(ha_deployment).values()) == {
        upgrade_repo.version_of('antelope')}
    assert ha_deployment.migrations() == before + 1      # the leader's, once
    old = api.execution(kept)     # from before, readable with its output
    assert json.loads(old['output']) == SHARED.FAN_OUT_OUTPUT
    fan_out(api)


def test_without_action_managed_upgrade_config_changed_upgrades_all(
        ha_deployment, api, repos):
    """Every unit at once: the leader migrates, the others wait for it
    before they start the new code; what ran before stays readable."""
    before, kept = ha_deployment.migrations(), fan_out(api)
    ha_deployment.config(action_managed_upgrade='false',
                         openstack_origin=repos['bobcat'])
    wait_all_ready(ha_deployment)
    assert set(versions(ha_deployment).values()) == {
        upgrade_repo.version_of('bobcat')}
    assert ha_deployment.migrations() == before + 1
    assert schema_has('bobcat')
    record('config-changed upgrade antelope -> bobcat on {} units: one '
           'migration'.format(len(ha_deployment.units())))
    figures.record({'units upgraded': len(ha_deployment.units()),
                    'migrations': ha_deployment.migrations() - before})
    old = api.execution(kept)     # from before, readable with its output
    assert json.loads(old['output']) == SHARED.FAN_OUT_OUTPUT
    fan_out(api)


def test_package_upgrade_takes_a_point_release_and_migrates_nothing(
        ha_deployment, api, repos, repo_root):
    """Within bobcat: nothing newer restarts nothing; a point release in
    the origin's repository is installed, the daemons restart on it, and
    the schema stays."""
    unit = [u for u in ha_deployment.units() if u != ha_deployment.leader()][0]
    before, pids = ha_deployment.migrations(), ha_deployment.pids(unit=unit)
    idle = ha_deployment.controller.run_action(unit, 'package-upgrade', [])
    assert idle['status'] == 'completed', idle.get('message')
    assert idle['results']['outcome'] == 'nothing newer in bobcat'
    assert ha_deployment.pids(unit=unit) == pids
    upgrade_repo.build(repo_root, 'bobcat', point=1)
    result = ha_deployment.controller.run_action(unit, 'package-upgrade', [])
    assert result['status'] == 'completed', result.get('message')
    assert result['results']['outcome'] == (
        'upgraded: mistral-api mistral-engine mistral-event-engine '
        'mistral-executor')
    assert versions(ha_deployment)[unit] == upgrade_repo.version_of(
        'bobcat', 1)
    assert ha_deployment.wait_ready(unit=unit) == READY
    restarted = ha_deployment.pids(unit=unit)
    for name, pid in pids.items():
        if pid and name != 'haproxy':
            assert restarted[name] not in (None, pid), name
    assert restarted['haproxy'] == pids['haproxy']
    assert ha_deployment.migrations() == before
    record('package-upgrade bobcat {} -> {} on {}: daemons restarted, no '
           'migration'.format(upgrade_repo.version_of('bobcat'),
                              upgrade_repo.version_of('bobcat', 1), unit))
    fan_out(api)
