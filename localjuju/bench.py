"""python -m localjuju.bench: hook tool latency and hook round-trip time.

Deploys the toy charm in a throw-away state dir, then times single hook
tool calls (process start included: that is what a charm pays) and whole
update-status hooks run through the runner (nsenter, environment, commit).
Needs root, like the emulator itself.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time

from localjuju import model as m
from localjuju.controller import Controller
from localjuju.testing import TOY_CHARM

TOOL_CALLS = (
    ('is-leader', ['--format=json']),
    ('config-get', ['--all', '--format=json']),
    ('relation-ids', ['--format=json', 'cluster']),
    ('relation-get', ['--format=json', '-r', 'cluster:0', '-', 'toy/0']),
    ('juju-log', ['-l', 'DEBUG', 'bench']),
)


def timed(fn, repeat):
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), min(samples)


def main(repeat=20):
    with tempfile.TemporaryDirectory() as root:
        os.environ['LOCAL_JUJU_STATE'] = root
        controller = Controller(m.Model('bench', root), out=lambda _: None)
        try:
            controller.deploy(TOY_CHARM)
            env = dict(LOCAL_JUJU_STATE=root, JUJU_UNIT_NAME='toy/0',
                       JUJU_MODEL_NAME='bench', PATH=os.environ['PATH'])
            bin_dir = controller.runner.bin_dir
            for tool, args in TOOL_CALLS:
                median, best = timed(lambda: subprocess.run(
                    [os.path.join(bin_dir, tool)] + args, env=env,
                    stdout=subprocess.DEVNULL, check=True), repeat)
                print('{:<14} median {:6.1f} ms  best {:6.1f} ms'.format(
                    tool, median * 1000, best * 1000))
            median, best = timed(lambda: subprocess.run(
                ['/bin/true']), repeat)
            print('{:<14} median {:6.1f} ms  best {:6.1f} ms'.format(
                '/bin/true', median * 1000, best * 1000))
            median, best = timed(lambda: controller.runner.run_hook(
                'toy/0', 'update-status'), max(5, repeat // 4))
            print('hook round-trip (toy update-status: sh + 2 tools, '
                  'nsenter, commit): median {:.0f} ms, best {:.0f} ms'
                  .format(median * 1000, best * 1000))
        finally:
            controller.destroy()
    with open('/proc/loadavg') as load:
        print('load average during the run:', load.read().split()[0])


if __name__ == '__main__':
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
