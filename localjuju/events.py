"""Which hook a unit must run next, computed from the model state alone.

Each unit records what it has seen of each relation (joined remote units
with a digest of their data) and of the leader settings; the difference
between that and the model is the next hook, in Juju's order:
relation-created, -joined then -changed per remote unit, -changed again
when remote data changes, -departed per leaving unit, -broken last.
"""

import hashlib
import json

from localjuju import model as m


def digest(*parts):
    text = json.dumps(parts, sort_keys=True)
    return hashlib.sha1(text.encode()).hexdigest()[:16]


class Event(dict):
    """A hook to run: unit, hook and the relation context it needs."""

    def __init__(self, unit, hook, rel_id=None, remote_unit=None,
                 departing=None):
        super().__init__(unit=unit, hook=hook, rel_id=rel_id,
                         remote_unit=remote_unit, departing=departing)


def remote_digest(relation, remote_unit):
    """What a -changed hook reacts to: the remote unit's and app's data.

    Juju fires a separate -changed without a remote unit for application
    data; folding app data into each remote unit's digest keeps
    JUJU_REMOTE_UNIT set, which older reactive interfaces rely on.
    """
    other = m.app_of(remote_unit)
    return digest(relation['units'].get(remote_unit, {}),
                  relation['apps'].get(other, {}))


def relation_event(state, unit, rel_id, relation):
    """Next hook of ``unit`` for one relation, recording it as seen."""
    record = state['units'][unit]['relations']
    key = str(rel_id)
    endpoint = m.local_side(relation, m.app_of(unit))['endpoint']
    seen = record.get(key)
    if relation.get('life') == 'dying':
        if seen is None:
            return None
        for remote in sorted(seen['joined']):
            del seen['joined'][remote]
            return Event(unit, endpoint + '-relation-departed', rel_id,
                         remote, departing=remote)
        del record[key]
        return Event(unit, endpoint + '-relation-broken', rel_id)
    if seen is None:
        record[key] = {'joined': {}}
        return Event(unit, endpoint + '-relation-created', rel_id)
    remotes = m.remote_units(state, relation, unit)
    for remote in remotes:
        if remote not in seen['joined']:
            seen['joined'][remote] = None
            return Event(unit, endpoint + '-relation-joined', rel_id, remote)
    for remote in sorted(seen['joined']):
        if remote not in remotes:
            del seen['joined'][remote]
            return Event(unit, endpoint + '-relation-departed', rel_id,
                         remote, departing=remote)
        now = remote_digest(relation, remote)
        if seen['joined'][remote] != now:
            seen['joined'][remote] = now
            return Event(unit, endpoint + '-relation-changed', rel_id,
                         remote)
    return None


def leader_event(state, unit):
    app = state['applications'][m.app_of(unit)]
    if app.get('leader') == unit:
        return None
    now = digest(app['leader-settings'])
    record = state['units'][unit]
    if record.get('leader-settings-seen') == now:
        return None
    record['leader-settings-seen'] = now
    return Event(unit, 'leader-settings-changed')


def next_event(state, units=None):
    """The next hook to run among started, healthy charm units, marking it
    as seen in ``state`` (the caller saves it), or None when settled."""
    for unit in units or sorted(state['units']):
        record = state['units'][unit]
        if record.get('provider') or not record.get('started'):
            continue
        if record.get('power', 'on') != 'on' or \
                record.get('network', 'up') != 'up' or \
                record.get('life', 'alive') != 'alive':
            continue  # a dead or cut off machine's agent, or one leaving
        if record.get('error'):
            continue
        for rel_id, relation in m.relations_of(state, m.app_of(unit)):
            event = relation_event(state, unit, rel_id, relation)
            if event:
                return event
        event = leader_event(state, unit)
        if event:
            return event
    return None


def startup_events(state, unit, leader):
    """What a new unit runs, in Juju's order: install (unless done),
    relation-created per relation, leader-elected or
    leader-settings-changed, config-changed, start."""
    installed = state['units'][unit]['installed']
    steps = [] if installed else [dict(hook='install')]
    steps += [] if installed else created_events(state, unit)
    return steps + [dict(hook='leader-elected' if leader
                         else 'leader-settings-changed'),
                    dict(hook='config-changed'), dict(hook='start')]


def created_events(state, unit):
    """relation-created for every relation a new unit has not seen: Juju
    runs these right after install, before leader-elected."""
    events = []
    for rel_id, relation in m.relations_of(state, m.app_of(unit)):
        if relation.get('life') == 'dying':
            continue
        if str(rel_id) not in state['units'][unit]['relations']:
            events.append(relation_event(state, unit, rel_id, relation))
    return events


def finished_relations(state):
    """Dying relations no charm unit still has to say goodbye to."""
    done = []
    for key, relation in state['relations'].items():
        if relation.get('life') != 'dying':
            continue
        if not any(key in record['relations']
                   for record in state['units'].values()
                   if not record.get('provider')):
            done.append(int(key))
    return done
