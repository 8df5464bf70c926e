"""How long the hooks that should do little take on a deployed unit.

update-status must only check; a config-changed that changes nothing
must restart nothing. Times each through the local emulator (process
start, venv re-exec, charms.reactive, the hook tools) on a deployed,
active unit (`tools/deploy-local`); needs root.

    python3 -m bench.hooks [--repeat 5] [--unit mistral/0]
"""

import argparse
import statistics
import time

from local import emulator, figures
from localjuju import model as m


def timed_hook(controller, unit, hook, repeat):
    samples = []
    for _ in range(repeat):
        started = time.monotonic()
        if not controller.hook(unit, hook):
            raise SystemExit('{} failed on {}'.format(hook, unit))
        samples.append(time.monotonic() - started)
    return samples


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--repeat', type=int, default=5)
    parser.add_argument('--unit', default='mistral/0')
    parser.add_argument('-m', '--model', default='local')
    args = parser.parse_args()
    controller = emulator.controller(m.Model(args.model),
                                     out=lambda text: None)
    print('| hook | median s | min s | max s | runs |')
    print('|---|---|---|---|---|')
    for hook in ('update-status', 'config-changed'):
        samples = timed_hook(controller, args.unit, hook, args.repeat)
        found = {'median s': statistics.median(samples),
                 'min s': min(samples), 'max s': max(samples)}
        print('| {} | {:.2f} | {:.2f} | {:.2f} | {} |'.format(
            hook, *found.values(), len(samples)), flush=True)
        figures.record(dict({k: round(v, 2) for k, v in found.items()},
                            runs=len(samples)),
                       story=hook, suite='bench.hooks')


if __name__ == '__main__':
    main()
