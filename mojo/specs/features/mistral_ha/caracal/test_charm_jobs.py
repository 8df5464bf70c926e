#!/usr/bin/env python3
"""Mojo verify: jobs made through the charm run. The workflows option
gives Mistral a workflow and a one-minute cron trigger, which the leader
reports and list-cron-triggers shows as made from config; the trigger
fires once a minute, each execution SUCCESS (list-executions);
run-workflow runs the workflow to SUCCESS; an empty option removes the
trigger again. Prints what it measured; fails at the first difference.

The checks take an operator: the option and the leader's actions and
status. Here Juju's, through zaza (the model of JUJU_MODEL, or the
current one); the local tests (local/tests/test_mistral_mojo_spec.py)
give the local deployment's.
"""

import datetime
import json
import os
import time

import yaml

APPLICATION = os.environ.get('MISTRAL_APPLICATION', 'mistral')
FIRINGS = int(os.environ.get('MISTRAL_CRON_FIRINGS', '2'))
PERIOD, SLACK = 60, 10
WORKFLOW, TRIGGER = 'mojo_job_report', 'mojo-every-minute'
DEFINITION = """\
version: '2.0'
mojo_job_report:
  input:
    - who: nobody
  output:
    said: <% $.said %>
  tasks:
    say:
      action: std.echo output=<% $.who %>
      publish:
        said: <% task().result %>
"""
JOBS = yaml.safe_dump({
    'workflows': {WORKFLOW: DEFINITION},
    'cron-triggers': {TRIGGER: {'workflow': WORKFLOW, 'pattern': '* * * * *',
                                'input': {'who': 'cron'}}}})
READY = 'Unit is ready'
READY_WITH_JOBS = 'Unit is ready (1 workflow, 1 cron trigger from config)'


def wait_for(check, what, timeout, interval=5):
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError('{} not within {} s'.format(what, timeout))
        time.sleep(interval)


def completed(operator, action, **params):
    """The results of an action on the leader, which must complete."""
    done = operator.run_action(action, **params)
    assert done['status'] == 'completed', (action, done)
    return done['results']


def listed_executions(operator):
    """{id: (state, created)} of the workflow's executions, as
    list-executions shows them (a line each: id, workflow, state,
    created)."""
    lines = completed(operator, 'list-executions', workflow=WORKFLOW,
                      limit=100)['executions'].splitlines()
    return {execution: (state, datetime.datetime.strptime(
        when, '%Y-%m-%d %H:%M:%S')) for execution, _, state, when in (
            line.split(' ', 3) for line in lines)}


def check(operator, firings=FIRINGS):
    before = set(listed_executions(operator))
    operator.configure(JOBS)
    try:
        wait_for(lambda: operator.leader_message() == READY_WITH_JOBS,
                 'the leader: ' + READY_WITH_JOBS, 300)
        mine = [line for line in completed(operator, 'list-cron-triggers')[
            'cron-triggers'].splitlines() if line.startswith(TRIGGER + ' ')]
        assert len(mine) == 1 and mine[0].startswith(
            '{} "* * * * *" {} '.format(TRIGGER, WORKFLOW)) and \
            mine[0].endswith(' from config'), mine

        def fired():
            new = [found for execution, found in listed_executions(
                operator).items() if execution not in before]
            assert 'ERROR' not in [state for state, _ in new], new
            done = sorted(when for state, when in new if state == 'SUCCESS')
            return done if len(done) >= firings else None

        times = wait_for(fired, 'cron executions', PERIOD * (firings + 2),
                         interval=10)
        gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:])]
        assert all(abs(gap - PERIOD) <= SLACK for gap in gaps), (times, gaps)
        print('{} from the option: {} executions SUCCESS, gaps {} s'.format(
            TRIGGER, len(times), gaps))

        ran = completed(operator, 'run-workflow', name=WORKFLOW, wait=True,
                        timeout=120)
        assert (ran['state'], json.loads(ran['output'])) == (
            'SUCCESS', {'said': 'nobody'}), ran
        print('run-workflow {}: {}, output {}'.format(
            WORKFLOW, ran['state'], ran['output']))
    finally:
        operator.configure('')
    wait_for(lambda: operator.leader_message() == READY,
             'the leader: ' + READY, 300)
    assert TRIGGER not in completed(operator, 'list-cron-triggers')[
        'cron-triggers']


class JujuOperator:
    """The application's option, and its leader's actions and status,
    through Juju (zaza; imported here so that the checks need none)."""

    def __init__(self, application=APPLICATION):
        import zaza.model
        self.model = zaza.model
        self.application = application

    def configure(self, jobs):
        self.model.set_application_config(self.application,
                                          {'workflows': jobs})
        self.model.block_until_all_units_idle()

    def leader(self):
        return self.model.get_lead_unit_name(self.application)

    def leader_message(self):
        units = self.model.get_status().applications[self.application][
            'units']
        return units[self.leader()]['workload-status']['info']

    def run_action(self, action, **params):
        return self.model.run_action(self.leader(), action,
                                     action_params=params).data


if __name__ == '__main__':
    check(JujuOperator())
