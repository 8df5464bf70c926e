"""What the token cache changes: latency of authenticated API requests
on a locally deployed unit, with every request bearing a new token (as
many clients would) or one token (as one busy client would), with the
unit's memcached running and stopped. Needs root and a deployed, active
unit (`tools/deploy-local`).

    python3 -m bench.token_cache [--requests 100]
"""

import argparse
import statistics
import subprocess
import time

from local import emulator, figures
from local.mistral_user import admin_client
from localjuju import model as m
from localjuju.runner import machine_of


def latencies(model_root, requests, new_token_each):
    """Seconds per request; a new token is fetched outside the timing."""
    found = []
    mistral = admin_client(model_root)
    for _ in range(requests):
        if new_token_each:
            mistral = admin_client(model_root)
        started = time.monotonic()
        mistral.request('GET', '/workflows', query={'limit': 1})
        found.append(time.monotonic() - started)
    return found


def memcached(controller, action):
    state = controller.model.read()
    machine = machine_of(controller.model, state, 'mistral/0')
    subprocess.run(machine.enter_command() + ['service', 'memcached', action],
                   check=True, capture_output=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--requests', type=int, default=100)
    parser.add_argument('-m', '--model', default='local')
    args = parser.parse_args()
    controller = emulator.controller(m.Model(args.model))
    print('| memcached | tokens | median ms | p90 ms | requests |')
    print('|---|---|---|---|---|')
    try:
        for state in ('start', 'stop'):
            memcached(controller, state)
            for new_each in (False, True):
                root = controller.model.root
                latencies(root, 10, new_each)               # warm up
                found = latencies(root, args.requests, new_each)
                cache = 'running' if state == 'start' else 'stopped'
                tokens = 'new per request' if new_each else 'one'
                median = statistics.median(found) * 1000
                p90 = statistics.quantiles(found, n=10)[-1] * 1000
                print('| {} | {} | {:.1f} | {:.1f} | {} |'.format(
                    cache, tokens, median, p90, len(found)), flush=True)
                figures.record({'median ms': round(median, 1),
                                'p90 ms': round(p90, 1),
                                'requests': len(found)},
                               story='memcached {}, tokens: {}'.format(
                                   cache, tokens),
                               suite='bench.token_cache')
    finally:
        memcached(controller, 'start')


if __name__ == '__main__':
    main()
