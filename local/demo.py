"""`python -m local demo`: deploy the built charm with its three
providers, wait for "Unit is ready", then run a workflow through the real
Mistral API with a Keystone token and show what came out.

Every step is idempotent (deploy and relate bring the model to what was
asked), so the demo re-runs on an existing deployment.
"""

import contextlib
import json
import os
import time

from local import workflows
from local.mistral_user import (
    admin_client, create_workflows, run_workflow, wait_answering)
from local.readiness import wait_for_workload
from localjuju import model as m
from localjuju import status as status_view

APP = 'mistral'
# The relations of the smallest working Mistral deployment.
RELATIONS = (('mistral:amqp', 'rabbitmq-server'),
             ('mistral:db', 'postgresql'),
             ('mistral:identity-service', 'keystone'))
READY_TIMEOUT = int(os.environ.get('LOCAL_DEMO_READY_TIMEOUT', '600'))


class DemoFailed(RuntimeError):
    pass


class Steps:
    """Prints each step with the time it took; a failure names the step
    and the unit log to read."""

    def __init__(self, controller, out):
        self.controller = controller
        self.out = out

    def logs(self):
        state = self.controller.model.read()
        units = state['applications'].get(APP, {}).get('units', [])
        return ', '.join(m.unit_log(self.controller.model.root, unit)
                         for unit in units) or 'none yet'

    @contextlib.contextmanager
    def step(self, name):
        self.out('demo: {} ...'.format(name))
        started = time.monotonic()
        try:
            yield
            self.check_hooks()
        except Exception as error:
            raise DemoFailed('demo step "{}" failed after {:.1f}s: {} '
                             '(unit log: {})'.format(
                                 name, time.monotonic() - started, error,
                                 self.logs())) from error
        self.out('demo: {}: done in {:.1f}s'.format(
            name, time.monotonic() - started))

    def check_hooks(self):
        state = self.controller.model.read()
        for unit in state['applications'].get(APP, {}).get('units', []):
            error = state['units'][unit].get('error')
            if error:
                raise DemoFailed('{} hook "{}" failed'.format(
                    unit, error['hook']))


def run(controller, charm, units=1, out=print):
    """The demo; returns the finished execution."""
    started = time.monotonic()
    steps = Steps(controller, out)
    with steps.step('deploy {} ({} unit{})'.format(
            charm, units, '' if units == 1 else 's')):
        controller.deploy(charm, APP, units)
    for left, right in RELATIONS:
        with steps.step('relate {} {}'.format(left, right)):
            controller.relate(left, right)
    for unit in controller.model.read()['applications'][APP]['units']:
        with steps.step('wait for {} active "Unit is ready"'.format(unit)):
            wait_for_workload(controller, unit, timeout=READY_TIMEOUT)
    shared = workflows.load()
    with steps.step('get a Keystone token and the workflowv2 endpoint'):
        client = admin_client(controller.model.root)
    with steps.step('wait for the API on {} to answer'.format(client.url)):
        wait_answering(client)
    with steps.step('upload workflow {}'.format(shared.FAN_OUT_WORKFLOW)):
        create_workflows(client, shared.FAN_OUT_DEFINITION)
    with steps.step('run workflow {}'.format(shared.FAN_OUT_WORKFLOW)):
        execution = run_workflow(client, shared.FAN_OUT_WORKFLOW,
                                 shared.FAN_OUT_INPUT)
        if execution['state'] != 'SUCCESS':
            raise DemoFailed('execution {} ended {}: {}'.format(
                execution['id'], execution['state'],
                execution.get('state_info')))
    out(status_view.render(controller.model.read()))
    out('workflow {} (execution {}) on {}: {}'.format(
        shared.FAN_OUT_WORKFLOW, execution['id'], client.url,
        execution['state']))
    out('input:  ' + json.dumps(shared.FAN_OUT_INPUT, sort_keys=True))
    out('output: ' + json.dumps(execution['output'], sort_keys=True))
    if execution['output'] != shared.FAN_OUT_OUTPUT:
        raise DemoFailed('unexpected output; expected {}'.format(
            json.dumps(shared.FAN_OUT_OUTPUT, sort_keys=True)))
    out('demo: finished in {:.1f}s'.format(time.monotonic() - started))
    out('Horizon with the Workflow dashboard: python3 -m local dashboard '
        '(after `tox -e build`)')
    return execution
