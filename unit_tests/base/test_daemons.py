"""What the charm tells systemd: the definitions it writes, a reload
after any change to them, removal included, boot-time enabling in one
call for what differs, and where a packaged service's definition is."""

import configparser
import os
import stat

from openstack_base import charm as base_charm
from openstack_base import daemons, init_system, nrpe


def test_removing_a_daemon_reloads_systemd(unit, monkeypatch):
    reloads = []
    monkeypatch.setattr(init_system, 'reload_definitions',
                        lambda: reloads.append(True))
    monkeypatch.setattr(base_charm, 'usable_cpus', lambda: 4)
    unit.relate_all()
    unit.charm(**{'worker-multiplier': 0.5}).converge()
    assert 'mistral-engine-2.service' in os.listdir(
        unit.init.definitions_dir)
    reloads.clear()
    unit.charm(**{'worker-multiplier': 0.25}).converge()
    assert 'mistral-engine-2.service' not in os.listdir(
        unit.init.definitions_dir)
    assert reloads == [True]


def test_each_definition_restarts_its_daemon_named_in_the_journal(unit):
    unit.relate_all()
    charm = unit.charm()
    charm.converge()
    for daemon in charm.daemons():
        path = daemons.definition_path(daemon.name)
        assert path == os.path.join(unit.init.definitions_dir,
                                    daemon.name + '.service')
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
        with open(path) as f:
            text = f.read()
        assert daemons.MARKER.format(charm.name) in text
        definition = configparser.ConfigParser(interpolation=None,
                                               strict=False)
        definition.read_string(text)
        service = definition['Service']
        assert service['User'] == daemon.user
        assert service['Restart'] == 'on-failure'
        assert service['SyslogIdentifier'] == daemon.name
        assert service['ExecStart'] == ' '.join(daemon.command)
        assert definition['Install']['WantedBy'] == 'multi-user.target'


def fake_systemctl(tmp_path, monkeypatch, loaded=(), enabled=()):
    """A systemctl on PATH that knows the services named in ``loaded``,
    says which of those it is asked about are ``enabled``, as systemd
    does (one line per unit, non-zero unless all are), and records how
    it was asked, one line per call."""
    asked = tmp_path / 'asked'
    asked.touch()
    script = tmp_path / 'systemctl'
    script.write_text(
        '#!/bin/sh\n'
        'echo "$@" >> {asked}\n'
        'if [ "$1" = is-enabled ]; then\n'
        '  shift; status=0\n'
        '  for unit; do\n'
        '    case " {enabled} " in\n'
        '      *" $unit "*) echo enabled ;;\n'
        '      *) echo disabled; status=1 ;;\n'
        '    esac\n'
        '  done\n'
        '  exit $status\n'
        'fi\n'
        'for unit in {loaded}; do\n'
        '  [ "$4" = "$unit" ] && echo loaded && exit 0\n'
        'done\n'
        'echo not-found\n'.format(asked=asked, loaded=' '.join(loaded),
                                  enabled=' '.join(enabled)))
    script.chmod(0o755)
    monkeypatch.setenv('PATH', '{}:{}'.format(tmp_path, os.environ['PATH']))
    return asked


def calls(asked):
    return asked.read_text().splitlines()


def test_systemd_is_asked_whether_it_knows_a_service(tmp_path, monkeypatch):
    # packages install their units in /lib or /usr/lib/systemd/system
    asked = fake_systemctl(tmp_path, monkeypatch,
                           ['nagios-nrpe-server.service'])
    assert init_system.defined('nagios-nrpe-server')
    assert not init_system.defined('no-such-service')
    assert calls(asked)[0] == (
        'show --property=LoadState --value nagios-nrpe-server.service')


def test_only_the_services_whose_state_differs_are_enabled_at_once(
        tmp_path, monkeypatch):
    # each enable reloads systemd, and every hook asks for all of them
    asked = fake_systemctl(tmp_path, monkeypatch,
                           enabled=['haproxy.service', 'mistral-api.service'])
    init_system.set_enabled(['haproxy', 'mistral-api', 'mistral-engine',
                             'mistral-executor'], True)
    assert calls(asked) == [
        'is-enabled haproxy.service mistral-api.service '
        'mistral-engine.service mistral-executor.service',
        'enable --quiet mistral-engine.service mistral-executor.service']


def test_nothing_is_enabled_when_every_service_already_is(
        tmp_path, monkeypatch):
    asked = fake_systemctl(tmp_path, monkeypatch,
                           enabled=['haproxy.service', 'mistral-api.service'])
    init_system.set_enabled(['haproxy', 'mistral-api'], True)
    assert calls(asked) == [
        'is-enabled haproxy.service mistral-api.service']


def test_only_the_enabled_services_are_disabled(tmp_path, monkeypatch):
    asked = fake_systemctl(tmp_path, monkeypatch,
                           enabled=['mistral-api.service'])
    init_system.set_enabled(['mistral-api', 'mistral-engine'], False)
    assert calls(asked)[1:] == ['disable --quiet mistral-api.service']


def test_a_removed_daemon_is_stopped_disabled_deleted_and_reset(
        tmp_path, monkeypatch):
    asked = fake_systemctl(tmp_path, monkeypatch,
                           enabled=['mistral-engine-2.service'])
    monkeypatch.setattr(daemons, 'SYSTEMD_DIR', str(tmp_path))
    path = daemons.definition_path('mistral-engine-2')
    with open(path, 'w') as f:
        f.write('# ' + daemons.MARKER.format('mistral') + '\n')
    daemons.remove('mistral-engine-2')
    assert not os.path.exists(path)
    assert calls(asked) == [
        'stop mistral-engine-2',
        'is-enabled mistral-engine-2.service',
        'disable --quiet mistral-engine-2.service',
        # a failed daemon stays listed after its file is gone
        'reset-failed mistral-engine-2.service']


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
