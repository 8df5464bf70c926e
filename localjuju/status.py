"""A `juju status` shaped view of the model."""

import time

from localjuju import JUJU_VERSION
from localjuju import machinefiles
from localjuju import model as m
from localjuju.hooktools.output import as_yaml


def table(rows):
    """Left-aligned columns two spaces apart, trailing blanks trimmed."""
    widths = [max(len(str(row[i])) for row in rows)
              for i in range(len(rows[0]))]
    return '\n'.join('  '.join(str(cell).ljust(width)
                               for cell, width in zip(row, widths)).rstrip()
                     for row in rows)


def unit_status(record):
    """(workload, agent, message) as Juju shows them."""
    if record.get('error'):
        return 'error', 'idle', 'hook failed: "{}"'.format(
            record['error']['hook'])
    workload = record['workload']
    return workload['status'], record['agent'], workload['message']


def app_status(state, name):
    record = state['applications'][name]
    units = [state['units'][u] for u in record['units']]
    if any(u.get('error') for u in units):
        failed = next(u for u in units if u.get('error'))
        return 'error', unit_status(failed)[2]
    shown = record.get('status') or m.derived_app_status(state, name)
    return shown['status'], shown['message']


def render(state, now=None, machines=None):
    """The status text; ``machines`` maps a unit to what its machine's
    systemd says (``Machine.system_state``), for Juju's machine table."""
    stamp = time.strftime('%H:%M:%SZ', time.gmtime(now))
    sections = [table([
        ('Model', 'Controller', 'Cloud/Region', 'Version', 'Timestamp'),
        (state['name'], 'local', 'localhost/localhost', JUJU_VERSION,
         stamp)])]
    apps = [('App', 'Version', 'Status', 'Scale', 'Charm', 'Channel',
             'Message')]
    for name, record in sorted(state['applications'].items()):
        status, message = app_status(state, name)
        charm = ('provider:' + record['provider'] if record.get('provider')
                 else record['charm-name'])
        apps.append((name, record['version'], status,
                     len(record['units']), charm, 'local', message))
    sections.append(table(apps))
    units = [('Unit', 'Workload', 'Agent', 'Machine', 'Address', 'Ports',
              'Message')]
    for name, record in sorted(state['applications'].items()):
        for unit in record['units']:
            unit_record = state['units'][unit]
            workload, agent, message = unit_status(unit_record)
            leader = '*' if record.get('leader') == unit else ''
            machine = unit_record.get('machine')
            units.append((unit + leader, workload, agent,
                          '' if machine is None else machine,
                          unit_record['address'],
                          ','.join(unit_record['ports']), message))
    sections.append(table(units))
    relations = [('Integration provider', 'Requirer', 'Interface', 'Type')]
    for key in sorted(state['relations'], key=int):
        relation = state['relations'][key]
        sides = sorted(relation['endpoints'],
                       key=lambda s: s['role'] != 'provides')
        names = ['{}:{}'.format(s['application'], s['endpoint'])
                 for s in sides]
        kind = 'peer' if len(sides) == 1 else 'regular'
        if relation.get('life') == 'dying':
            kind += ' (dying)'
        relations.append((names[0], names[-1], sides[0]['interface'], kind))
    if machines:
        rows = [('Machine', 'State', 'Address', 'Inst id', 'Base',
                 'Message')]
        for unit, system in sorted(machines.items(), key=lambda item:
                                   state['units'][item[0]]['machine']):
            record = state['units'][unit]
            rows.append((record['machine'],
                         'down' if system == 'off' else 'started',
                         record['address'], 'juju-' + m.unit_tag(unit),
                         base(), system))
        sections.append(table(rows))
    if len(relations) > 1:
        sections.append(table(relations))
    return '\n\n'.join(sections) + '\n'


def base():
    """The machines' base, as Juju names one (``debian@12``)."""
    info = machinefiles.host_release()
    return '{}@{}'.format(info.get('ID', 'debian'), info.get('VERSION_ID'))


def action_output(record):
    """What `juju run` prints for a finished action."""
    lines = ['Running operation {0} with 1 task'.format(record['id']),
             '  - task {0} on unit-{1}'.format(record['id'],
                                               m.unit_tag(record['unit'])),
             '', 'Waiting for task {}...'.format(record['id'])]
    for entry in record['log']:
        lines.append('{} {}'.format(
            time.strftime('%H:%M:%S', time.localtime(entry['timestamp'])),
            entry['message']))
    if record['results']:
        lines.append(as_yaml(record['results']).rstrip('\n'))
    if record['stdout'].strip():
        lines.append(record['stdout'].rstrip('\n'))
    if record['status'] != 'completed':
        lines.append('ERROR the following task failed:')
        lines.append(' id "{}" with return code {}: {}'.format(
            record['id'], record['return-code'], record['message']))
    return '\n'.join(lines) + '\n'
