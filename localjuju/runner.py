"""Runs hooks and actions inside a unit's machine, as Juju's uniter does,
and settles the model: providers answer, units react, until quiet.

Units run their hooks side by side, as their agents do: each unit one
hook at a time, in Juju's order, the others meanwhile. Providers (the
host's services) answer one relation at a time."""

import compileall
import concurrent.futures
import copy
import os
import signal
import subprocess
import sys
import threading
import time
import uuid

import localjuju
from localjuju import JUJU_VERSION
from localjuju import events
from localjuju import model as m
from localjuju.errors import HookFailed
from localjuju.hooktools.context import merged
from localjuju.hooktools.install import install
from localjuju.machine import Machine, MachineDown
from localjuju.provider import RelationView
from localjuju.records import PROVIDER_ADDRESS

HOOK_TIMEOUT = int(os.environ.get('LOCAL_JUJU_HOOK_TIMEOUT', '3600'))
MAX_SETTLE_HOOKS = 500
SETTLE_WORKERS = 8     # units running a hook at the same time
SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'


def machine_of(model, state, unit):
    """The unit's machine (a subordinate's: its principal's)."""
    record = state['units'][unit]
    return Machine(model.root, unit, record['address'], record['machine'],
                   host=record.get('principal'))


class Runner:
    def __init__(self, model, providers=None, out=print):
        self.model = model
        self.out = out
        # application name -> Provider instance, for the settle loop
        self.providers = providers if providers is not None else {}
        self.bin_dir = install(os.path.join(model.root, 'bin'))
        # the machines' python reads this repository's bytecode (same
        # 3.11 magic), not recompiling the tools on each call
        compileall.compile_dir(os.path.dirname(localjuju.__file__),
                               quiet=1)
        self.answering = threading.Lock()

    # -- environment -----------------------------------------------------
    def environment(self, state, unit, hook, rel_id=None, remote_unit=None,
                    departing=None, action=None):
        machine = machine_of(self.model, state, unit)
        env = {
            'PATH': self.bin_dir + ':' + SYSTEM_PATH,
            'HOME': '/root',
            'LANG': 'C.UTF-8',
            'LOCAL_JUJU_STATE': self.model.root,
            'JUJU_UNIT_NAME': unit,
            'JUJU_MODEL_NAME': state['name'],
            'JUJU_MODEL_UUID': state['uuid'],
            'JUJU_CHARM_DIR': machine.charm_dir,
            'CHARM_DIR': machine.charm_dir,
            'JUJU_AGENT_DIR': machine.agent_dir,
            'JUJU_VERSION': JUJU_VERSION,
            'JUJU_CONTEXT_ID': '{}-{}-{}'.format(
                unit, hook, uuid.uuid4().hex[:8]),
            'JUJU_AVAILABILITY_ZONE': '',
            'JUJU_PRINCIPAL_UNIT': state['units'][unit].get('principal',
                                                            ''),
            'JUJU_MACHINE_ID': str(machine.number),
            'JUJU_API_ADDRESSES': '',
            'JUJU_CHARM_HTTP_PROXY': '', 'JUJU_CHARM_HTTPS_PROXY': '',
            'JUJU_CHARM_NO_PROXY': '',
        }
        if os.environ.get('LOCAL_JUJU_TRACE'):
            env['LOCAL_JUJU_TRACE'] = os.environ['LOCAL_JUJU_TRACE']
        if action:
            env.update(JUJU_ACTION_NAME=hook, JUJU_ACTION_UUID=action,
                       JUJU_ACTION_TAG='action-' + action,
                       JUJU_DISPATCH_PATH='actions/' + hook)
        else:
            env.update(JUJU_HOOK_NAME=hook,
                       JUJU_DISPATCH_PATH='hooks/' + hook)
        if rel_id is not None:
            relation = state['relations'][str(rel_id)]
            endpoint = m.local_side(relation, m.app_of(unit))['endpoint']
            env.update(JUJU_RELATION=endpoint,
                       JUJU_RELATION_ID=m.relation_key(endpoint, rel_id),
                       JUJU_REMOTE_APP=m.remote_app(relation,
                                                    m.app_of(unit)))
            if remote_unit:
                env['JUJU_REMOTE_UNIT'] = remote_unit
            if departing:
                env['JUJU_DEPARTING_UNIT'] = departing
        return env

    # -- running ---------------------------------------------------------
    def _execute(self, state, unit, kind, name, env, output):
        machine = machine_of(self.model, state, unit)
        path = '{}/{}/{}'.format(machine.charm_dir, kind, name)
        try:
            command = machine.enter_command(machine.charm_dir) + [path]
        except MachineDown:
            return 'machine down'
        # its own session: on a timeout the whole hook goes (nsenter
        # forks it into the machine's PID namespace)
        proc = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL,
                                stdout=output, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            return proc.wait(timeout=HOOK_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return 'timeout'

    def has(self, state, unit, kind, name):
        machine = machine_of(self.model, state, unit)
        path = machine.host_path('{}/{}/{}'.format(machine.charm_dir, kind,
                                                   name))
        return os.access(path, os.X_OK)

    def run_hook(self, unit, hook, rel_id=None, remote_unit=None,
                 departing=None):
        """Run one hook; return True on success. A missing hook is a
        success, as in Juju. A failure leaves the unit in error."""
        state = self.model.read()
        if not self.has(state, unit, 'hooks', hook):
            return True
        env = self.environment(state, unit, hook, rel_id, remote_unit,
                               departing)
        self._set_agent(unit, 'executing')
        log_path = m.unit_log(self.model.root, unit)
        started = time.monotonic()
        with open(log_path, 'a') as log:
            log.write(log_line(unit, 'INFO', 'running "{}" hook'.format(
                hook)))
            log.flush()
            code = self._execute(state, unit, 'hooks', hook, env, log)
            seconds = time.monotonic() - started
            ok = code == 0
            log.write(log_line(unit, 'INFO' if ok else 'ERROR',
                               'ran "{}" hook'.format(hook) if ok else
                               'hook "{}" failed: exit status {}'.format(
                                   hook, code)))
        self._finish(unit, env['JUJU_CONTEXT_ID'], ok, hook, dict(
            hook=hook, rel_id=rel_id, remote_unit=remote_unit,
            departing=departing))
        context = ' ({})'.format(env['JUJU_RELATION_ID']) \
            if rel_id is not None else ''
        self.out('{:<16} {:<40} {:7.2f}s  {}'.format(
            unit, hook + context, seconds,
            'ok' if ok else 'FAILED (exit {}), log: {}'.format(
                code, log_path)))
        if ok:
            self.answer_providers()
        return ok

    def run_everywhere(self, units, step):
        """``step(unit)`` on every unit at once; their results, in order."""
        if len(units) < 2:
            return [step(unit) for unit in units]
        with concurrent.futures.ThreadPoolExecutor(len(units)) as pool:
            return list(pool.map(step, units))

    def _set_agent(self, unit, agent):
        with self.model.edit() as state:
            state['units'][unit]['agent'] = agent

    def _finish(self, unit, context_id, ok, hook, event):
        """Publish the hook's relation data only if it succeeded."""
        with self.model.edit() as state:
            pending = state['contexts'].pop(context_id, None)
            record = state['units'][unit]
            record['agent'] = 'idle'
            if not ok:
                record['error'] = event
                return
            if record.get('life', 'alive') != 'alive':
                return  # a leaving unit's settings leave with it
            for key, changes in ((pending or {}).get('relations')
                                 or {}).items():
                relation = state['relations'].get(key)
                if relation is None:
                    continue
                app = m.app_of(unit)
                relation['units'][unit] = merged(
                    relation['units'].get(unit, {}), changes['unit'])
                relation['apps'][app] = merged(
                    relation['apps'].get(app, {}), changes['app'])

    def run_action(self, unit, name, params):
        """Run an action; return its record (status, results, log...)."""
        with self.model.edit() as state:
            action_id = str(state['next-action-id'])
            state['next-action-id'] += 1
            state['actions'][action_id] = {
                'id': action_id, 'unit': unit, 'name': name,
                'params': params, 'results': {}, 'status': 'running',
                'message': '', 'log': [], 'started': time.time()}
        if not self.has(state, unit, 'actions', name):
            return self._action_done(action_id, 'failed',
                                     'action not implemented on unit')
        env = self.environment(state, unit, name, action=action_id)
        output = os.path.join(m.unit_dir(self.model.root, unit),
                              'action-{}.out'.format(action_id))
        with open(output, 'w') as out:
            code = self._execute(state, unit, 'actions', name, env, out)
        with open(output) as out:
            text = out.read()
        with open(m.unit_log(self.model.root, unit), 'a') as log:
            log.write(log_line(unit, 'INFO', 'ran action "{}" ({}): exit '
                               '{}'.format(name, action_id, code)))
        self._finish(unit, env['JUJU_CONTEXT_ID'], True, name, {})
        record = self._action_done(action_id, None, None, code, text)
        self.answer_providers()
        return record

    def _action_done(self, action_id, status, message, code=0, stdout=''):
        with self.model.edit() as state:
            record = state['actions'][action_id]
            record['stdout'] = stdout
            record['return-code'] = code
            if status:
                record.update(status=status, message=message)
            elif record['status'] == 'running':
                if code == 0:
                    record['status'] = 'completed'
                else:
                    record.update(status='failed',
                                  message='exit status {}'.format(code))
            record['completed'] = time.time()
            return record

    # -- settling --------------------------------------------------------
    def answer_providers(self):
        """Let each provider answer charm data it has not seen yet."""
        with self.answering:
            self._answer_providers()

    def _answer_providers(self):
        state = self.model.read()
        for key, relation in sorted(state['relations'].items()):
            provider_app = next(
                (side['application'] for side in relation['endpoints']
                 if side['application'] in self.providers), None)
            if provider_app is None or relation.get('life') == 'dying':
                continue
            view = relation_view(state, int(key), relation, provider_app)
            seen = events.digest(view.charm_units, view.charm_app,
                                 view.provider_units)
            if relation.get('provider-seen') == seen:
                continue
            answered = copy.deepcopy((view.charm_units, view.charm_app))
            self.providers[provider_app].respond(view)
            with self.model.edit() as state:
                apply_answer(state, key, provider_app, view)
                after = relation_view(state, int(key),
                                      state['relations'][key], provider_app)
                # seen: the charm data it answered (a unit's hook may have
                # published more meanwhile: the next pass answers that)
                # and its own answer
                state['relations'][key]['provider-seen'] = events.digest(
                    *answered, after.provider_units)

    def settle(self, units=None):
        """Run hooks until no unit has anything left to react to: every
        idle unit's next hook starts as soon as it has one."""
        started, running = 0, {}
        with concurrent.futures.ThreadPoolExecutor(SETTLE_WORKERS) as pool:
            while True:
                self.answer_providers()
                with self.model.edit() as state:
                    for unit in units or sorted(state['units']):
                        if unit in running or started >= MAX_SETTLE_HOOKS:
                            continue
                        event = events.next_event(state, [unit])
                        if event is not None:
                            running[unit] = pool.submit(self.run_hook,
                                                        **event)
                            started += 1
                    if not running:
                        for rel_id in events.finished_relations(state):
                            del state['relations'][str(rel_id)]
                if not running:
                    break
                done, _ = concurrent.futures.wait(
                    running.values(),
                    return_when=concurrent.futures.FIRST_COMPLETED)
                for unit in [u for u, f in running.items() if f in done]:
                    running.pop(unit).result()
        if started >= MAX_SETTLE_HOOKS:
            raise HookFailed('the model did not settle after {} hooks'
                             .format(MAX_SETTLE_HOOKS))


def relation_view(state, rel_id, relation, provider_app):
    charm_app = m.remote_app(relation, provider_app)
    units = relation['units']
    return RelationView(
        m.relation_key(m.local_side(relation, charm_app)['endpoint'],
                       rel_id),
        m.local_side(relation, provider_app)['endpoint'],
        {u: dict(d) for u, d in units.items() if m.app_of(u) == charm_app},
        dict(relation['apps'].get(charm_app, {})),
        {u: dict(d) for u, d in units.items()
         if m.app_of(u) == provider_app},
        unit_address=provider_address(state, provider_app))


def provider_address(state, provider_app):
    """Where a provider's units (the host's services) are reached."""
    units = state['applications'][provider_app]['units']
    return state['units'][units[0]]['address'] if units else \
        PROVIDER_ADDRESS


def apply_answer(state, key, provider_app, view):
    relation = state['relations'][key]
    for unit, data in view.unit_updates.items():
        if m.app_of(unit) != provider_app:
            raise ValueError('provider {} answered for foreign unit {}'
                             .format(provider_app, unit))
        address = state['units'][unit]['address']
        relation['units'][unit] = dict(m.automatic_settings(address),
                                       **data)
    if view.app_update is not None:
        relation['apps'][provider_app] = dict(view.app_update)


def log_line(unit, level, message):
    return 'unit-{}: {} {} juju.worker.uniter.operation {}\n'.format(
        m.unit_tag(unit), time.strftime('%H:%M:%S'), level, message)


def progress(text):
    sys.stdout.write(text + '\n')
    sys.stdout.flush()
