"""`python -m local`: the emulator's commands with the Mistral plug-ins,
and `demo`, as local/README.md documents them."""

import os
import subprocess
import sys

import pytest

from local import emulator
from local.providers import PROVIDERS
from localjuju import model as m

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
DOCUMENTED = ('deploy', 'add-unit', 'relate', 'remove-relation', 'config',
              'run', 'hook', 'upgrade-charm', 'attach-resource', 'resolved',
              'status',
              'debug-log', 'destroy', 'demo')


def local_cli(*args, state_root=None):
    env = dict(os.environ)
    if state_root:
        env['LOCAL_JUJU_STATE'] = state_root
    return subprocess.run([sys.executable, '-m', 'local'] + list(args),
                          capture_output=True, text=True, cwd=REPO, env=env)


def test_every_documented_command_is_there():
    shown = local_cli('--help')
    assert shown.returncode == 0, shown.stderr
    for command in DOCUMENTED:
        assert command in shown.stdout
    args = emulator.cli().parser().parse_args(['demo'])
    assert (args.charm, args.units) == (emulator.DEFAULT_CHARM, 1)
    args = emulator.cli().parser().parse_args(['deploy'])
    assert args.charm == emulator.DEFAULT_CHARM


def test_controller_knows_the_real_providers(state_root):
    controller = emulator.controller(m.Model('test', state_root))
    assert controller.registry == PROVIDERS


@pytest.mark.needs_root
def test_status_and_run_on_a_toy_deployment(deployed, state_root):
    shown = local_cli('-m', 'test', 'status', state_root=state_root)
    assert shown.returncode == 0, shown.stderr
    assert 'toy/0*' in shown.stdout
    # the machine's systemd says it runs
    machine = next(line for line in shown.stdout.splitlines()
                   if line.startswith('0 ') and 'juju-toy-0' in line)
    assert machine.split()[1] == 'started' and machine.endswith('running')
    ran = local_cli('-m', 'test', 'run', 'toy/0', 'hello', 'name=local',
                    state_root=state_root)
    assert ran.returncode == 0, ran.stderr
    assert 'text: hello local' in ran.stdout
