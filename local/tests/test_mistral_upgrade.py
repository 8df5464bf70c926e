"""OpenStack release upgrades for real, on the three units the fault
stories leave: to Mistral "antelope" and then "bobcat", the installed
packages re-packed with their versions and a schema change each
(local/upgrade_repo.py), served from flat apt repositories that
openstack-origin names.

In order: origins that skip a release or go back are refused before apt;
a repository missing a package fails the action and the old release
serves on; the action-managed rolling upgrade to antelope, a unit at a
time, with the API load through the VIP and a one-minute cron trigger;
then, not action-managed, config-changed takes every unit to bobcat.
These change the units' packages (each unit's own: the emulator lays a
layer of its own over /usr and dpkg's state), so they run last.
"""

import json
import os
import shutil
import tempfile
import time

import pytest

from local import upgrade_repo
from local.mistral_api import Mistral
from local.providers.mariadb import mysql
from local.tests.mistral_site import (
    HACLUSTER, PORT, Load, created, new_executions, record, report, vip_client,
    wait_all_ready, wait_until)
from local import workflows
from localjuju import pacemaker

pytestmark = pytest.mark.needs_root
SHARED = workflows.load()
ZED = upgrade_repo.installed_version('mistral-common')


@pytest.fixture(scope='module')
def repos():
    # apt reads a file: source as its _apt user: not under pytest's
    # root-only temporary directories
    root = tempfile.mkdtemp(prefix='mistral-upgrade-repos-', dir='/var/tmp')
    os.chmod(root, 0o755)
    yield {'antelope': upgrade_repo.build(root, 'antelope'),
           'broken': upgrade_repo.build(root, 'antelope',
                                        without=('mistral-api',)),
           'bobcat': upgrade_repo.build(root, 'bobcat')}
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope='module')
def before(cloud, api):
    """An execution finished before any upgrade: it must stay readable,
    output and all."""
    api.create_workflows(SHARED.FAN_OUT_DEFINITION)
    execution = api.run(SHARED.FAN_OUT_WORKFLOW, SHARED.FAN_OUT_INPUT)
    assert execution['state'] == 'SUCCESS'
    return execution


def versions(cloud):
    return {unit: cloud.inside('dpkg-query', '-W', '-f', '${Version}',
                               'mistral-common', unit=unit).stdout
            for unit in cloud.units()}


def schema():
    return mysql('SELECT version_num FROM mistral.alembic_version')


def migrations_to(cloud, release):
    return sum(open(os.path.join(cloud.model.root, 'units',
                                 unit.replace('/', '-'), 'unit.log')).read()
               .count('Migrating the database to ' + release)
               for unit in cloud.units())


def test_origins_that_skip_or_go_back_are_refused_before_apt(
        cloud, repos, before):
    pids = {unit: cloud.pids(unit=unit) for unit in cloud.units()}
    for origin, reason in (
            (repos['bobcat'], 'bobcat skips antelope: upgrade one release '
                              'at a time'),
            ('deb [trusted=yes] file:/srv/mistral-yoga ./',
             'yoga is older than the installed zed: OpenStack is never '
             'downgraded')):
        cloud.config(openstack_origin=origin)
        for unit in cloud.units():
            assert cloud.workload(unit) == (
                'blocked', 'Invalid config: openstack-origin: ' + reason)
    assert set(versions(cloud).values()) == {ZED}
    assert {unit: cloud.pids(unit=unit) for unit in cloud.units()} == pids
    cloud.reset('openstack-origin')
    wait_all_ready(cloud)


def test_a_broken_repository_fails_the_action_the_old_release_serves(
        cloud, api, repos):
    cloud.config(action_managed_upgrade='true',
                 openstack_origin=repos['broken'])
    unit = cloud.units()[-1]
    assert cloud.workload(unit) == (
        'active', 'Unit is ready (openstack-upgrade to antelope available)')
    running = {name for name, pid in cloud.pids(unit=unit).items() if pid}
    result = cloud.controller.run_action(unit, 'openstack-upgrade', [])
    reason = 'Unable to correct problems, you have held broken packages.'
    assert result['status'] == 'failed'
    assert result['message'] == 'upgrade to antelope failed: ' + reason
    assert cloud.workload(unit) == (
        'blocked', 'Upgrade to antelope failed: {} (still running zed)'
        .format(reason))
    # nothing moved: the old packages, every service up and answering
    assert versions(cloud)[unit] == ZED
    assert {name for name, pid in cloud.pids(unit=unit).items()
            if pid} == running
    Mistral('{}://{}:{}/v2'.format(api.url.split(':')[0],
                                   cloud.address(unit), PORT),
            api.token).wait_answering(30)


def roll(cloud, unit):
    """One unit's turn, as the Charmed OpenStack Upgrader takes it: its
    hacluster node in standby (the VIP leaves it), pause, upgrade,
    resume, back in the cluster."""
    cib = os.path.join(cloud.model.root, 'providers', HACLUSTER,
                       'cib.json')
    pacemaker.set_standby(cib, unit, True)
    try:
        wait_until(lambda: cloud.vip_holder() not in (None, unit),
                   'the VIP off ' + unit, 10)
        cloud.controller.run_action(unit, 'pause', [])
        result = cloud.controller.run_action(unit, 'openstack-upgrade', [])
        cloud.controller.run_action(unit, 'resume', [])
    finally:
        pacemaker.set_standby(cib, unit, False)
    assert result['status'] == 'completed', result
    assert cloud.wait_ready(unit=unit) == (
        'active', 'Unit is ready'), unit
    return result['results']


def test_a_rolling_upgrade_keeps_the_vip_serving_and_cron_on_time(
        cloud, api, repos):
    # the unit that failed stays blocked until its upgrade succeeds
    cloud.config(openstack_origin=repos['antelope'])   # still managed
    api.create_workflows(SHARED.CRON_DEFINITION)
    name = 'upgrade-every-minute'
    api.delete_cron_trigger(name)
    seen = {e['id'] for e in api.executions(SHARED.CRON_WORKFLOW)}
    api.create_cron_trigger(name, SHARED.CRON_WORKFLOW, SHARED.CRON_PATTERN)
    # the leader first: it migrates, the others serve on the new schema
    order = [cloud.leader()] + [u for u in cloud.units()
                                if u != cloud.leader()]
    outcomes = []
    try:
        with Load(vip_client(cloud, api.url.split(':')[0])) as load:
            for unit in order:
                outcomes.append(roll(cloud, unit))
                if unit == order[0]:
                    assert schema() == upgrade_repo.revision_of('antelope')
        fired = new_executions(api, SHARED.CRON_WORKFLOW, seen)
    finally:
        api.delete_cron_trigger(name)
    sent, succeeded, _ = report('rolling upgrade to antelope, {}'.format(
        ', '.join('{} {} s'.format(u, o['seconds'])
                  for u, o in zip(order, outcomes))), load)
    assert succeeded >= 0.99 * sent
    assert set(versions(cloud).values()) == {
        upgrade_repo.version_of('antelope')}
    assert migrations_to(cloud, 'antelope') == 1
    # one cron execution per minute the roll lasted: none missed, none
    # twice
    times = [created(e) for e in fired]
    record('cron executions during the roll: {} at {}'.format(
        len(times), [t.strftime('%H:%M:%S') for t in times]))
    gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:])]
    assert times and all(20 <= gap <= 90 for gap in gaps), gaps
    assert len(times) >= (load.ended - load.started) // 60 - 1


def test_config_changed_upgrades_every_unit_when_not_action_managed(
        cloud, api, repos, before):
    started = time.monotonic()
    cloud.config(action_managed_upgrade='false',
                 openstack_origin=repos['bobcat'])
    wait_all_ready(cloud)
    record('config-changed upgrade of 3 units to bobcat: {:.0f} s'.format(
        time.monotonic() - started))
    assert set(versions(cloud).values()) == {
        upgrade_repo.version_of('bobcat')}
    assert schema() == upgrade_repo.revision_of('bobcat')
    columns = mysql("SELECT column_name FROM information_schema.columns "
                    "WHERE table_schema = 'mistral' AND table_name = "
                    "'workflow_executions_v2' AND column_name LIKE "
                    "'upgraded_to_%' ORDER BY column_name").split()
    assert columns == [upgrade_repo.column_of(r)
                       for r in ('antelope', 'bobcat')]
    assert migrations_to(cloud, 'bobcat') == 1
    # what ran before is still there, and new work runs
    kept = api.execution(before['id'])
    assert kept['state'] == 'SUCCESS'
    assert json.loads(kept['output']) == before['output']
    execution = api.run(SHARED.FAN_OUT_WORKFLOW, SHARED.FAN_OUT_INPUT)
    assert execution['state'] == 'SUCCESS'
