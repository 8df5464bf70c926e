"""Workflow throughput of a locally deployed Mistral unit, per process
layout.

For each worker-multiplier given, sets it on the deployed application
(the charm restarts what changed), then keeps CONCURRENCY executions of
a 10-task workflow in flight for SECONDS and counts the ones that
finished in SUCCESS. Needs root and a deployed, active unit
(`tools/deploy-local`).

    python3 -m bench.throughput [--seconds 60] [--concurrency 8] \
        [--multipliers default,0.5,1.0,1.5]
"""

import argparse
import time

from local import emulator, figures
from local.mistral_user import admin_client, create_workflows
from localjuju import model as m

WORKFLOW = 'bench_ten_tasks'
# 10 tasks: a sequence, a with-items of 5, two branches joined, a tail.
DEFINITION = """\
version: '2.0'
bench_ten_tasks:
  tasks:
    first:
      action: std.noop
      on-success: [fan]
    fan:
      with-items: i in <% range(5) %>
      action: std.echo output=<% $.i %>
      on-success: [left, right]
    left:
      action: std.noop
      on-success: [joined]
    right:
      action: std.noop
      on-success: [joined]
    joined:
      join: all
      action: std.noop
      on-success: [t1]
    t1:
      action: std.noop
      on-success: [t2]
    t2:
      action: std.noop
      on-success: [t3]
    t3:
      action: std.noop
      on-success: [t4]
    t4:
      action: std.noop
      on-success: [t5]
    t5:
      action: std.noop
"""


def measure(mistral, seconds, concurrency):
    """Finished executions per second, keeping `concurrency` in flight."""
    in_flight = [mistral.start(WORKFLOW)['id'] for _ in range(concurrency)]
    done = failed = 0
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        still = []
        for execution_id in in_flight:
            state = mistral.execution(execution_id)['state']
            if state == 'SUCCESS':
                done += 1
            elif state in ('ERROR', 'CANCELLED'):
                failed += 1
            else:
                still.append(execution_id)
                continue
            still.append(mistral.start(WORKFLOW)['id'])
        in_flight = still
        time.sleep(0.2)
    elapsed = time.monotonic() - started
    return done / elapsed, failed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--seconds', type=float, default=60)
    parser.add_argument('--concurrency', type=int, default=8)
    parser.add_argument('--multipliers', default='default,0.5,1.0,1.5')
    parser.add_argument('-m', '--model', default='local')
    args = parser.parse_args()
    controller = emulator.controller(m.Model(args.model))
    print('| worker-multiplier | executions/s | failed |')
    print('|---|---|---|')
    for multiplier in args.multipliers.split(','):
        if multiplier == 'default':
            controller.config('mistral', reset=['worker-multiplier'])
        else:
            controller.config('mistral',
                              ['worker-multiplier={}'.format(multiplier)])
        mistral = admin_client(controller.model.root)
        create_workflows(mistral, DEFINITION)
        measure(mistral, 10, args.concurrency)      # warm up
        rate, failed = measure(mistral, args.seconds, args.concurrency)
        print('| {} | {:.2f} | {} |'.format(multiplier, rate, failed),
              flush=True)
        figures.record({'executions/s': round(rate, 2), 'failed': failed,
                        'seconds measured': args.seconds,
                        'in flight': args.concurrency},
                       story='worker-multiplier ' + multiplier,
                       suite='bench.throughput')


if __name__ == '__main__':
    main()
