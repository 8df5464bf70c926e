"""Executions Mistral leaves RUNNING with nothing left to move them.

Mistral 15's action heartbeat checker fails a lost action and its task,
but the completion check it then schedules runs without a project and
never finds the execution (action_heartbeat_checker.py gives its
context no project; workflow_handler.check_and_complete loads the
execution through a project-scoped query), so the execution stays
RUNNING for good. No API call, not even an admin's, lists another
project's task or action executions (rest_utils scopes them), so the
scan reads them with Mistral's own code, read-only: run as a script by
Mistral's interpreter on the unit, apart from the charm's venv. The
recover-stuck action fails what it finds through Mistral's API, never
its tables.

As a script: ``python3 stuck.py <mistral.conf> <quiet s> <heartbeat s>``
prints one JSON list of {id, project_id, workflow_name, reason}.
"""

import datetime
import json
import sys

# Task states from which Mistral may still move an execution on
# (mistral/workflow/states.py).
ACTIVE = {'IDLE', 'WAITING', 'RUNNING', 'RUNNING_DELAYED', 'PAUSED'}
MAX_REASON = 200


def held_by_nothing(tasks, lost, quiet_for, quiet):
    """Why a RUNNING execution is held by nothing, or None when
    something may still move it.

    ``tasks``: (name, state, state_info) of its tasks; ``lost``: names of
    its tasks whose RUNNING action has sent no heartbeat for longer than
    the bound (the checker is off, or has not caught up); ``quiet_for``:
    seconds since the execution or any of its tasks last changed. An
    execution must be quiet for ``quiet`` seconds: Mistral completes one
    whose last task just ended within a second of that task's commit."""
    if lost:
        return 'no heartbeat from the action of {}'.format(
            ', '.join(sorted(set(lost))))
    if not tasks or quiet_for < quiet or \
            any(state in ACTIVE for _, state, _ in tasks):
        return None
    failed = sorted((name, info) for name, state, info in tasks
                    if state == 'ERROR')
    if not failed:
        return 'every task finished and nothing completed the execution'
    name, info = failed[0]
    reason = 'task {} ended ERROR ({}) and nothing completed the ' \
             'execution'.format(name, ' '.join(str(info or '').split()))
    return reason if len(reason) <= MAX_REASON else \
        reason[:MAX_REASON - 3] + '...'


def scan(conf_path, quiet, heartbeat):
    """The stuck executions of every project, from Mistral's database
    through Mistral's own code (imported here: only Mistral's
    interpreter has it)."""
    from mistral import config
    from mistral.db.v2 import api as db_api

    config.parse_args(args=['--config-file', conf_path])
    # an operator waits: fail at once on a database that does not answer
    # (oslo.db's default tries 10 times, 10 s apart)
    config.CONF.set_override('max_retries', 0, group='database')
    now = datetime.datetime.utcnow()        # Mistral stores naive UTC
    lost_before = now - datetime.timedelta(seconds=heartbeat)
    found = []
    with db_api.transaction(read_only=True):
        for ex in db_api.get_workflow_executions(
                state='RUNNING', insecure=True,
                fields=('id', 'project_id', 'workflow_name', 'created_at',
                        'updated_at')):
            tasks = db_api.get_task_executions(
                workflow_execution_id=ex.id, insecure=True,
                fields=('id', 'name', 'state', 'state_info', 'created_at',
                        'updated_at'))
            lost = [t.name for t in tasks if t.state == 'RUNNING' and any(
                a.last_heartbeat and a.last_heartbeat < lost_before
                for a in db_api.get_action_executions(
                    task_execution_id=t.id, state='RUNNING', insecure=True,
                    fields=('id', 'last_heartbeat')))]
            changed = max((row.updated_at or row.created_at)
                          for row in [ex] + list(tasks))
            reason = held_by_nothing(
                [(t.name, t.state, t.state_info) for t in tasks], lost,
                (now - changed).total_seconds(), quiet)
            if reason:
                found.append({'id': ex.id, 'project_id': ex.project_id,
                              'workflow_name': ex.workflow_name,
                              'reason': reason})
    return found


if __name__ == '__main__':
    print(json.dumps(scan(sys.argv[1], float(sys.argv[2]),
                          float(sys.argv[3]))))
