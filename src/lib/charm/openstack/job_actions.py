"""The actions an operator runs on Mistral's executions and cron
triggers from Juju; each reports with action-set or fails with a reason,
and prints no workflow input (where secrets may travel)."""

import json
import time

from charmhelpers.core import hookenv

from openstack_base.actions import ActionRefused

from charm.openstack import jobs
from charm.openstack.mistral_api import FINISHED, Mistral, MistralError

# target state -> the states it may be reached from
MOVES = {'CANCELLED': ('RUNNING', 'PAUSED'), 'PAUSED': ('RUNNING',),
         'RUNNING': ('PAUSED',)}


def api(charm):
    try:
        return Mistral.from_conf(charm.mistral_conf)
    except MistralError as error:
        raise ActionRefused('cannot reach Mistral: {}'.format(error))


def param(name, default=None):
    value = hookenv.action_get(name)
    return default if value in (None, '') else value


def execution_summary(execution):
    """What an operator wants of an execution, its input left out."""
    found = {'execution-id': execution['id'],
             'workflow': execution.get('workflow_name', ''),
             'state': execution['state']}
    if execution.get('state_info'):
        found['state-info'] = execution['state_info']
    if execution['state'] in FINISHED:
        found['output'] = execution.get('output') or '{}'
    return found


def run_workflow(charm):
    name = param('name')
    # `juju run ... input='{"a": 1}'` gives an object (Juju reads each
    # value as YAML); a quoted value or --params may give its JSON text
    given = param('input', {})
    if isinstance(given, str):
        try:
            given = json.loads(given)
        except ValueError as error:
            raise ActionRefused('input is not JSON: {}'.format(error))
    if not isinstance(given, dict):
        raise ActionRefused('input must be a JSON object')
    mistral = api(charm)
    namespace = param('namespace')
    if namespace is None:
        namespace = jobs.NAMESPACE if name in mistral.workflows(
            jobs.NAMESPACE) else ''
    try:
        execution = mistral.start(name, given, namespace)
    except MistralError as error:
        raise ActionRefused('cannot run {}: {}'.format(name, error))
    if param('wait', False):
        deadline = time.monotonic() + int(param('timeout', 300))
        while execution['state'] not in FINISHED:
            if time.monotonic() > deadline:
                raise ActionRefused('execution {} still {} after {}s'.format(
                    execution['id'], execution['state'], param('timeout')),
                    execution_summary(execution))
            time.sleep(1)
            execution = mistral.execution(execution['id'])
    return execution_summary(execution)


def show_execution(charm):
    return execution_summary(find_execution(api(charm), param('id')))


def find_execution(mistral, execution_id):
    try:
        return mistral.execution(execution_id)
    except MistralError as error:
        raise ActionRefused('no execution {}: {}'.format(
            execution_id, error))


def move(target):
    """An action that moves an execution to ``target``, when it may."""
    def act(charm):
        mistral = api(charm)
        execution = find_execution(mistral, param('id'))
        if execution['state'] not in MOVES[target]:
            raise ActionRefused('execution {} is {}: only {} can become '
                                '{}'.format(execution['id'],
                                            execution['state'],
                                            ' or '.join(MOVES[target]),
                                            target))
        moved = mistral.request('PUT', '/executions/' + execution['id'],
                                {'state': target})
        return execution_summary(moved)
    return act


def list_executions(charm):
    query = {'limit': int(param('limit', 20)), 'sort_keys': 'created_at',
             'sort_dirs': 'desc'}
    for key, name in (('state', 'state'), ('workflow', 'workflow_name')):
        if param(key):
            query[name] = param(key)
    lines = ['{} {} {} {}'.format(e['id'], e.get('workflow_name'),
                                  e['state'], e.get('created_at'))
             for e in api(charm).executions(**query)]
    return {'count': len(lines), 'executions': '\n'.join(lines)}


def list_cron_triggers(charm):
    owned = jobs.recorded().get('cron-triggers', {})
    lines = ['{} "{}" {} next {} {}'.format(
        t['name'], t.get('pattern'), t.get('workflow_name'),
        t.get('next_execution_time'),
        'from config' if t['name'] in owned else 'by a user')
        for t in sorted(api(charm).cron_triggers().values(),
                        key=lambda t: t['name'])]
    return {'count': len(lines), 'cron-triggers': '\n'.join(lines)}


ACTIONS = {
    'run-workflow': run_workflow,
    'list-executions': list_executions,
    'show-execution': show_execution,
    'cancel-execution': move('CANCELLED'),
    'pause-execution': move('PAUSED'),
    'resume-execution': move('RUNNING'),
    'list-cron-triggers': list_cron_triggers,
}
