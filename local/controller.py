"""The operations of the CLI: deploy, add-unit, relate, config, run...

Every operation is idempotent: it brings the model to what was asked and
then settles it, so re-running a command after a failure continues.
"""

import os
import shutil
import time

from local import events
from local import machine as machines
from local import model as m
from local.charm import OPPOSITE, Charm
from local.providers import PROVIDERS
from local.runner import Runner, machine_of, progress, relation_view


class OperationError(Exception):
    pass


class Controller:
    def __init__(self, model=None, out=progress, providers=None):
        self.model = model or m.Model()
        self.out = out
        self.registry = PROVIDERS if providers is None else providers
        self.runner = Runner(self.model, self._provider_instances(),
                             out=out)

    # -- providers -------------------------------------------------------
    def provider_dir(self, app):
        return os.path.join(self.model.root, 'providers', app)

    def _provider_instances(self):
        state = self.model.read()
        return {app: self.registry[rec['provider']](self.provider_dir(app))
                for app, rec in state['applications'].items()
                if rec.get('provider') and rec['provider'] in self.registry}

    def charm(self, state, app):
        record = state['applications'][app]
        if record.get('provider'):
            raise OperationError('{} is a provider, not a charm'.format(app))
        unit = record['units'][0]
        machine = machine_of(self.model, state, unit)
        return Charm(machine.host_path(machine.charm_dir))

    # -- deploy ----------------------------------------------------------
    def deploy(self, charm_dir, app=None, units=1):
        charm = Charm(charm_dir)
        app = app or charm.name
        with self.model.edit() as state:
            record = state['applications'].get(app)
            if record is None:
                state['applications'][app] = {
                    'charm': charm.dir, 'charm-name': charm.name,
                    'config': charm.default_config(), 'units': [],
                    'next-unit': 0, 'leader': None, 'leader-settings': {},
                    'version': '', 'status': None,
                    'bindings': charm.bindings()}
                for endpoint in charm.peer_endpoints():
                    self._new_relation(state, [
                        {'application': app, 'endpoint': endpoint,
                         'role': 'peer',
                         'interface': charm.endpoints()[endpoint][
                             'interface']}])
            existing = len(state['applications'][app]['units'])
        for unit in self._units(app):
            self._ensure_machine(unit)
        for _ in range(max(0, units - existing)):
            self.add_unit(app, settle=False)
        self._retry_unstarted(app)
        self.runner.settle()
        return app

    def _units(self, app):
        return list(self.model.read()['applications'][app]['units'])

    def add_unit(self, app, settle=True):
        with self.model.edit() as state:
            record = state['applications'].get(app)
            if record is None or record.get('provider'):
                raise OperationError('no charm application "{}"'.format(app))
            unit = '{}/{}'.format(app, record['next-unit'])
            record['next-unit'] += 1
            record['units'].append(unit)
            state['units'][unit] = {
                'application': app, 'address': '127.0.0.1',
                'machine': len([u for u in state['units']
                                if not state['units'][u].get('provider')]),
                'workload': status('waiting', 'agent initialising'),
                'agent': 'allocating', 'ports': [], 'relations': {},
                'installed': False, 'started': False, 'error': None}
            for _rel_id, relation in m.relations_of(state, app):
                relation['units'][unit] = m.automatic_settings('127.0.0.1')
            charm_source = record['charm']
        os.makedirs(m.unit_dir(self.model.root, unit), exist_ok=True)
        self._ensure_machine(unit, charm_source)
        self._start_unit(unit)
        if settle:
            self.runner.settle()
        return unit

    def _ensure_machine(self, unit, charm_source=None):
        """Create the unit's machine; after a reboot, renew it."""
        machine = machine_of(self.model, self.model.read(), unit)
        machine.create()
        if charm_source and not os.path.isdir(
                machine.host_path(machine.charm_dir)):
            machine.install_charm(charm_source)

    def _start_unit(self, unit):
        """install, relation-created, leader-elected or
        leader-settings-changed, config-changed, start."""
        with self.model.edit() as state:
            app = state['applications'][m.app_of(unit)]
            if not app['leader']:
                app['leader'] = unit
            leader = app['leader'] == unit
            created = events.created_events(state, unit) \
                if not state['units'][unit]['installed'] else []
        steps = [] if self.model.read()['units'][unit]['installed'] \
            else [dict(hook='install')]
        steps += created
        steps += [dict(hook='leader-elected' if leader
                       else 'leader-settings-changed'),
                  dict(hook='config-changed'), dict(hook='start')]
        for step in steps:
            if not self.runner.run_hook(unit, **_hook_args(step)):
                return False
            if step.get('hook') == 'install':
                self._mark(unit, installed=True)
        with self.model.edit() as state:
            if not leader:
                state['units'][unit]['leader-settings-seen'] = \
                    events.digest(state['applications'][m.app_of(unit)][
                        'leader-settings'])
            state['units'][unit]['started'] = True
        return True

    def _mark(self, unit, **values):
        with self.model.edit() as state:
            state['units'][unit].update(values)

    def _retry_unstarted(self, app):
        """A re-run deploy finishes units a failed hook left unstarted."""
        state = self.model.read()
        for unit in state['applications'][app]['units']:
            record = state['units'][unit]
            if not record['started'] and not record['error']:
                self._start_unit(unit)

    def resolved(self, unit):
        """Like `juju resolved`: retry the failed hook, then carry on."""
        with self.model.edit() as state:
            failed = state['units'][unit].get('error')
            state['units'][unit]['error'] = None
        if not failed:
            raise OperationError('unit "{}" is not in an error state'.format(
                unit))
        if self.runner.run_hook(unit, **_hook_args(failed)):
            if failed['hook'] == 'install':
                self._mark(unit, installed=True)
            if not self.model.read()['units'][unit]['started']:
                self._start_unit(unit)
        self.runner.settle()

    # -- relations -------------------------------------------------------
    def _new_relation(self, state, sides):
        rel_id = state['next-relation-id']
        state['next-relation-id'] += 1
        units, apps = {}, {}
        for side in sides:
            app = side['application']
            apps[app] = {}
            for unit in state['applications'][app]['units']:
                units[unit] = m.automatic_settings(
                    state['units'][unit]['address'])
        state['relations'][str(rel_id)] = {
            'id': rel_id, 'endpoints': sides, 'units': units, 'apps': apps,
            'life': 'alive'}
        return rel_id

    def _resolve(self, state, left, right):
        """Match ``app[:endpoint]`` x2 to (charm side, provider side)."""
        (app_a, _, ep_a), (app_b, _, ep_b) = (left.partition(':'),
                                              right.partition(':'))
        if app_b not in state['applications'] and app_a in self.registry:
            (app_a, ep_a), (app_b, ep_b) = (app_b, ep_b), (app_a, ep_a)
        if app_a not in state['applications']:
            raise OperationError('application "{}" not found'.format(app_a))
        provider_cls = self.registry.get(
            state['applications'].get(app_b, {}).get('provider', app_b))
        if provider_cls is None:
            raise OperationError('no provider for "{}" (known: {})'.format(
                app_b, ', '.join(sorted(self.registry)) or 'none'))
        charm = self.charm(state, app_a)
        candidates = {name: spec for name, spec in charm.endpoints().items()
                      if spec['interface'] == provider_cls.interface
                      and spec['role'] != 'peer'
                      and (not ep_a or name == ep_a)}
        if len(candidates) != 1:
            raise OperationError(
                'cannot relate {} to {}: {} endpoints of interface {}'
                .format(left, right, len(candidates) or 'no',
                        provider_cls.interface))
        endpoint, spec = candidates.popitem()
        return app_a, endpoint, spec, app_b, ep_b or endpoint, provider_cls

    def relate(self, left, right):
        state = self.model.read()
        app, endpoint, spec, other, other_ep, provider_cls = self._resolve(
            state, left, right)
        provider = self.runner.providers.get(other) or provider_cls(
            self.provider_dir(other))
        provider.ensure(progress=lambda text: self.out(
            '{}: {}'.format(other, text)))
        with self.model.edit() as state:
            if other not in state['applications']:
                self._add_provider_app(state, other, provider)
            self.runner.providers[other] = provider
            if self._find_relation(state, app, endpoint, other) is None:
                rel_id = self._new_relation(state, [
                    dict(application=app, endpoint=endpoint,
                         role=spec['role'], interface=spec['interface']),
                    dict(application=other, endpoint=other_ep,
                         role=OPPOSITE[spec['role']],
                         interface=spec['interface'])])
                self.out('related {}:{} to {}:{} as {}'.format(
                    app, endpoint, other, other_ep,
                    m.relation_key(endpoint, rel_id)))
        self.runner.settle()

    def _add_provider_app(self, state, app, provider):
        state['applications'][app] = {
            'provider': provider.application, 'units': [], 'config': {},
            'leader': None, 'leader-settings': {}, 'version': '',
            'status': None, 'bindings': []}
        for number, _name in enumerate(provider.unit_names()):
            unit = '{}/{}'.format(app, number)
            state['applications'][app]['units'].append(unit)
            state['units'][unit] = {
                'application': app, 'address': '127.0.0.1',
                'provider': True, 'machine': None,
                'workload': status('active', ''), 'agent': 'idle',
                'ports': [], 'relations': {}, 'error': None}
        state['applications'][app]['leader'] = \
            state['applications'][app]['units'][0]

    @staticmethod
    def _find_relation(state, app, endpoint, other):
        for rel_id, relation in m.relations_of(state, app, endpoint):
            if relation.get('life') != 'dying' and \
                    m.remote_app(relation, app) == other:
                return rel_id
        return None

    def remove_relation(self, left, right):
        state = self.model.read()
        app, endpoint, _spec, other, _ep, _cls = self._resolve(
            state, left, right)
        rel_id = self._find_relation(state, app, endpoint, other)
        if rel_id is None:
            self.out('no relation between {} and {}'.format(left, right))
            return
        with self.model.edit() as state:
            relation = state['relations'][str(rel_id)]
            relation['life'] = 'dying'
        provider = self.runner.providers.get(other)
        if provider is not None:
            provider.relation_removed(relation_view(
                state, rel_id, relation, other))
        self.runner.settle()

    # -- config, hooks, actions ------------------------------------------
    def config(self, app, pairs=(), reset=()):
        state = self.model.read()
        if app not in state['applications']:
            raise OperationError('application "{}" not found'.format(app))
        charm = self.charm(state, app)
        if not pairs and not reset:
            return state['applications'][app]['config']
        changes = {}
        for pair in pairs:
            key, text = split_pair(pair)
            try:
                changes[key] = charm.parse_config(key, text)
            except ValueError as error:
                raise OperationError(str(error))
        defaults = charm.default_config()
        for key in reset:
            if key not in defaults:
                raise OperationError('unknown option "{}"'.format(key))
            changes[key] = defaults[key]
        with self.model.edit() as state:
            config = state['applications'][app]['config']
            changed = {k: v for k, v in changes.items()
                       if config.get(k) != v}
            config.update(changes)
        if changed:
            for unit in state['applications'][app]['units']:
                if self._healthy(unit):
                    self.runner.run_hook(unit, 'config-changed')
            self.runner.settle()
        return None

    def _healthy(self, unit):
        record = self.model.read()['units'][unit]
        return record['started'] and not record['error']

    def hook(self, unit, hook):
        self._require_unit(unit)
        ok = self.runner.run_hook(unit, hook)
        self.runner.settle()
        return ok

    def upgrade_charm(self, app, charm_dir=None):
        state = self.model.read()
        source = charm_dir or state['applications'][app]['charm']
        Charm(source)  # fails early on a directory that is not a charm
        with self.model.edit() as state:
            state['applications'][app]['charm'] = os.path.abspath(source)
        for unit in state['applications'][app]['units']:
            machine_of(self.model, state, unit).install_charm(source)
            if self._healthy(unit) and self.runner.run_hook(
                    unit, 'upgrade-charm'):
                self.runner.run_hook(unit, 'config-changed')
        self.runner.settle()

    def run_action(self, unit, action, pairs=()):
        state = self._require_unit(unit)
        given = {}
        for pair in pairs:
            key, text = split_pair(pair)
            given[key] = text
        try:
            params = self.charm(state, m.app_of(unit)).action_params(
                action, given)
        except ValueError as error:
            raise OperationError(str(error))
        record = self.runner.run_action(unit, action, params)
        self.runner.settle()
        return record

    def _require_unit(self, unit):
        state = self.model.read()
        if unit not in state['units'] or state['units'][unit].get(
                'provider'):
            raise OperationError('unit "{}" not found'.format(unit))
        return state

    # -- teardown --------------------------------------------------------
    def destroy(self):
        state = self.model.read()
        for unit, record in sorted(state['units'].items()):
            if record.get('provider'):
                continue
            self.out('stopping {}'.format(unit))
            machine_of(self.model, state, unit).destroy()
        for app, record in sorted(state['applications'].items()):
            if record.get('provider') and record['provider'] in \
                    self.registry:
                self.out('destroying provider {}'.format(app))
                self.registry[record['provider']](
                    self.provider_dir(app)).destroy()
        machines.teardown(self.model.root)
        for name in ('units', 'bin'):
            shutil.rmtree(os.path.join(self.model.root, name),
                          ignore_errors=True)
        self.model.remove()


def split_pair(pair):
    """'key=value' from the command line, as juju config/run take it."""
    key, eq, text = pair.partition('=')
    if not eq:
        raise OperationError('expected key=value, got "{}"'.format(pair))
    return key, text


def _hook_args(step):
    return {k: step.get(k) for k in ('hook', 'rel_id', 'remote_unit',
                                     'departing')}


def status(name, message):
    return {'status': name, 'message': message, 'since': time.time()}
