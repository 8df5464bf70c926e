"""What systemd does for the charm's services on a unit's machine, as on
every machine operators run the charm on: the charm's unit files override
the packages' own, a crashed daemon comes back by itself, a unit file
that drifted is put back and reloaded, a daemon the charm no longer wants
is gone from systemd, every daemon logs to the journal and its file, and
a machine that lost power serves again before any hook runs."""

import time

import pytest

from local import figures
from local.tests.mistral_site import (
    MISTRAL_SERVICES, READY, SERVICES, UNIT, wait_until)

pytestmark = pytest.mark.needs_root

PACKAGED = ('mistral-api', 'mistral-engine', 'mistral-executor',
            'mistral-event-engine')
MARKER = 'Managed by the mistral charm'


def hooks_run(deployment):
    with open(deployment.log_path()) as log:
        return log.read().count('running "')


def systemctl(deployment, *args, check=True):
    return deployment.inside('systemctl', *args, check=check).stdout


def test_the_charms_unit_files_override_the_packages(serving):
    for name in PACKAGED:
        assert serving.unit_property(name, 'FragmentPath') == \
            '/etc/systemd/system/{}.service'.format(name)
        shown = systemctl(serving, 'cat', name)
        assert MARKER in shown, name
        assert 'ExecStart=/usr/bin/mistral-server --server' in shown, name
        # the package's own unit is still there, overridden, not edited
        assert serving.inside('test', '-f', '/lib/systemd/system/{}.service'
                              .format(name), check=False).returncode == 0
    # Debian's API under uwsgi (the package's unit) does not run
    assert serving.inside('pgrep', '-x', 'uwsgi', check=False).stdout == ''
    for name in MISTRAL_SERVICES:
        assert systemctl(serving, 'is-enabled', name).strip() == 'enabled'
        assert serving.unit_property(name, 'NeedDaemonReload') == 'no'


def test_a_killed_daemon_comes_back_by_itself(serving):
    name = 'mistral-executor'
    restarts = int(serving.unit_property(name, 'NRestarts'))
    pid = serving.pid(name)
    hooks = hooks_run(serving)
    killed = time.monotonic()
    systemctl(serving, 'kill', '--signal=KILL', name)
    wait_until(lambda: serving.pid(name) not in (None, pid) and
               serving.unit_property(name, 'ActiveState') == 'active',
               name + ' back', timeout=30, interval=0.2)
    back = time.monotonic() - killed
    assert int(serving.unit_property(name, 'NRestarts')) == restarts + 1
    assert hooks_run(serving) == hooks        # no hook did it
    figures.record({'killed daemon active again after (s)': round(back, 1)})
    serving.hook('update-status')
    assert serving.workload() == READY


def test_a_drifted_unit_file_is_put_back_and_reloaded(serving):
    path = '/etc/systemd/system/mistral-engine.service'
    before = serving.pids()
    serving.inside('sed', '-i', 's/^RestartSec=5$/RestartSec=9/', path)
    systemctl(serving, 'daemon-reload')
    assert serving.unit_property('mistral-engine', 'RestartUSec') == '9s'
    assert serving.hook('config-changed')
    assert serving.unit_property('mistral-engine', 'RestartUSec') == '5s'
    assert 'RestartSec=5\n' in serving.inside('cat', path).stdout
    for name in MISTRAL_SERVICES:
        assert serving.unit_property(name, 'NeedDaemonReload') == 'no'
    after = serving.pids()
    # its definition changed: restarted; nothing else was
    assert after['mistral-engine'] not in (None, before['mistral-engine'])
    assert {n: p for n, p in after.items() if n != 'mistral-engine'} == \
        {n: p for n, p in before.items() if n != 'mistral-engine'}
    assert serving.wait_ready(timeout=120) == READY


def test_a_daemon_no_longer_wanted_is_gone_from_systemd(serving):
    # one engine on two cores instead of two: mistral-engine-2 goes
    serving.config(worker_multiplier=0.5)
    try:
        assert serving.wait_ready(timeout=120) == READY
        listed = systemctl(serving, 'list-units', '--all', '--no-legend',
                           'mistral-*')
        files = systemctl(serving, 'list-unit-files', '--no-legend',
                          'mistral-*', check=False)
        assert 'mistral-engine-2' not in listed + files
        assert 'mistral-engine.service' in listed
        assert serving.inside('test', '-e', '/etc/systemd/system/'
                              'mistral-engine-2.service',
                              check=False).returncode != 0
    finally:
        serving.reset('worker-multiplier')
    assert serving.wait_ready(timeout=120) == READY
    assert systemctl(serving, 'is-enabled', 'mistral-engine-2').strip() == \
        'enabled'
    assert serving.pid('mistral-engine-2')


def test_every_daemon_logs_to_the_journal_and_its_file(serving):
    for name in MISTRAL_SERVICES:
        journal = serving.inside('journalctl', '-u', name, '-b', '-o', 'cat',
                                 '--no-pager').stdout
        logged = [line for line in journal.splitlines()
                  if line.startswith('INFO ')]
        assert logged, name
        # the same record, in the daemon's own file too
        message = logged[-1].split(' [-] ', 1)[-1]
        log_file = serving.inside('cat', '/var/log/mistral/{}.log'
                                  .format(name)).stdout
        assert message in log_file, name


def test_a_machine_that_lost_power_serves_before_any_hook(serving):
    controller = serving.controller
    hooks = hooks_run(serving)
    controller.kill_unit(UNIT, wait=False)
    assert serving.machine().system_state() == 'off'
    booted = time.monotonic()
    controller.revive_unit(UNIT, run_hooks=False)
    for name in SERVICES + ('memcached',):
        assert systemctl(serving, 'is-enabled', name).strip() == 'enabled'
    wait_until(lambda: all(serving.pid(name) for name in SERVICES),
               'every service running', timeout=120, interval=1)
    serving.wait_serving(timeout=120)
    serving_after = time.monotonic() - booted
    assert hooks_run(serving) == hooks      # systemd did it, no hook
    boots = serving.inside('journalctl', '--list-boots', '--no-pager').stdout
    assert len(boots.strip().splitlines()) >= 3   # header, two boots
    figures.record({'API serving after the boot (s)':
                    round(serving_after, 1)})
    pids = serving.pids()
    controller.agent_back(UNIT)
    assert hooks_run(serving) > hooks
    assert serving.wait_ready(timeout=120) == READY
    assert serving.pids() == pids       # the hooks restarted nothing
