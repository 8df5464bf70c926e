"""New records of the state file: an application, a unit, a provider
application, a relation, a workload status."""

import time

from localjuju import model as m
from localjuju.network import HOST_ADDRESS

# A provider's units stand on the host: their address is the host's on
# the units' bridge (where the real services listen).
PROVIDER_ADDRESS = HOST_ADDRESS


def status(name, message):
    return {'status': name, 'message': message, 'since': time.time()}


def application(charm):
    """A charm application with no unit yet."""
    return {'charm': charm.dir, 'charm-name': charm.name,
            'config': charm.default_config(), 'units': [], 'next-unit': 0,
            'leader': None, 'leader-settings': {}, 'version': '',
            'status': None, 'bindings': charm.bindings(),
            'subordinate': bool(charm.metadata.get('subordinate'))}


def next_unit(state, app):
    return '{}/{}'.format(app, state['applications'][app]['next-unit'])


def add_unit(state, app, address, principal=None):
    """Add the next unit of charm application ``app`` at ``address`` (a
    subordinate's: on ``principal``'s machine); return its name."""
    record = state['applications'][app]
    unit = next_unit(state, app)
    record['next-unit'] += 1
    record['units'].append(unit)
    machine = state['units'][principal]['machine'] if principal else len(
        [r for r in state['units'].values()
         if not r.get('provider') and not r.get('principal')])
    state['units'][unit] = {
        'application': app, 'address': address, 'machine': machine,
        'workload': status('waiting', 'agent initialising'),
        'agent': 'allocating', 'ports': [], 'relations': {},
        'installed': False, 'started': False, 'error': None}
    if principal:
        state['units'][unit]['principal'] = principal
    for _rel_id, relation in m.relations_of(state, app):
        relation['units'][unit] = m.automatic_settings(address)
    return unit


def add_provider_application(state, app, provider):
    """The remote application ``provider`` stands for, with its units."""
    state['applications'][app] = {
        'provider': provider.application, 'units': [], 'config': {},
        'leader': None, 'leader-settings': {}, 'version': '',
        'status': None, 'bindings': []}
    for number, _name in enumerate(provider.unit_names()):
        unit = '{}/{}'.format(app, number)
        state['applications'][app]['units'].append(unit)
        state['units'][unit] = {
            'application': app, 'address': PROVIDER_ADDRESS,
            'provider': True,
            'machine': None, 'workload': status('active', ''),
            'agent': 'idle', 'ports': [], 'relations': {}, 'error': None}
    state['applications'][app]['leader'] = \
        state['applications'][app]['units'][0]


def add_relation(state, sides):
    """A live relation between ``sides`` (endpoint records); its id."""
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


def find_relation(state, app, endpoint, other):
    """The id of the live relation of ``app:endpoint`` to ``other``."""
    for rel_id, relation in m.relations_of(state, app, endpoint):
        if relation.get('life') != 'dying' and \
                m.remote_app(relation, app) == other:
            return rel_id
    return None
