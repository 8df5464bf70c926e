"""The mistral-dashboard charm: its handlers on the real charms.reactive
bus and the dashboard-plugin interface (RelationSim), with dpkg, apt
and systemctl replaced by a record of what the unit has."""

import importlib.util
import json
import os
import sys

import pytest
from charmhelpers.core import hookenv
from charms.reactive import bus

from unit_tests.relation_sim import REPO, RelationSim, make_charm_dir

DASHBOARD = os.path.join(REPO, 'dashboard', 'src')
if os.path.join(DASHBOARD, 'lib') not in sys.path:
    sys.path.insert(0, os.path.join(DASHBOARD, 'lib'))

from mistral_dashboard import plugin, release  # noqa: E402

HORIZON = {'release': 'zed', 'bin_path': '/usr/bin',
           'openstack_dir': '/usr/share/openstack-dashboard'}
_CHARM_DIR = []


class Machine:
    """What dpkg, apt and systemd of the unit's machine hold."""

    def __init__(self, candidate='15.0.0-2'):
        self.candidate = candidate
        self.installed = None
        self.commands = []

    def install(self, packages, fatal=False):
        assert packages == [plugin.PACKAGE]
        self.commands.append(['install'] + packages)
        self.installed = self.candidate

    def purge(self, packages, fatal=False):
        self.commands.append(['purge'] + packages)
        self.installed = None

    def run(self, command, **kwargs):
        self.commands.append(command)

        class Done:
            returncode = 0
        return Done()


@pytest.fixture
def unit(tmp_path, monkeypatch):
    if not _CHARM_DIR:     # one per process: interfaces import once
        _CHARM_DIR.append(make_charm_dir(
            str(tmp_path.parent / 'mistral-dashboard-charm'),
            metadata=os.path.join(DASHBOARD, 'metadata.yaml')))
    machine = Machine()
    monkeypatch.setattr(plugin, 'installed_version',
                        lambda: machine.installed)
    monkeypatch.setattr(plugin, 'candidate_version',
                        lambda: machine.candidate)
    monkeypatch.setattr(plugin.fetch, 'apt_install', machine.install)
    monkeypatch.setattr(plugin.fetch, 'apt_purge', machine.purge)
    monkeypatch.setattr(plugin.subprocess, 'run', machine.run)
    enabled = tmp_path / 'enabled'
    enabled.mkdir()
    monkeypatch.setattr(plugin, 'ENABLED_DIR', str(enabled))
    os.makedirs(str(tmp_path / 'state'))
    sim = RelationSim(str(tmp_path / 'state'),
                      local_unit='mistral-dashboard/0',
                      charm_dir=_CHARM_DIR[0])
    bus.Handler.clear()
    spec = importlib.util.spec_from_file_location(
        'mistral_dashboard_handlers', os.path.join(
            DASHBOARD, 'reactive', 'mistral_dashboard_handlers.py'))
    handlers = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(handlers)
    sim.machine = machine
    sim.handlers = handlers
    yield sim
    bus.Handler.clear()
    sim.close()


def run(unit, hook, rid=None, remote=None):
    with unit.hook(hook, rid, remote):
        hookenv.atexit(unit.handlers._assess_status)


def relate(unit, data=HORIZON):
    rid = unit.relate('dashboard', 'openstack-dashboard')
    unit.join(rid, 'openstack-dashboard/0', dict(data))
    run(unit, 'dashboard-relation-changed', rid, 'openstack-dashboard/0')
    return rid


def published(unit, rid):
    return {key: json.loads(value) for key, value in
            unit.local_data(rid).items() if key in (
                'local-settings', 'priority', 'install-packages',
                'conflicting-packages')}


def test_a_suitable_package_is_installed_and_asked_of_horizon(unit):
    rid = relate(unit)
    assert unit.machine.commands == [['install', plugin.PACKAGE]]
    sent = published(unit, rid)
    assert sent == {
        'install-packages': [plugin.PACKAGE], 'conflicting-packages': [],
        'priority': None, 'local-settings': (
            '# Workflow (Mistral) dashboard: python3-mistral-dashboard '
            '15.0.0, enabled by its package')}
    # the principal json.loads each key; lists, never null
    for key in ('install-packages', 'conflicting-packages'):
        assert unit.local_data(rid)[key].startswith('[')
    assert unit.statuses[-1] == ('active', 'Unit is ready')
    assert ('version', '15.0.0') in unit.statuses


def test_nothing_happens_again_on_a_hook_that_changes_nothing(unit):
    rid = relate(unit)
    before = dict(unit.local_data(rid))
    run(unit, 'update-status')
    run(unit, 'dashboard-relation-changed', rid, 'openstack-dashboard/0')
    assert unit.machine.commands == [['install', plugin.PACKAGE]]
    assert unit.local_data(rid) == before


@pytest.mark.parametrize('horizon, package, why', [
    ('yoga', '15.0.0-2', "python3-mistral-dashboard 15.0.0 is for zed, "
     "newer than Horizon's yoga: upgrade openstack-dashboard first"),
    ('caracal', '1:19.0.0-0ubuntu1~cloud0', "python3-mistral-dashboard "
     "19.0.0 is for dalmatian, newer than Horizon's caracal"),
    ('zed', None, "python3-mistral-dashboard: apt finds no version"),
    ('zed', '9.0.0-1', '9.0.0 is not a mistral-dashboard version'),
    ('zed\n[DEFAULT]', '15.0.0-2', "release 'zed\\n[DEFAULT]' is not an "
     "OpenStack release"),
])
def test_a_package_that_does_not_suit_horizon_is_blocked_untouched(
        unit, horizon, package, why):
    unit.machine.candidate = package
    rid = relate(unit, dict(HORIZON, release=horizon))
    status, message = unit.statuses[-1]
    assert status == 'blocked'
    assert message.startswith("'dashboard': ")
    assert why in message
    assert unit.machine.commands == []
    assert published(unit, rid) == {}


def test_an_older_package_suits_a_newer_horizon(unit):
    # Ubuntu's archive: Xena's 13.0.0 on jammy, next to yoga's Horizon
    unit.machine.candidate = '13.0.0-1'
    relate(unit, dict(HORIZON, release='yoga'))
    assert unit.statuses[-1] == ('active', 'Unit is ready')


def test_it_waits_for_horizons_release_and_refuses_non_text(unit):
    rid = unit.relate('dashboard', 'openstack-dashboard')
    unit.join(rid, 'openstack-dashboard/0', {'bin_path': '/usr/bin'})
    run(unit, 'dashboard-relation-changed', rid, 'openstack-dashboard/0')
    assert unit.statuses[-1] == (
        'waiting', "Waiting for openstack-dashboard's release on "
        "'dashboard'")
    assert 'dashboard.available' not in unit.flags
    # Juju's data is text: a value of another type is refused by name
    unit.relations[rid].units['openstack-dashboard/0'].update(
        dict(HORIZON, release=15))
    run(unit, 'dashboard-relation-changed', rid, 'openstack-dashboard/0')
    assert unit.statuses[-1] == (
        'blocked', "Invalid relation data: 'dashboard': release: must be "
        "text, not int")
    assert unit.machine.commands == []


def test_removal_purges_and_reloads_apache2_only(unit):
    relate(unit)
    del unit.machine.commands[:]
    run(unit, 'stop')
    # dpkg would take Horizon's enabled directory with the package's file
    assert os.path.isfile(os.path.join(plugin.ENABLED_DIR,
                                       plugin.KEEP_FILE))
    assert unit.machine.commands == [
        ['purge', plugin.PACKAGE],
        ['systemctl', 'is-active', '--quiet', 'apache2'],
        ['systemctl', 'reload', 'apache2']]
    assert unit.machine.installed is None


def test_releases_order_and_package_versions():
    assert release.RELEASES.index('zed') < release.RELEASES.index(
        'antelope')
    assert release.made_for('15.0.0-2') == 'zed'
    assert release.made_for('1:18.0.0-0ubuntu1~cloud0') == 'caracal'
    assert release.made_for('13.0.0-1') == 'xena'
    assert release.made_for('not a version') is None
    assert release.upstream('1:18.0.0-0ubuntu1~cloud0') == '18.0.0'


def test_removal_writes_nothing_through_a_link(unit, tmp_path):
    relate(unit)
    elsewhere = tmp_path / 'elsewhere'
    elsewhere.mkdir()
    os.rmdir(plugin.ENABLED_DIR)
    os.symlink(str(elsewhere), plugin.ENABLED_DIR)
    run(unit, 'stop')
    assert os.listdir(str(elsewhere)) == []
