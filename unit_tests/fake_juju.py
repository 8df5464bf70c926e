"""A unit's view of Juju and of its init system, in memory, for tests of
the charm library.

CharmSim extends relation_sim.RelationSim (real charms.reactive flags and
endpoints, hook tools replaced at the charmhelpers.hookenv boundary) with
leadership data and the real templates, assembled the way charm-build
layers them. FakeInit stands in for systemd.
"""

import contextlib
import os
import shutil

import yaml
from charmhelpers.core import hookenv, host

from relation_sim import RelationSim, make_charm_dir

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAYERS = ('layers/openstack-base', 'src')     # bottom first, as built


def assemble_charm_dir(dest):
    """templates/ and layer.yaml as charm-build would merge them."""
    options = {}
    for layer in LAYERS:
        src = os.path.join(ROOT, layer)
        shutil.copytree(os.path.join(src, 'templates'),
                        os.path.join(dest, 'templates'), dirs_exist_ok=True)
        for name in ('config.yaml', 'metadata.yaml'):
            if os.path.exists(os.path.join(src, name)) and layer == 'src':
                shutil.copy(os.path.join(src, name), dest)
        with open(os.path.join(src, 'layer.yaml')) as f:
            options.update(yaml.safe_load(f).get('options') or {})
    with open(os.path.join(dest, 'layer.yaml'), 'w') as f:
        yaml.safe_dump({'options': options}, f)
    return dest


def config_defaults():
    defaults = {}
    for layer in LAYERS:
        with open(os.path.join(ROOT, layer, 'config.yaml')) as f:
            for name, opt in yaml.safe_load(f)['options'].items():
                defaults[name] = opt.get('default')
    return defaults


class CharmSim(RelationSim):
    """RelationSim plus what the charm library needs beyond relations:
    leader settings, the built templates, the machine's series, and
    config defaults from the layers' config.yaml."""

    def __init__(self, tmp_path, monkeypatch, leader=True,
                 series='bookworm', address='10.0.0.10', **kw):
        charm_dir = make_charm_dir(str(tmp_path / 'charm'))
        assemble_charm_dir(charm_dir)
        super().__init__(tmp_path, leader=leader, address=address,
                         charm_dir=charm_dir, config=config_defaults(), **kw)
        self.config = self.options
        self.leader_data = {}
        self.at_every_hook = []
        monkeypatch.setattr(hookenv, 'leader_get', self._leader_get)
        monkeypatch.setattr(hookenv, 'leader_set', self._leader_set)
        monkeypatch.setattr(hookenv, 'local_unit', lambda: self.local_unit)
        monkeypatch.setattr(hookenv, 'charm_dir', lambda: self.charm_dir)
        self.opened = set()
        monkeypatch.setattr(hookenv, 'opened_ports',
                            lambda: sorted(self.opened))
        monkeypatch.setattr(hookenv, 'open_port',
                            lambda port, protocol='TCP': self.opened.add(
                                '{}/{}'.format(port, protocol.lower())))
        monkeypatch.setattr(host, 'lsb_release',
                            lambda: {'DISTRIB_CODENAME': series})

    @contextlib.contextmanager
    def hook(self, *args, **kwargs):
        from openstack_base.instance import forget_charm_instance
        forget_charm_instance()     # each real hook is a new process
        with super().hook(*args, **kwargs):
            # What importing a handler module that calls
            # hookenv.atexit() does in a real hook.
            for callback in self.at_every_hook:
                hookenv.atexit(callback)
            yield self

    def _leader_get(self, key=None):
        return self.leader_data.get(key) if key else dict(self.leader_data)

    def _leader_set(self, settings=None, **kw):
        if not self.leader:
            raise RuntimeError('leader-set from a non-leader')
        self.leader_data.update(settings or {}, **kw)

    @property
    def status(self):
        states = [s for s in self.statuses if s[0] != 'version']
        return states[-1] if states else None

    @property
    def version(self):
        versions = [v for s, v in self.statuses if s == 'version']
        return versions[-1] if versions else None


class FakeInit:
    """The init system, in memory: which daemons run, what was done."""

    def __init__(self, tmp_path, monkeypatch):
        from openstack_base import daemons, init_system, probes
        self.running = set()
        self.failing = set()        # services whose start fails
        self.calls = []
        # (verb, names) of each at_once: the names in one run in parallel
        self.batches = []
        self.ports_open = True
        self.waited = []
        self.definitions_dir = str(tmp_path / 'init')
        os.makedirs(self.definitions_dir)
        monkeypatch.setattr(daemons, 'SYSTEMD_DIR', self.definitions_dir)
        self._answer_questions(tmp_path, monkeypatch)
        verbs = {
            'start': lambda n: self._do('start', n, self._start),
            'stop': lambda n: self._do('stop', n, self.running.discard),
            'restart': lambda n: self._do('restart', n, self.running.add),
            'reload': lambda n: self._do('reload', n, lambda name: None),
        }
        fakes = {
            init_system: {
                'running': lambda n: n in self.running,
                'stop': verbs['stop'],
                'restart': verbs['restart'],
                'set_enabled': lambda names, on: None,
                'reload_definitions': lambda: None,
                'at_once': lambda verb, names: self._at_once(
                    verbs[verb], verb, names),
            },
            probes: {
                'port_open': lambda address, port: self.ports_open,
                'http_answers': lambda address, port, tls=False:
                    self.ports_open,
                'wait_for_http': lambda address, port, tls, timeout, give_up:
                    self.waited.append(('http', port)),
                'wait_for_ports': self._wait_for_ports,
            },
            daemons: {'remove': self._remove},
        }
        for module, module_fakes in fakes.items():
            for name, fake in module_fakes.items():
                monkeypatch.setattr(module, name, fake)

    @staticmethod
    def _answer_questions(tmp_path, monkeypatch):
        """What is left to the real init_system only asks systemd
        (defined, the event engine's MainPID): a systemctl on PATH
        answers as one that knows none of the services, whatever the
        machine runs."""
        bin_dir = tmp_path / 'fake-systemd'
        bin_dir.mkdir()
        systemctl = bin_dir / 'systemctl'
        systemctl.write_text(
            '#!/bin/sh\n'
            'case "$1 $2" in\n'
            '"show --property=MainPID") echo 0 ;;\n'
            '"show --property=LoadState") echo not-found ;;\n'
            '*) exit 1 ;;\n'
            'esac\n')
        systemctl.chmod(0o755)
        monkeypatch.setenv('PATH', '{}:{}'.format(bin_dir,
                                                  os.environ['PATH']))

    def _wait_for_ports(self, ports, timeout, give_up):
        if give_up():
            return False
        self.waited.extend(ports)
        return self.ports_open

    def _remove(self, name):
        from openstack_base import daemons
        self._do('stop', name, self.running.discard)
        os.unlink(daemons.definition_path(name))

    def _start(self, name):
        if name not in self.failing:
            self.running.add(name)

    def _at_once(self, do, verb, names):
        if names:
            self.batches.append((verb, set(names)))
        return {n: do(n) for n in names}

    def batch_of(self, verb, name):
        """The index of the at_once that ran ``verb`` on ``name``."""
        return next(i for i, (v, names) in enumerate(self.batches)
                    if v == verb and name in names)

    def _do(self, action, name, change):
        self.calls.append((action, name))
        change(name)
        return True

    def actions(self, action):
        return sorted(n for a, n in self.calls if a == action)

    def forget(self):
        self.calls.clear()
        self.batches.clear()


COMPLETE = ('amqp.connected', 'amqp.available',
            'identity-service.connected', 'identity-service.available',
            'shared-db.connected', 'shared-db.available')


class Unit:
    """A Mistral unit with fake Juju and init system, real everything
    else; config files go to a temporary /etc, database migrations and
    apt are recorded, not run."""

    def __init__(self, tmp_path, monkeypatch, series='bookworm'):
        import subprocess
        from charm.openstack.mistral import MistralCharm
        from charmhelpers import fetch
        self.juju = CharmSim(tmp_path, monkeypatch, series=series)
        # The machine's networks, as psutil would list them.
        import ipaddress
        from openstack_base import ip
        self.networks = [('lo', ipaddress.ip_interface('127.0.0.1/8')),
                         ('eth0', ipaddress.ip_interface('10.0.0.10/24'))]
        monkeypatch.setattr(ip, 'local_networks', lambda: self.networks)
        self.init = FakeInit(tmp_path, monkeypatch)
        self.etc = tmp_path / 'etc'
        self.conf = str(self.etc / 'mistral.conf')
        self.token_cache_conf = str(self.etc / 'mistral-token-cache.conf')
        self.haproxy = str(self.etc / 'haproxy.cfg')
        monkeypatch.setattr(MistralCharm, 'config_files', {
            self.conf: 'mistral.conf',
            str(self.etc / 'cron.conf'): 'mistral-cron-trigger.conf',
            self.token_cache_conf: 'mistral-token-cache.conf'})
        monkeypatch.setattr(MistralCharm, 'haproxy_conf', self.haproxy)
        self.memcached_conf = str(self.etc / 'memcached.conf')
        monkeypatch.setattr(MistralCharm, 'memcached_conf',
                            self.memcached_conf)
        monkeypatch.setattr(MistralCharm, 'group', 'root')
        # The charm's own Mistral client reaches nothing from a unit test.
        from charm.openstack import mistral_api

        def offline(*args, **kwargs):
            raise mistral_api.MistralError(None, 'offline in unit tests')
        monkeypatch.setattr(mistral_api, 'token', offline)
        monkeypatch.setattr(mistral_api, 'call', offline)
        monkeypatch.setattr(MistralCharm, 'mistral_conf', self.conf)
        self.ssh_key = str(tmp_path / 'home' / '.ssh' / 'juju-jobs')
        monkeypatch.setattr(MistralCharm, 'ssh_key', self.ssh_key)
        self.resources = {}
        monkeypatch.setattr(hookenv, 'resource_get',
                            lambda name: self.resources.get(name, False))
        monkeypatch.setattr(MistralCharm, 'logging_conf',
                            str(self.etc / 'logging-{}.conf'))
        self.policyd = str(self.etc / 'policy.d')
        monkeypatch.setattr(MistralCharm, 'policyd_dir', self.policyd)
        from openstack_base import config_files
        self.logrotate = str(self.etc / 'logrotate-{}')
        monkeypatch.setattr(config_files, 'LOGROTATE', self.logrotate)
        # The log directories are the machine's: recorded, not touched.
        from openstack_base import rendering
        self.log_dirs = []
        monkeypatch.setattr(rendering, 'log_dir', lambda path, user:
                            self.log_dirs.append((path, user)))
        # TLS files go to temporary directories, never the machine's.
        for attribute in ('apache_dir', 'ssl_dir', 'ca_cert_dir'):
            monkeypatch.setattr(MistralCharm, attribute,
                                str(tmp_path / attribute))
        from openstack_base import apt
        from openstack_base.relations import AMQPAdapter
        monkeypatch.setattr(AMQPAdapter, 'ssl_ca_file',
                            str(self.etc / 'rabbitmq-ca.pem'))
        monkeypatch.setattr(apt, 'in_archive', lambda package: False)
        self.sync_calls = []
        monkeypatch.setattr(subprocess, 'check_call',
                            lambda cmd, **kw: self.sync_calls.append(cmd))
        self.installed = []
        monkeypatch.setattr(fetch, 'apt_install',
                            lambda pkgs, **kw: self.installed.extend(pkgs))
        monkeypatch.setattr(apt, 'not_installed', lambda pkgs: list(pkgs))
        # apt never runs, nor touches the machine's sources: apt-get
        # calls are recorded, and an upgrade lands on ``offered`` (the
        # release the fake archive has) or fails with ``apt_error``
        monkeypatch.setattr(apt, 'ORIGIN_LIST',
                            str(tmp_path / 'openstack-origin.list'))
        monkeypatch.setattr(apt, 'POLICY_RC_D', str(tmp_path / 'policy-rc.d'))
        monkeypatch.setattr(fetch, 'add_source', lambda *a, **kw: None)
        monkeypatch.setattr(fetch, 'import_key', lambda key: None)
        self.apt_calls, self.apt_error = [], None
        self.landed, self.offered = 'zed', None
        monkeypatch.setattr(apt, '_apt', self._apt)
        from openstack_base import instance
        monkeypatch.setattr(instance, 'installed_release',
                            lambda base: self.landed)
        # the payload's versions; an install applies ``newer`` to them
        self.versions, self.newer = {}, {}
        import openstack_base.charm as base_charm
        monkeypatch.setattr(base_charm, 'installed_version',
                            lambda p: self.versions.get(p, '15.0.0-1'))
        self.charm_class = MistralCharm

    def _apt(self, *args):
        from openstack_base import apt
        self.apt_calls.append(args)
        self.starts_forbidden = os.path.exists(apt.POLICY_RC_D)
        if self.apt_error:
            raise apt.AptFailed(self.apt_error)
        if 'install' in args:
            self.versions.update(self.newer)
            self.landed = self.offered or self.landed

    @property
    def upgrades(self):
        return [c for c in self.apt_calls if 'install' in c]

    def charm(self, release='zed', **config):
        self.juju.config.update(config)
        return self.charm_class(release, endpoints={})

    def relate_all(self):
        from charms.reactive import flags
        for flag in COMPLETE + ('charm.installed',):
            flags.set_flag(flag)
