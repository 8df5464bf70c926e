"""What the charm tells the init system: systemd reloads after any change
to the definitions, removal included, and is asked where a packaged
service's definition is."""

import os

from openstack_base import charm as base_charm
from openstack_base import init_system, nrpe


def test_removing_a_daemon_reloads_systemd(unit, monkeypatch):
    reloads = []
    monkeypatch.setattr(init_system, 'reload_definitions',
                        lambda: reloads.append(True))
    monkeypatch.setattr(base_charm, 'usable_cpus', lambda: 4)
    unit.relate_all()
    unit.charm(**{'worker-multiplier': 0.5}).converge()
    assert 'mistral-engine-2' in os.listdir(unit.init.definitions_dir)
    reloads.clear()
    unit.charm(**{'worker-multiplier': 0.25}).converge()
    assert 'mistral-engine-2' not in os.listdir(unit.init.definitions_dir)
    assert reloads == [True]


def fake_systemctl(tmp_path, monkeypatch, loaded):
    """A systemctl on PATH that knows the units named in ``loaded`` and
    records how it was asked."""
    asked = tmp_path / 'asked'
    script = tmp_path / 'systemctl'
    script.write_text(
        '#!/bin/sh\n'
        'echo "$@" >> {}\n'
        'for unit in {}; do\n'
        '  [ "$4" = "$unit" ] && echo loaded && exit 0\n'
        'done\n'
        'echo not-found\n'.format(asked, ' '.join(loaded)))
    script.chmod(0o755)
    monkeypatch.setenv('PATH', '{}:{}'.format(tmp_path, os.environ['PATH']))
    monkeypatch.setattr(init_system, 'uses_systemd', lambda: True)
    return asked


def test_systemd_is_asked_whether_it_knows_a_service(tmp_path, monkeypatch):
    # packages install their units in /lib or /usr/lib/systemd/system
    asked = fake_systemctl(tmp_path, monkeypatch,
                           ['nagios-nrpe-server.service'])
    assert init_system.defined('nagios-nrpe-server')
    assert not init_system.defined('no-such-service')
    assert asked.read_text().splitlines()[0] == (
        'show --property=LoadState --value nagios-nrpe-server.service')


class Nrpe:
    """The nrpe-external-master endpoint, as update_checks uses it."""

    def __init__(self):
        self.added = []

    def checks(self):
        return []

    def add_check(self, command, name, description, context, groups):
        self.added.append(name)

    def updated(self):
        pass


def test_new_checks_restart_nrpe_from_its_packaged_unit(unit, tmp_path,
                                                        monkeypatch):
    fake_systemctl(tmp_path, monkeypatch, ['nagios-nrpe-server.service'])
    endpoint = Nrpe()
    assert nrpe.update_checks(unit.charm(), endpoint)
    assert 'mistral-engine' in endpoint.added
    assert ('restart', 'nagios-nrpe-server') in unit.init.calls
