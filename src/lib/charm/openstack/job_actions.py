"""The actions an operator runs on Mistral's executions and cron
triggers from Juju; each reports with action-set or fails with a reason:
the parameter and why, or Mistral's own reason (bounded, no credential,
no traceback). None prints a workflow's input (where secrets may
travel)."""

import functools
import json
import subprocess
import time

from charmhelpers.core import hookenv

from openstack_base import grammar
from openstack_base.actions import ActionRefused

from charm.openstack import jobs, stuck
from charm.openstack.mistral_api import (
    FINISHED, Mistral, MistralError, bounded)

# target state -> the states it may be reached from
MOVES = {'CANCELLED': ('RUNNING', 'PAUSED'), 'PAUSED': ('RUNNING',),
         'RUNNING': ('PAUSED',)}
# What GET /executions filters on (mistral/workflow/states.py).
STATES = ('IDLE', 'RUNNING', 'SUCCESS', 'ERROR', 'PAUSED', 'CANCELLED')
# The bounds actions.yaml gives Juju to check first.
LIMITS = {'limit': (1, 1000), 'timeout': (1, 3600),
          'older-than': (1, 86400)}
# Mistral's interpreter, isolated: neither the charm's venv nor the
# script's own directory (which holds the charm's mistral.py).
MISTRAL_PYTHON = ['/usr/bin/python3', '-I']
SCAN_TIMEOUT = 300
# Mistral's names and ids are at most 255 characters (its database).
MAX_NAME = 255


def api(charm):
    try:
        return Mistral.from_conf(charm.mistral_conf)
    except MistralError as error:
        raise ActionRefused('cannot reach Mistral: {}'.format(error))


def param(name, default=None):
    value = hookenv.action_get(name)
    return default if value in (None, '') else value


def refuse(name, why, value):
    raise ActionRefused('{}: {}, not {}'.format(name, why,
                                                grammar.shown(value)))


def text_param(name, required=False):
    """A one-line string parameter (None when not given)."""
    value = param(name)
    if value is None:
        if required:
            raise ActionRefused('{}: must be given'.format(name))
        return None
    if not isinstance(value, str) or grammar.one_line(value, MAX_NAME):
        refuse(name, 'must be one line of text of at most {} '
               'characters'.format(MAX_NAME), value)
    return value


def integer_param(name, default):
    """An integer parameter within LIMITS[name]."""
    value = param(name, default)
    low, high = LIMITS[name]
    if isinstance(value, float) and value.is_integer():
        value = int(value)      # JSON has one kind of number
    if isinstance(value, bool) or not isinstance(value, int) or \
            not low <= value <= high:
        refuse(name, 'must be an integer from {} to {}'.format(low, high),
               value)
    return value


def boolean_param(name):
    value = param(name, False)
    if not isinstance(value, bool):
        refuse(name, 'must be true or false', value)
    return value


def mistral_reason(action):
    """Mistral's refusal as the action's failure: its HTTP status and
    its reason, which mistral_api has bounded; or why it was not
    reached."""
    @functools.wraps(action)
    def act(charm):
        try:
            return action(charm)
        except MistralError as error:
            raise ActionRefused(said(error))
    return act


def said(error):
    """A MistralError as the operator reads it."""
    if error.status is None:
        return str(error)
    return 'Mistral refused ({}): {}'.format(error.status, error)


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
    name = text_param('name', required=True)
    # `juju run ... input='{"a": 1}'` gives an object (Juju reads each
    # value as YAML); a quoted value or --params may give its JSON text
    given = param('input', {})
    if isinstance(given, str):
        try:
            given = json.loads(given)
        except ValueError as error:
            # json's message says where, never quotes the text
            raise ActionRefused('input is not JSON: {}'.format(error))
    if not isinstance(given, dict):
        raise ActionRefused('input must be a JSON object')
    namespace = text_param('namespace')
    wait = boolean_param('wait')
    timeout = integer_param('timeout', 300)
    mistral = api(charm)
    if namespace is None:
        namespace = jobs.NAMESPACE if name in mistral.workflows(
            jobs.NAMESPACE) else ''
    try:
        execution = mistral.start(name, given, namespace)
    except MistralError as error:
        raise ActionRefused('cannot run {}: {}'.format(name, said(error)))
    if wait:
        deadline = time.monotonic() + timeout
        while execution['state'] not in FINISHED:
            if time.monotonic() > deadline:
                raise ActionRefused('execution {} still {} after {}s'.format(
                    execution['id'], execution['state'], timeout),
                    execution_summary(execution))
            time.sleep(1)
            execution = mistral.execution(execution['id'])
    return execution_summary(execution)


def show_execution(charm):
    return execution_summary(find_execution(api(charm)))


def find_execution(mistral):
    """The execution the id parameter names."""
    execution_id = text_param('id', required=True)
    try:
        return mistral.execution(execution_id)
    except MistralError as error:
        raise ActionRefused('no execution {}: {}'.format(
            grammar.shown(execution_id), said(error)))


def move(target):
    """An action that moves an execution to ``target``, when it may."""
    def act(charm):
        mistral = api(charm)
        execution = find_execution(mistral)
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
    query = {'limit': integer_param('limit', 20), 'sort_keys': 'created_at',
             'sort_dirs': 'desc'}
    state = text_param('state')
    if state is not None and state.upper() not in STATES:
        refuse('state', 'must be one of {}'.format(', '.join(STATES)), state)
    workflow = text_param('workflow')
    for name, value in (('state', state and state.upper()),
                        ('workflow_name', workflow)):
        if value:
            query[name] = value
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


def recover_stuck(charm):
    """List (and with fail=true, fail through the API) the executions of
    every project that Mistral left RUNNING with nothing to move them:
    every task ended, one in ERROR (Mistral 15's heartbeat checker fails
    a lost action's task but not its execution), or an action silent
    for longer than action-heartbeat-timeout."""
    fail = boolean_param('fail')
    quiet = integer_param('older-than', 30)
    heartbeat = int(charm.config.get('action-heartbeat-timeout') or 0)
    try:
        scanned = subprocess.run(
            MISTRAL_PYTHON + [stuck.__file__, charm.mistral_conf,
                              str(quiet), str(heartbeat or 10 ** 9)],
            capture_output=True, text=True, timeout=SCAN_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise ActionRefused('the scan of Mistral\'s database took more '
                            'than {} s'.format(SCAN_TIMEOUT))
    if scanned.returncode != 0:
        last = (scanned.stderr.strip().splitlines() or ['no output'])[-1]
        raise ActionRefused('the scan of Mistral\'s database failed: '
                            '{}'.format(bounded(last)))
    found = json.loads(scanned.stdout.strip().splitlines()[-1])
    lines = ['{} {} {}: {}'.format(e['id'], e['project_id'],
                                   e['workflow_name'], bounded(e['reason']))
             for e in found]
    result = {'count': len(found), 'executions': '\n'.join(lines)}
    if fail and found:
        mistral = api(charm)
        failed = []
        for execution in found:
            try:
                mistral.request('PUT', '/executions/' + execution['id'], {
                    'state': 'ERROR',
                    'state_info': 'recover-stuck: ' + execution['reason']})
                failed.append(execution['id'])
            except MistralError as error:
                lines.append('{} not failed: {}'.format(
                    execution['id'], said(error)))
        result.update({'failed': len(failed),
                       'executions': '\n'.join(lines)})
        if len(failed) < len(found):
            raise ActionRefused('{} of {} stuck executions not '
                                'failed'.format(len(found) - len(failed),
                                                len(found)), result)
    return result


ACTIONS = {name: mistral_reason(action) for name, action in {
    'run-workflow': run_workflow,
    'list-executions': list_executions,
    'show-execution': show_execution,
    'cancel-execution': move('CANCELLED'),
    'pause-execution': move('PAUSED'),
    'resume-execution': move('RUNNING'),
    'list-cron-triggers': list_cron_triggers,
    'recover-stuck': recover_stuck,
}.items()}
