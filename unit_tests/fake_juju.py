"""A unit's view of Juju, in memory, for tests of the charm library.

Stands in for the hook tools at the charmhelpers.hookenv boundary (config,
leadership, status, addresses); flags are real charms.reactive flags in a
temporary unit state database. The templates are the real ones,
assembled the way charm-build layers them.
"""

import os
import shutil

import yaml
from charmhelpers.core import hookenv, host, unitdata

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAYERS = ('layers/openstack-base', 'src')     # bottom first, as built


def assemble_charm_dir(dest):
    """templates/ and layer.yaml as charm-build would merge them."""
    options = {}
    for layer in LAYERS:
        src = os.path.join(ROOT, layer)
        shutil.copytree(os.path.join(src, 'templates'),
                        os.path.join(dest, 'templates'), dirs_exist_ok=True)
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


class FakeJuju:
    def __init__(self, tmp_path, monkeypatch, unit='mistral/0',
                 leader=True, series='bookworm', address='10.0.0.10'):
        self.unit = unit
        self.leader = leader
        self.address = address
        self.config = config_defaults()
        self.leader_data = {}
        self.statuses = []
        self.version = None
        self.charm_dir = assemble_charm_dir(str(tmp_path / 'charm'))
        monkeypatch.setenv('UNIT_STATE_DB', str(tmp_path / 'state.db'))
        monkeypatch.setenv('JUJU_UNIT_NAME', unit)
        monkeypatch.setenv('CHARM_DIR', self.charm_dir)
        monkeypatch.setattr(unitdata, '_KV', None)
        patches = {
            'config': lambda *a: dict(self.config),
            'local_unit': lambda: self.unit,
            'is_leader': lambda: self.leader,
            'leader_get': self._leader_get,
            'leader_set': self._leader_set,
            'status_set': lambda s, m, **kw: self.statuses.append((s, m)),
            'application_version_set': self._set_version,
            'network_get_primary_address': lambda b: self.address,
            'unit_get': lambda k: self.address,
            'charm_dir': lambda: self.charm_dir,
        }
        for name, fake in patches.items():
            monkeypatch.setattr(hookenv, name, fake)
        monkeypatch.setattr(host, 'lsb_release',
                            lambda: {'DISTRIB_CODENAME': series})

    def _leader_get(self, key=None):
        return self.leader_data.get(key) if key else dict(self.leader_data)

    def _leader_set(self, settings=None, **kw):
        if not self.leader:
            raise RuntimeError('leader-set from a non-leader')
        self.leader_data.update(settings or {}, **kw)

    def _set_version(self, version):
        self.version = version

    @property
    def status(self):
        return self.statuses[-1] if self.statuses else None


class FakeInit:
    """The init system, in memory: which daemons run, what was done."""

    def __init__(self, tmp_path, monkeypatch):
        from openstack_base import daemons
        self.running = set()
        self.calls = []
        self.unit_dir = str(tmp_path / 'init')
        os.makedirs(self.unit_dir)
        monkeypatch.setattr(daemons, 'uses_systemd', lambda: False)
        monkeypatch.setattr(daemons, 'unit_path',
                            lambda name: os.path.join(self.unit_dir, name))
        fakes = {
            'running': lambda n: n in self.running,
            'start': lambda n: self._do('start', n, self.running.add),
            'stop': lambda n: self._do('stop', n, self.running.discard),
            'restart': lambda n: self._do('restart', n, self.running.add),
            'set_enabled': lambda n, on: None,
            'reload_definitions': lambda: None,
        }
        for name, fake in fakes.items():
            monkeypatch.setattr(daemons, name, fake)

    def _do(self, action, name, change):
        self.calls.append((action, name))
        change(name)
        return True

    def actions(self, action):
        return sorted(n for a, n in self.calls if a == action)

    def forget(self):
        self.calls.clear()
