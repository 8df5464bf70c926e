"""The operations of the CLI: deploy, add-unit, relate, config, run...

Every operation is idempotent: it brings the model to what was asked and
then settles it, so re-running a command after a failure continues.
"""

import os
import shutil
import time

from localjuju import actionparams, events
from localjuju import machine as machines
from localjuju import model as m
from localjuju import network
from localjuju import records
from localjuju.charmdir import Charm
from localjuju.endpoints import container_scoped, resolve, sides
from localjuju.errors import OperationError
from localjuju.lifecycle import Lifecycle, live
from localjuju.runner import Runner, machine_of, progress, relation_view


class Controller(Lifecycle):
    """The operations on one model.

    ``providers`` is the registry of remote applications a charm may be
    related to, ``{application name: localjuju.provider.Provider
    subclass}``.
    """

    def __init__(self, model=None, out=progress, providers=None):
        self.model = model or m.Model()
        self.out = out
        self.registry = dict(providers or {})
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
        if not record['units']:    # a subordinate not related yet
            return Charm(record['charm'])
        unit = record['units'][0]
        machine = machine_of(self.model, state, unit)
        return Charm(machine.host_path(machine.charm_dir))

    # -- deploy ----------------------------------------------------------
    def deploy(self, charm_dir, app=None, units=1, image_packages=()):
        """``image_packages``: the application's machines boot an image
        with these installed already (``localjuju.image``), as with an
        ``image-id`` constraint naming an image baked with them."""
        charm = Charm(charm_dir)
        app = app or charm.name
        with self.model.edit() as state:
            record = state['applications'].get(app)
            if record is None:
                record = state['applications'][app] = \
                    records.application(charm)
                if image_packages:
                    record['image-packages'] = sorted(image_packages)
                for endpoint in charm.peer_endpoints():
                    records.add_relation(state, [
                        {'application': app, 'endpoint': endpoint,
                         'role': 'peer',
                         'interface': charm.endpoints()[endpoint][
                             'interface']}])
            existing = len(state['applications'][app]['units'])
            if record.get('subordinate'):
                units = 0   # its units come with container relations
        for unit in self._units(app):
            self._ensure_machine(unit)
        self.add_units(app, max(0, units - existing), settle=False)
        self._retry_unstarted(app)
        self.runner.settle()
        return app

    def _units(self, app):
        return list(self.model.read()['applications'][app]['units'])

    def add_unit(self, app, settle=True):
        return self.add_units(app, 1, settle)[0]

    def add_units(self, app, count, settle=True):
        """Like `juju add-unit -n count`: the new units start side by
        side (install, ..., start), as their machines would."""
        units = []
        for _ in range(count):
            with self.model.edit() as state:
                record = state['applications'].get(app)
                if record is None or record.get('provider'):
                    raise OperationError('no charm application "{}"'
                                         .format(app))
                address = network.allocate(self._owner(
                    records.next_unit(state, app)))
                unit = records.add_unit(state, app, address)
                charm_source = record['charm']
            os.makedirs(m.unit_dir(self.model.root, unit), exist_ok=True)
            self._ensure_machine(unit, charm_source)
            units.append(unit)
        if units:
            with self.model.edit() as state:   # the first, as in Juju's
                claim_leadership(state['applications'][app], units[0])
        self.runner.run_everywhere(units, self._start_unit)
        for _rel_id, relation in m.relations_of(self.model.read(), app):
            if relation.get('scope') == 'container' and \
                    relation.get('life') != 'dying':
                self._add_subordinates(*(side['application'] for side in
                                         relation['endpoints']))
        if settle:
            self.runner.settle()
        return units

    def _ensure_machine(self, unit, charm_source=None, boot=None):
        """Create the unit's machine; after a host reboot, renew it. It
        boots unless its unit was killed (``boot`` overrides)."""
        state = self.model.read()
        machine = machine_of(self.model, state, unit)
        if machine.host == unit:    # a subordinate's is its principal's
            if machine.net is not None:
                network.allocate(self._owner(unit), wanted=machine.address)
            if boot is None:
                boot = state['units'][unit].get('power', 'on') == 'on'
            machine.create(boot=boot, packages=state['applications'][
                m.app_of(unit)].get('image-packages', ()))
        if charm_source and not os.path.isdir(
                machine.host_path(machine.charm_dir)):
            machine.install_charm(charm_source)

    def _start_unit(self, unit):
        """Run its start-up hooks (events.startup_events); True if all
        succeeded."""
        with self.model.edit() as state:
            app = state['applications'][m.app_of(unit)]
            leader = claim_leadership(app, unit)
            steps = events.startup_events(state, unit, leader)
        for step in steps:
            if step.get('hook') == 'leader-settings-changed':
                # what this hook reads; a leader starting alongside may
                # set more later, and settle runs the hook again then
                with self.model.edit() as state:
                    state['units'][unit]['leader-settings-seen'] = \
                        events.digest(state['applications'][
                            m.app_of(unit)]['leader-settings'])
            if not self.runner.run_hook(unit, **_hook_args(step)):
                return False
            if step.get('hook') == 'install':
                self._mark(unit, installed=True)
        self._mark(unit, started=True)
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
    def relate(self, left, right):
        found = resolve(self.model.read(), self.registry, self.charm,
                        left, right)
        if found.provider_cls is None:
            return self._relate_charms(found)
        other = found.other
        provider = self.runner.providers.get(other) or found.provider_cls(
            self.provider_dir(other))
        provider.ensure(progress=lambda text: self.out(
            '{}: {}'.format(other, text)))
        with self.model.edit() as state:
            if other not in state['applications']:
                records.add_provider_application(state, other, provider)
            self.runner.providers[other] = provider
            if records.find_relation(state, found.app, found.endpoint,
                                     other) is None:
                rel_id = records.add_relation(state, sides(found))
                self.out('related {}:{} to {}:{} as {}'.format(
                    found.app, found.endpoint, other, found.other_endpoint,
                    m.relation_key(found.endpoint, rel_id)))
        self.runner.settle()

    def _relate_charms(self, found):
        """Two charm applications; through a container-scoped endpoint,
        each unit of the principal gets a unit of the subordinate."""
        if container_scoped(found) and not any(
                self.model.read()['applications'][app].get('subordinate')
                for app in (found.app, found.other)):
            raise OperationError('cannot relate {} to {} in a container: '
                                 'neither is subordinate'.format(
                                     found.app, found.other))
        with self.model.edit() as state:
            if records.find_relation(state, found.app, found.endpoint,
                                     found.other) is not None:
                return
            rel_id = records.add_relation(state, sides(found))
            if container_scoped(found):
                state['relations'][str(rel_id)]['scope'] = 'container'
            self.out('related {}:{} to {}:{} as {}'.format(
                found.app, found.endpoint, found.other,
                found.other_endpoint,
                m.relation_key(found.endpoint, rel_id)))
        if container_scoped(found):
            self._add_subordinates(found.app, found.other)
        self.runner.settle()

    def _add_subordinates(self, *apps):
        """A unit of the subordinate application of ``apps`` on each unit
        of the other that has none, started side by side."""
        state = self.model.read()
        sub, principal = sorted(apps, key=lambda app: not state[
            'applications'][app].get('subordinate'))
        hosts = {state['units'][u].get('principal')
                 for u in state['applications'][sub]['units']}
        new = []
        for host in state['applications'][principal]['units']:
            if host in hosts:
                continue
            with self.model.edit() as state:
                unit = records.add_unit(state, sub, state['units'][host][
                    'address'], principal=host)
                charm_source = state['applications'][sub]['charm']
            os.makedirs(m.unit_dir(self.model.root, unit), exist_ok=True)
            self._ensure_machine(unit, charm_source)
            new.append(unit)
        if new:
            with self.model.edit() as state:
                claim_leadership(state['applications'][sub], new[0])
            self.runner.run_everywhere(new, self._start_unit)

    def remove_relation(self, left, right):
        state = self.model.read()
        found = resolve(state, self.registry, self.charm, left, right)
        other = found.other
        rel_id = records.find_relation(state, found.app, found.endpoint,
                                       other)
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
        if relation.get('scope') == 'container':
            self._remove_orphaned_subordinates()

    def _remove_orphaned_subordinates(self):
        """As Juju does: a subordinate unit left in no container-scoped
        relation to its principal is removed (stop, remove)."""
        state = self.model.read()
        for unit, record in sorted(state['units'].items()):
            if not record.get('principal'):
                continue
            held = [r for _, r in m.relations_of(state, m.app_of(unit))
                    if r.get('scope') == 'container'
                    and r.get('life') != 'dying' and record['principal']
                    in r['units']]
            if not held:
                self.remove_unit(unit)

    # -- config, hooks, actions ------------------------------------------
    def config(self, app, pairs=(), reset=()):
        """Like `juju config APP key=value... --reset key`: each text is
        parsed as its option's type (config.yaml), or nothing changes."""
        state = self.model.read()
        if app not in state['applications']:
            raise OperationError('application "{}" not found'.format(app))
        charm = self.charm(state, app)
        if not pairs and not reset:
            return state['applications'][app]['config']
        given = {}
        for key, text in (split_pair(pair) for pair in pairs):
            if key in given:   # keyvalues.Parse
                raise OperationError('key "{}" specified more than once'
                                     .format(key))
            if key in reset:
                raise OperationError('cannot set and reset key "{}" '
                                     'simultaneously'.format(key))
            given[key] = text
        try:
            changes = charm.config_changes(given, reset)
        except ValueError as error:
            raise OperationError(str(error))
        with self.model.edit() as state:
            config = state['applications'][app]['config']
            changed = {k: v for k, v in changes.items()
                       if config.get(k) != v}
            config.update(changes)
        if changed:
            self.runner.run_everywhere(
                [u for u in state['applications'][app]['units']
                 if self._healthy(u)],
                lambda unit: self.runner.run_hook(unit, 'config-changed'))
            self.runner.settle()
        return None

    def _healthy(self, unit):
        record = self.model.read()['units'][unit]
        return live(record) and not record['error']

    def hook(self, unit, hook):
        self._require_unit(unit)
        ok = self.runner.run_hook(unit, hook)
        self.runner.settle()
        return ok

    def upgrade_charm(self, app, charm_dir=None):
        state = self.model.read()
        source = charm_dir or state['applications'][app]['charm']
        charm = Charm(source)   # fails early on a directory not a charm
        with self.model.edit() as state:
            record = state['applications'][app]
            record['charm'] = os.path.abspath(source)
            record['config'] = charm.upgraded_config(record['config'])

        def upgrade(unit):
            machine_of(self.model, state, unit).install_charm(source)
            if self._healthy(unit) and self.runner.run_hook(
                    unit, 'upgrade-charm'):
                self.runner.run_hook(unit, 'config-changed')
        self.runner.run_everywhere(state['applications'][app]['units'],
                                   upgrade)
        self.runner.settle()

    def run_action(self, unit, action, pairs=(), string_args=False,
                   params=None):
        """Like `juju run UNIT ACTION key=value... [--string-args]`
        (``params``: what a --params file held): the params are parsed,
        checked against the action's schema and given its defaults as
        Juju does (localjuju.actionparams) before the action runs."""
        if unit.endswith('/leader'):   # juju run's <application>/leader
            app = self.model.read()['applications'].get(m.app_of(unit))
            unit = (app or {}).get('leader') or unit
        state = self._require_unit(unit)
        charm = self.charm(state, m.app_of(unit))
        try:
            given = actionparams.parse_args(pairs, string_args, params)
            if action not in charm.action_schemas:
                raise ValueError('action "{}" not defined on unit "{}"'
                                 .format(action, unit))
            params = actionparams.prepare(charm.action_schemas[action],
                                          given)
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
            if record.get('provider') or record.get('principal'):
                continue    # a subordinate's machine is its principal's
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
    """'key=value' from the command line, as juju config takes it."""
    key, eq, text = pair.partition('=')
    if not eq or not key:
        raise OperationError('expected "key=value", got "{}"'.format(pair))
    return key, text


def claim_leadership(app, unit):
    """Make ``unit`` the application's leader if it has none and no lease
    is still held; whether ``unit`` leads."""
    if not app['leader'] and app.get('lease-expires', 0) < time.time():
        app['leader'] = unit
    return app['leader'] == unit


def _hook_args(step):
    return {k: step.get(k) for k in ('hook', 'rel_id', 'remote_unit',
                                     'departing')}
