"""The model: one JSON document per model, edited under an fcntl lock.

Everything a charm can observe through the hook tools lives here, so that
hook tools (separate processes) and the runner see one consistent state.
The document is plain data; helpers below name its parts.
"""

import contextlib
import fcntl
import json
import os

DEFAULT_STATE = '/var/lib/local-juju'
DEFAULT_MODEL = 'local'


def state_dir():
    return os.environ.get('LOCAL_JUJU_STATE') or DEFAULT_STATE


def empty_state(name):
    import uuid  # only for a new model: tools start faster without it
    return {
        'name': name,
        'uuid': str(uuid.uuid4()),
        'next-relation-id': 0,
        'next-action-id': 1,
        'applications': {},
        'units': {},
        'relations': {},
        'actions': {},
        # Relation data a running hook has set: Juju publishes it only
        # when the hook succeeds. Keyed by JUJU_CONTEXT_ID.
        'contexts': {},
    }


class Model:
    """Access to one model's state file."""

    def __init__(self, name=DEFAULT_MODEL, root=None):
        self.name = name
        self.root = root or state_dir()
        self.path = os.path.join(self.root, name + '.json')
        self.lock_path = os.path.join(self.root, name + '.lock')

    def exists(self):
        return os.path.exists(self.path)

    @contextlib.contextmanager
    def _locked(self, mode):
        os.makedirs(self.root, mode=0o700, exist_ok=True)
        with open(self.lock_path, 'a') as lock:
            fcntl.flock(lock, mode)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _load(self):
        try:
            with open(self.path) as stored:
                return json.load(stored)
        except FileNotFoundError:
            return empty_state(self.name)

    def read(self):
        """A snapshot of the state (changes to it are not saved)."""
        with self._locked(fcntl.LOCK_SH):
            return self._load()

    @contextlib.contextmanager
    def edit(self):
        """Yield the state; save it atomically if the block succeeds."""
        with self._locked(fcntl.LOCK_EX):
            state = self._load()
            yield state
            tmp = self.path + '.tmp'
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, 'w') as out:
                json.dump(state, out, indent=1, sort_keys=True)
            os.replace(tmp, self.path)

    def remove(self):
        for path in (self.path, self.lock_path):
            if os.path.exists(path):
                os.unlink(path)


# -- names ---------------------------------------------------------------

def app_of(unit):
    return unit.split('/')[0]


def unit_tag(unit):
    """``app/0`` -> ``app-0`` (used for directories)."""
    return unit.replace('/', '-')


def unit_dir(root, unit):
    return os.path.join(root, 'units', unit_tag(unit))


def unit_log(root, unit):
    """The unit's log, what `juju debug-log` would show for it."""
    return os.path.join(unit_dir(root, unit), 'unit.log')


def relation_key(endpoint, rel_id):
    return '{}:{}'.format(endpoint, rel_id)


# -- relations -----------------------------------------------------------

def automatic_settings(address):
    """The keys Juju puts in every unit's relation settings."""
    return {'private-address': address, 'ingress-address': address,
            'egress-subnets': address + '/32'}


def local_side(relation, app):
    """The endpoint record of ``app`` in ``relation`` (a peer: either)."""
    for side in relation['endpoints']:
        if side['application'] == app:
            return side
    return None


def remote_app(relation, app):
    """The application at the other end (itself for a peer relation)."""
    for side in relation['endpoints']:
        if side['application'] != app:
            return side['application']
    return app


def remote_units(state, relation, unit):
    """Units at the other end of ``relation`` as ``unit`` should see them:
    through a container-scoped relation, only those on its machine."""
    other = remote_app(relation, app_of(unit))
    found = [u for u in state['applications'][other]['units'] if u != unit]
    if relation.get('scope') == 'container':
        here = host_unit(state, unit)
        found = [u for u in found if host_unit(state, u) == here]
    return found


def host_unit(state, unit):
    """The unit whose machine ``unit`` runs on: its principal's, or its
    own."""
    return state['units'][unit].get('principal') or unit


def subordinates_of(state, unit):
    """The subordinate units on ``unit``'s machine."""
    return sorted(u for u, record in state['units'].items()
                  if record.get('principal') == unit)


def relations_of(state, app, endpoint=None):
    """(id, relation) pairs ``app`` takes part in, by numeric id."""
    found = []
    for key in sorted(state['relations'], key=int):
        relation = state['relations'][key]
        side = local_side(relation, app)
        if side and (endpoint is None or side['endpoint'] == endpoint):
            found.append((int(key), relation))
    return found


def parse_relation_id(state, app, text):
    """Resolve ``amqp:3`` or ``3`` for ``app``; None when unknown."""
    name, _, number = text.rpartition(':')
    if not number.isdigit():
        return None
    relation = state['relations'].get(str(int(number)))
    if relation is None:
        return None
    side = local_side(relation, app)
    if side is None or (name and name != side['endpoint']):
        return None
    return int(number)


# -- status --------------------------------------------------------------

def derived_app_status(state, app):
    """Juju shows the most significant unit status for the application."""
    order = ('error', 'blocked', 'maintenance', 'waiting', 'active',
             'unknown')
    statuses = [state['units'][u]['workload']
                for u in state['applications'][app]['units']]
    statuses.sort(key=lambda s: order.index(s['status'])
                  if s['status'] in order else len(order))
    return statuses[0] if statuses else {'status': 'unknown', 'message': ''}
