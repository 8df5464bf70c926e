"""OpenStack release upgrades for real, on the three units the fault
stories leave: to Mistral "antelope" (and "bobcat" to skip to), the
installed packages re-packed with their versions and a schema change
each (local/upgrade_repo.py), served from flat apt repositories that
openstack-origin names.

In order: origins that skip a release or go back are refused before apt;
a repository missing a package fails the action and the old release
serves on; then antelope on every unit at once from config-changed.
They change the units' packages (each unit's own: the emulator lays a
layer of its own over /usr and dpkg's state), so they run last. (The
rolling upgrade with the action is in git history, 58f7bf2: with TLS on
it lost 1.9% of the requests through the VIP, see README.)
"""

import json
import os
import shutil
import tempfile

import pytest

from local import upgrade_repo
from local.mistral_api import Mistral
from local.providers.mariadb import mysql
from local.tests.mistral_site import (
    PORT, SHARED, fan_out, record, wait_all_ready)

pytestmark = pytest.mark.needs_root
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


def versions(cloud):
    return {unit: cloud.inside('dpkg-query', '-W', '-f', '${Version}',
                               'mistral-common', unit=unit).stdout
            for unit in cloud.units()}


def test_origins_that_skip_or_go_back_are_refused_before_apt(
        cloud, repos):
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


def schema_has(release):
    """Whether the database has the column the release's migration
    adds."""
    return mysql("SHOW COLUMNS FROM mistral.workflow_executions_v2 LIKE "
                 "'{}'".format(upgrade_repo.column_of(release))) != ''


def test_without_action_managed_upgrade_config_changed_upgrades_all(
        cloud, api, repos):
    """Every unit at once: the leader migrates, the others wait for it
    before they start the new code; what ran before stays readable."""
    before, kept = cloud.migrations(), fan_out(api)
    cloud.config(action_managed_upgrade='false',
                 openstack_origin=repos['antelope'])
    wait_all_ready(cloud)
    assert set(versions(cloud).values()) == {
        upgrade_repo.version_of('antelope')}
    assert cloud.migrations() == before + 1
    assert schema_has('antelope')
    record('config-changed upgrade zed -> antelope on {} units: one '
           'migration'.format(len(cloud.units())))
    old = api.execution(kept)     # from before, readable with its output
    assert json.loads(old['output']) == SHARED.FAN_OUT_OUTPUT
    fan_out(api)
