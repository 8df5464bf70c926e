"""An in-memory stand-in for the Juju hook tools, for fast tests.

It runs the real charms.reactive machinery (Endpoint discovery through
``metadata.yaml``, automatic ``endpoint.*`` flags, flags kept in a unitdata
kv file, handlers dispatched by ``charms.reactive.bus``) and replaces only
the functions of ``charmhelpers.core.hookenv`` that would shell out to Juju.

Typical use::

    sim = RelationSim(tmp_path)            # one unit, 'mistral/0'
    rid = sim.relate('amqp', 'rabbitmq-server')
    sim.join(rid, 'rabbitmq-server/0')     # runs -joined then -changed
    with sim.hook('amqp-relation-changed', rid, 'rabbitmq-server/0'):
        sim.endpoint('amqp').request_access('mistral', 'openstack')
    assert sim.local_data(rid)['username'] == 'mistral'
    sim.change(rid, 'rabbitmq-server/0', {'password': 'pw'})
    assert 'amqp.available' in sim.flags
    sim.close()

Juju behaviours kept: related units exclude the departing unit during
``-departed`` (its data stays readable); a broken relation is no longer
listed in ``-broken``; unit data always carries ``private-address``,
``ingress-address`` and ``egress-subnets``; setting a value to '' or
None deletes the key; data written during a hook is published only when
the hook succeeds, and a failed hook forgets its flag changes.
"""

import contextlib
import copy
import importlib
import os
import shutil
import sys
import tempfile

import yaml
from charmhelpers.core import hookenv, unitdata
from charms.reactive import bus, flags
from charms.reactive.endpoints import Endpoint

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INTERFACES_DIR = os.path.join(REPO, 'interfaces')
METADATA = os.path.join(REPO, 'src', 'metadata.yaml')


def make_charm_dir(path, metadata=METADATA, interfaces_dir=INTERFACES_DIR):
    """Lay out a charm the way charm-build does, as far as hooks care:
    ``metadata.yaml`` plus ``hooks/relations/<interface>`` (symlinks)."""
    os.makedirs(os.path.join(path, 'hooks', 'relations'), exist_ok=True)
    shutil.copy(metadata, os.path.join(path, 'metadata.yaml'))
    for name in sorted(os.listdir(interfaces_dir)):
        link = os.path.join(path, 'hooks', 'relations', name)
        if not os.path.lexists(link):
            os.symlink(os.path.join(interfaces_dir, name), link)
    return path


_SHARED_CHARM_DIR = None


def shared_charm_dir():
    """One charm dir per process: interface modules are imported once
    (``relations.<interface>.<role>``), so their path must stay valid."""
    global _SHARED_CHARM_DIR
    if _SHARED_CHARM_DIR is None:
        _SHARED_CHARM_DIR = make_charm_dir(tempfile.mkdtemp(prefix='charm-'))
    return _SHARED_CHARM_DIR


def load_interface(name, role, charm_dir=None):
    """Import ``interfaces/<name>/<role>.py`` as charms.reactive does."""
    hooks = os.path.join(charm_dir or shared_charm_dir(), 'hooks')
    if hooks not in sys.path:
        sys.path.append(hooks)
    return importlib.import_module('relations.{}.{}'.format(name, role))


class _Relation:
    def __init__(self, endpoint, remote_app):
        self.endpoint = endpoint
        self.remote_app = remote_app
        self.units = {}      # remote unit name -> data
        self.app_data = {}   # remote application data
        self.local = {}      # our unit's data
        self.local_app = {}  # our application's data (leader writes)
        self.departing = {}  # unit -> data, readable during -departed


def open_unit_state(path):
    """The unit's state db, as charmhelpers' ``unitdata.kv()`` opens it;
    tests hand it out by replacing that public function."""
    storage = unitdata.Storage(path)
    # durability is pointless in a test and fsync per hook is slow
    storage.conn.execute('PRAGMA synchronous=OFF')
    return storage


class RelationSim:
    """A single unit's view of a Juju model; see the module docstring."""

    # hookenv functions replaced by methods of this class (same names)
    PATCHED = ('relation_ids', 'related_units', 'relation_get',
               'relation_set', 'is_leader', 'log', 'status_set',
               'network_get_primary_address', 'unit_private_ip',
               'unit_get', 'config', 'application_version_set', 'metadata')

    def __init__(self, state_dir, local_unit='mistral/0', leader=True,
                 address='10.5.0.10', charm_dir=None, config=None):
        self.local_unit = local_unit
        self.leader = leader
        self.address = address
        self.options = dict(config or {})
        self.charm_dir = charm_dir or shared_charm_dir()
        with open(os.path.join(self.charm_dir, 'metadata.yaml')) as handle:
            self._metadata = yaml.safe_load(handle)
        self.relations = {}
        self.logs = []
        self.statuses = []
        self._next_id = 0
        self._saved_env = dict(os.environ)
        self._saved_hookenv = {n: getattr(hookenv, n) for n in self.PATCHED}
        os.environ.update({
            'CHARM_DIR': self.charm_dir, 'JUJU_CHARM_DIR': self.charm_dir,
            'JUJU_UNIT_NAME': local_unit, 'JUJU_MODEL_NAME': 'sim',
            'UNIT_STATE_DB': os.path.join(str(state_dir), 'unit-state.db'),
        })
        for name in self.PATCHED:
            setattr(hookenv, name, getattr(self, name))
        self._saved_kv = unitdata.kv
        self.unit_state = open_unit_state(
            os.path.join(str(state_dir), 'unit-state.db'))
        unitdata.kv = lambda: self.unit_state

    def close(self):
        """Undo every patch; call it at teardown."""
        for name, func in self._saved_hookenv.items():
            setattr(hookenv, name, func)
        self.unit_state.close()
        unitdata.kv = self._saved_kv
        os.environ.clear()
        os.environ.update(self._saved_env)
        hookenv.cache.clear()
        Endpoint._endpoints = {}    # no endpoint (its data) outlives a test

    # -- model changes (each runs the hooks Juju would run) -----------
    def relate(self, endpoint, remote_app, app_data=None):
        """Create a relation and run ``-created``; returns its id."""
        rid = '{}:{}'.format(endpoint, self._next_id)
        self._next_id += 1
        rel = self.relations[rid] = _Relation(endpoint, remote_app)
        rel.local.update(self._juju_keys(self.address))
        rel.app_data.update(app_data or {})
        self.run_hook('{}-relation-created'.format(endpoint), rid)
        return rid

    def join(self, rid, unit, data=None, address=None):
        """Add a remote unit with ``data``; runs ``-joined``, ``-changed``."""
        rel = self.relations[rid]
        number = len(rel.units) + 1
        rel.units[unit] = self._juju_keys(address or '10.5.1.{}'.format(
            number))
        _merge(rel.units[unit], data or {})
        self.run_hook('{}-relation-joined'.format(rel.endpoint), rid, unit)
        self.run_hook('{}-relation-changed'.format(rel.endpoint), rid, unit)

    def change(self, rid, unit=None, data=None, app_data=None,
               replace=False):
        """Update a remote unit's (and/or app's) data; runs ``-changed``.

        With ``replace`` the unit's data becomes exactly ``data`` (plus
        the keys Juju adds)."""
        rel = self.relations[rid]
        if unit is not None:
            if replace:
                kept = {k: v for k, v in rel.units[unit].items()
                        if k in ('private-address', 'ingress-address',
                                 'egress-subnets')}
                rel.units[unit] = kept
            _merge(rel.units[unit], data or {})
        if app_data is not None:
            _merge(rel.app_data, app_data)
        self.run_hook('{}-relation-changed'.format(rel.endpoint), rid,
                      unit or next(iter(rel.units), None))

    def depart(self, rid, unit):
        """Remove a remote unit; runs ``-departed``."""
        rel = self.relations[rid]
        rel.departing[unit] = rel.units.pop(unit)
        try:
            self.run_hook('{}-relation-departed'.format(rel.endpoint), rid,
                          unit, departing=unit)
        finally:
            del rel.departing[unit]

    def break_relation(self, rid):
        """Remove the relation (departing its units first); ``-broken``."""
        rel = self.relations[rid]
        for unit in list(rel.units):
            self.depart(rid, unit)
        del self.relations[rid]
        self.run_hook('{}-relation-broken'.format(rel.endpoint), rid)

    # -- running hooks ------------------------------------------------
    @contextlib.contextmanager
    def hook(self, hook_name, rid=None, remote_unit=None, departing=None):
        """Run one hook; the body of the ``with`` acts as a handler.

        Order as in ``charms.reactive.main``: start-up (Endpoint flags),
        the body, handler dispatch, at-exit callbacks (publishing relation
        data), then the flags are flushed to the kv file.
        """
        env = {'JUJU_HOOK_NAME': hook_name, 'JUJU_RELATION': None,
               'JUJU_RELATION_ID': rid, 'JUJU_REMOTE_UNIT': remote_unit,
               'JUJU_DEPARTING_UNIT': departing, 'JUJU_REMOTE_APP': None}
        if rid:
            env['JUJU_RELATION'] = rid.split(':')[0]
        if remote_unit:
            env['JUJU_REMOTE_APP'] = remote_unit.split('/')[0]
        for key, value in env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        hookenv.cache.clear()
        Endpoint._endpoints = {}
        del hookenv._atexit[:]
        hookenv._atstart[:] = [(Endpoint._startup, (), {})]
        staged = copy.deepcopy(self.relations)
        try:
            hookenv._run_atstart()
            yield self
            bus.dispatch()
            hookenv._run_atexit()
        except BaseException:
            # a failed hook publishes nothing and forgets its flag changes
            self.relations = staged
            unitdata.kv().flush(save=False)
            raise
        finally:
            del hookenv._atexit[:]
        unitdata.kv().flush()

    @contextlib.contextmanager
    def action(self, name):
        """An action's fresh process: charms.reactive imported (its
        start-up registered, not run), no hook; the body runs the action,
        which must start the endpoints itself."""
        os.environ['JUJU_ACTION_NAME'] = name
        for key in ('JUJU_HOOK_NAME', 'JUJU_RELATION', 'JUJU_RELATION_ID',
                    'JUJU_REMOTE_UNIT', 'JUJU_DEPARTING_UNIT',
                    'JUJU_REMOTE_APP'):
            os.environ.pop(key, None)
        hookenv.cache.clear()
        Endpoint._endpoints = {}
        del hookenv._atexit[:]
        hookenv._atstart[:] = [(Endpoint._startup, (), {})]
        try:
            yield self
        finally:
            os.environ.pop('JUJU_ACTION_NAME', None)
            del hookenv._atexit[:]
        unitdata.kv().flush()

    def run_hook(self, hook_name, rid=None, remote_unit=None,
                 departing=None):
        with self.hook(hook_name, rid, remote_unit, departing):
            pass

    # -- inspection ---------------------------------------------------
    @property
    def flags(self):
        return set(flags.get_flags())

    def endpoint(self, name):
        """The live Endpoint instance (inside a ``hook`` block)."""
        return Endpoint.from_name(name)

    def local_data(self, rid):
        return dict(self.relations[rid].local)

    def local_app_data(self, rid):
        return dict(self.relations[rid].local_app)

    def logged(self):
        return '\n'.join(message for message, _level in self.logs)

    # -- hookenv stand-ins --------------------------------------------
    def relation_ids(self, reltype=None):
        reltype = reltype or hookenv.relation_type()
        return sorted(rid for rid, rel in self.relations.items()
                      if rel.endpoint == reltype)

    def related_units(self, relid=None):
        rel = self.relations.get(relid or hookenv.relation_id())
        return sorted(rel.units) if rel else []

    def relation_get(self, attribute=None, unit=None, rid=None, app=None):
        if unit is not None and app is not None:
            raise ValueError("Cannot use both 'unit' and 'app'")
        rel = self.relations.get(rid or hookenv.relation_id())
        if rel is None:
            return None
        unit = unit or (None if app else hookenv.remote_unit())
        if app is not None:
            mine = app == self.local_unit.split('/')[0]
            if mine and not self.leader:  # as Juju's relation-get refuses
                raise RuntimeError('permission denied: only the leader '
                                   'can read its own application settings')
            data = rel.local_app if mine else rel.app_data
        elif unit == self.local_unit:
            data = rel.local
        else:
            data = rel.units.get(unit, rel.departing.get(unit))
            if data is None:
                return None
        data = copy.deepcopy(data)
        return data.get(attribute) if attribute else data

    def relation_set(self, relation_id=None, relation_settings=None,
                     app=False, **kwargs):
        rel = self.relations[relation_id or hookenv.relation_id()]
        if app and not self.leader:
            raise RuntimeError('only the leader may set application data')
        settings = dict(relation_settings or {}, **kwargs)
        _merge(rel.local_app if app else rel.local, settings)

    def is_leader(self):
        return self.leader

    def log(self, message, level=None):
        self.logs.append((str(message), level))

    def status_set(self, workload_state, message, application=False):
        self.statuses.append((workload_state, message))

    def network_get_primary_address(self, binding):
        return self.address

    def unit_private_ip(self):
        return self.address

    def unit_get(self, attribute):
        return self.address if attribute.endswith('address') else None

    def config(self, scope=None):
        return self.options.get(scope) if scope else dict(self.options)

    def metadata(self):
        return copy.deepcopy(self._metadata)  # parsed once: it is slow

    def application_version_set(self, version):
        self.statuses.append(('version', version))

    @staticmethod
    def _juju_keys(address):
        return {'private-address': address, 'ingress-address': address,
                'egress-subnets': address + '/32'}


def _merge(target, settings):
    """Apply settings as relation-set does: values become strings."""
    for key, value in settings.items():
        if value is None or value == '':
            target.pop(key, None)
        else:
            target[key] = value if isinstance(value, str) else str(value)
