"""The installed launcher runs a tool, out of the charm's environment."""

import subprocess

from localjuju.hooktools.install import install
from localjuju.tests.hooktools.calls import env


def test_installed_launcher_runs_a_tool(model, state_root):
    bin_dir = install(state_root + '/bin')
    proc = subprocess.run(
        [bin_dir + '/config-get', '--format=json', 'port'],
        env=dict(env(), LOCAL_JUJU_STATE=state_root, PYTHONPATH='/nowhere'),
        capture_output=True, text=True)
    assert (proc.returncode, proc.stdout) == (0, '8989\n')
    proc = subprocess.run([bin_dir + '/leader-set', 'a=b'],
                          env=dict(env('toy/1'), LOCAL_JUJU_STATE=state_root),
                          capture_output=True, text=True)
    assert proc.returncode == 1 and proc.stderr.startswith('ERROR')
