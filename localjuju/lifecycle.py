"""Units leaving and machines failing, and leadership as Juju keeps it.

remove-unit, kill-unit, revive-unit, cut-unit, reconnect-unit; one
leader, a lease, an election.

Leadership: the leader holds a lease of ``LOCAL_JUJU_LEASE`` seconds
(default 15) that its agent renews while it lives. When the leader is
removed or its machine is killed, the lease runs out that long after, and
the lowest-numbered live unit is elected: it runs ``leader-elected``, the
other live units ``leader-settings-changed``. The operation that lost the
leader waits for the election, so its caller sees the new leader.

A killed machine (``kill-unit``) loses power: every process in its
namespaces is SIGKILLed at once, its addresses go, its agent is ``lost``
and runs no hook; it stays in its relations, as a dead machine's unit
does in Juju. ``revive-unit`` boots it: a fresh /run and network, no
service starts by itself (no init system runs rc scripts here), then the
agent runs ``start`` and ``config-changed`` as Juju's uniter does after
a reboot; the charm starts its services there.

A cut-off machine (``cut-unit``) keeps running with its cable unplugged:
its services live on but reach nothing beyond loopback and nobody
reaches them; its agent cannot reach the controller, so it is ``lost``,
runs no hook, and a leader's lease runs out. ``reconnect-unit`` plugs it
back: the agent runs ``config-changed`` and the hooks it missed.
"""

import os
import shutil
import threading
import time

from localjuju import model as m
from localjuju import records
from localjuju.errors import OperationError
from localjuju.runner import machine_of


def lease_seconds():
    return float(os.environ.get('LOCAL_JUJU_LEASE', '15'))


def live(record):
    """Whether a charm unit's agent runs: started, powered, connected,
    not leaving."""
    return (not record.get('provider') and record.get('started')
            and record.get('power', 'on') == 'on'
            and record.get('network', 'up') == 'up'
            and record.get('life', 'alive') == 'alive')


class Lifecycle:
    """The Controller's unit life operations (mixed into Controller)."""

    def _owner(self, unit):
        """Who holds a unit's address lease on this host."""
        return '{}:{}:{}'.format(self.model.root, self.model.name, unit)

    def _charm_unit(self, unit):
        state = self.model.read()
        record = state['units'].get(unit)
        if record is None or record.get('provider'):
            raise OperationError('unit "{}" not found'.format(unit))
        return state, record

    # -- remove-unit -----------------------------------------------------
    def remove_unit(self, unit):
        """Like `juju remove-unit`: the unit leaves its relations
        (relation-departed on both sides, relation-broken on it), runs
        stop and remove, then its machine goes."""
        state, record = self._charm_unit(unit)
        for subordinate in m.subordinates_of(state, unit):
            self.remove_unit(subordinate)   # they go first, as in Juju
        app = m.app_of(unit)
        with self.model.edit() as state:
            state['units'][unit]['life'] = 'dying'
            state['applications'][app]['units'].remove(unit)
            for _rel_id, relation in m.relations_of(state, app):
                # still readable in the others' -departed hooks, as in Juju
                relation.setdefault('departed', {})[unit] = \
                    relation['units'].pop(unit, {})
            was_leader = state['applications'][app]['leader'] == unit
            if was_leader:
                self._lose_leader(state, app)
            seen = dict(state['units'][unit]['relations'])
        # Its agent says goodbye while the others go on: they see it
        # depart, and a lost leader's lease runs out meanwhile, as Juju's
        # lease manager does not wait for a dying unit's hooks.
        leaving = threading.Thread(target=self._leave, args=(unit, seen))
        if record.get('power', 'on') == 'on' and record.get('started'):
            leaving.start()
        try:
            self.runner.settle()
            if was_leader:
                self.elect(app)
        finally:
            if leaving.ident is not None:
                leaving.join()
        self.out('removing {}'.format(unit))
        machine = machine_of(self.model, state, unit)
        if record.get('principal'):     # its machine stays, not its agent
            if machine.exists():    # its log stays, as debug-log's
                shutil.rmtree(machine.host_path(machine.agent_dir),
                              ignore_errors=True)
        else:
            machine.destroy()
        with self.model.edit() as state:
            del state['units'][unit]
        self.runner.settle()
        with self.model.edit() as state:
            for _rel_id, relation in m.relations_of(state, app):
                relation.get('departed', {}).pop(unit, None)
        self.elect(app)

    def _leave(self, unit, seen):
        self._leave_relations(unit, seen)
        for hook in ('stop', 'remove'):
            self.runner.run_hook(unit, hook)

    def _leave_relations(self, unit, seen):
        state = self.model.read()
        for key, known in sorted(seen.items(), key=lambda kv: int(kv[0])):
            relation = state['relations'].get(key)
            if relation is None:
                continue
            endpoint = m.local_side(relation, m.app_of(unit))['endpoint']
            for remote in sorted(known['joined']):
                self.runner.run_hook(unit, endpoint + '-relation-departed',
                                     int(key), remote, departing=unit)
            self.runner.run_hook(unit, endpoint + '-relation-broken',
                                 int(key))
            with self.model.edit() as state:
                state['units'][unit]['relations'].pop(key, None)

    # -- kill-unit, revive-unit ------------------------------------------
    def kill_unit(self, unit, wait=True):
        """The unit's machine loses power: all its processes die at once."""
        state, record = self._charm_unit(unit)
        machine_of(self.model, state, unit).power_off()
        for agent in [unit] + m.subordinates_of(state, unit):
            self._lose_agent(agent, wait, 'machine killed', power='off',
                             workload=records.status(
                                 'unknown', 'agent lost, see `status`'))

    def _lose_agent(self, unit, wait, what, **record):
        """The unit's agent no longer reaches the controller: ``record``
        says why; a leader's lease runs out (``wait``: elect after it)."""
        app = m.app_of(unit)
        with self.model.edit() as state:
            state['units'][unit].update(agent='lost', **record)
            if state['applications'][app]['leader'] == unit:
                self._lose_leader(state, app)
        self.out('{}: {}'.format(unit, what))
        if wait:
            self.elect(app)

    def revive_unit(self, unit, run_hooks=True):
        """Power the machine on again: systemd starts what is enabled;
        then (``run_hooks``) the agent runs start and config-changed."""
        state, record = self._charm_unit(unit)
        if record.get('power', 'on') == 'on':
            raise OperationError('unit "{}" is not killed'.format(unit))
        machine = machine_of(self.model, state, unit)
        self._ensure_machine(unit, boot=False)
        machine.power_on()
        with self.model.edit() as state:
            agents = [unit] + m.subordinates_of(state, unit)
            for agent in agents:
                state['units'][agent].update(power='on')
        self.out('{}: machine booted'.format(unit))
        if run_hooks:
            for agent in agents:
                self.agent_back(agent)

    def agent_back(self, unit):
        """A booted machine's agent reaches the controller again: Juju's
        uniter runs start and config-changed."""
        with self.model.edit() as state:
            state['units'][unit].update(agent='idle')
        for hook in ('start', 'config-changed'):
            if not self.runner.run_hook(unit, hook):
                break
        self.elect(m.app_of(unit))
        self.runner.settle()

    # -- cut-unit, reconnect-unit -----------------------------------------
    def cut_unit(self, unit, wait=True):
        """The unit's machine loses its network, its processes live on."""
        state, record = self._charm_unit(unit)
        machine_of(self.model, state, unit).net.cut()
        for agent in [unit] + m.subordinates_of(state, unit):
            self._lose_agent(agent, wait, 'network cut', network='cut')

    def reconnect_unit(self, unit):
        """Plug the machine back: the agent runs the hooks it missed."""
        state, record = self._charm_unit(unit)
        if record.get('network', 'up') == 'up':
            raise OperationError('unit "{}" is not cut off'.format(unit))
        machine = machine_of(self.model, state, unit)
        machine.net.power_on()
        with self.model.edit() as state:
            agents = [unit] + m.subordinates_of(state, unit)
            for agent in agents:
                state['units'][agent].update(network='up', agent='idle')
        self.out('{}: network back'.format(unit))
        # Juju's uniter catches up: config-changed (here always; a charm
        # that converges makes it a no-op), then what settle finds missed
        for agent in agents:
            self.runner.run_hook(agent, 'config-changed')
            self.elect(m.app_of(agent))
        self.runner.settle()

    # -- leadership ------------------------------------------------------
    @staticmethod
    def _lose_leader(state, app):
        """The leader's agent stops renewing: its lease runs out later."""
        record = state['applications'][app]
        record['lease-expires'] = time.time() + lease_seconds()
        record['leader'] = None

    def elect(self, app, wait=True):
        """Once the lease ran out, make the first live unit leader; True
        if a leader was elected now."""
        state = self.model.read()
        record = state['applications'][app]
        if record['leader'] is not None:
            return False
        candidates = sorted(
            (u for u in record['units'] if live(state['units'][u])),
            key=lambda u: int(u.split('/')[1]))
        if not candidates:
            return False
        remaining = record.get('lease-expires', 0) - time.time()
        if remaining > 0:
            if not wait:
                return False
            self.out('{}: leader lease runs out in {:.1f}s'.format(
                app, remaining))
            time.sleep(remaining)
        leader = candidates[0]
        with self.model.edit() as state:
            state['applications'][app]['leader'] = leader
            for unit in candidates[1:]:
                state['units'][unit]['leader-settings-seen'] = None
        self.out('{}: {} elected leader'.format(app, leader))
        self.runner.run_hook(leader, 'leader-elected')
        self.runner.settle()
        return True
