#!/usr/bin/env python3
"""Mojo verify: jobs made through Mistral's API run, on the cloud the
environment names (mistral_endpoint.py): a workflow, and one with a
with-items fan-out and a join, run to SUCCESS with their outputs; a
one-minute cron trigger starts one execution a minute, each SUCCESS,
never two in a minute (the charm runs cron triggers on one unit of the
application). Prints what it measured; fails at the first difference.

    MISTRAL_OPENRC=admin-openrc ./test_api_jobs.py
"""

import datetime
import json
import os
import time
import uuid

import mistral_endpoint
import mistral_workflows as workflows

FIRINGS = int(os.environ.get('MISTRAL_CRON_FIRINGS', '2'))
PERIOD, SLACK = 60, 10
# Time after the last firing counted for a second one in its minute.
DUPLICATE_WINDOW = 20


def wait_for(check, what, timeout, interval=5):
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError('{} not within {} s'.format(what, timeout))
        time.sleep(interval)


def created(execution):
    """When Mistral created an execution (naive UTC, to the second)."""
    return datetime.datetime.strptime(execution['created_at'],
                                      '%Y-%m-%d %H:%M:%S')


def firing_gaps(executions):
    times = sorted(created(e) for e in executions)
    return [(b - a).total_seconds() for a, b in zip(times, times[1:])]


def check_workflows(mistral):
    for name, given, expected in (
            (workflows.ECHO_WORKFLOW, workflows.ECHO_INPUT,
             workflows.ECHO_OUTPUT),
            (workflows.FAN_OUT_WORKFLOW, workflows.FAN_OUT_INPUT,
             workflows.FAN_OUT_OUTPUT)):
        mistral.create_workflows(workflows.ALL_DEFINITIONS[name])
        started = time.monotonic()
        execution = mistral.run(name, given)
        output = json.loads(execution.get('output') or '{}')
        assert (execution['state'], output) == ('SUCCESS', expected), (
            name, execution['state'], execution.get('state_info'), output)
        print('{}: SUCCESS in {:.1f} s'.format(
            name, time.monotonic() - started))


def check_cron_trigger(mistral, firings=FIRINGS):
    mistral.create_workflows(workflows.CRON_DEFINITION)
    before = {e['id'] for e in mistral.executions(workflows.CRON_WORKFLOW)}
    name = 'mojo-{}'.format(uuid.uuid4().hex[:8])

    def fired():
        return [e for e in mistral.executions(workflows.CRON_WORKFLOW)
                if e['id'] not in before]

    mistral.create_cron_trigger(name, workflows.CRON_WORKFLOW,
                                workflows.CRON_PATTERN)
    try:
        wait_for(lambda: len(fired()) >= firings, 'cron firings',
                 PERIOD * (firings + 2))
        time.sleep(DUPLICATE_WINDOW)
    finally:
        mistral.delete_cron_trigger(name)
    executions = fired()
    gaps = firing_gaps(executions)
    assert all(abs(gap - PERIOD) <= SLACK for gap in gaps), gaps

    def final_states():
        states = [mistral.request('GET', '/executions/' + e['id'])['state']
                  for e in executions]
        return all(s in mistral_endpoint.FINAL_STATES
                   for s in states) and states

    states = wait_for(final_states, 'cron executions to finish', 120)
    assert set(states) == {'SUCCESS'}, states
    print('cron trigger {}: {} executions, gaps {} s, all SUCCESS'.format(
        name, len(executions), gaps))


def main():
    mistral = mistral_endpoint.Mistral(mistral_endpoint.credentials())
    print('Mistral at {}'.format(mistral.url))
    check_workflows(mistral)
    check_cron_trigger(mistral)


if __name__ == '__main__':
    main()
