"""Puts the hook tools on a hook's PATH: one launcher, a symlink a tool."""

import os

from localjuju.hooktools import TOOLS

LAUNCHER = 'juju-hook-tool'
# The tools run inside the machines, with the machine's Debian python3
# and its python3-yaml; this repository is bound read-only into each
# machine at the same path.
MACHINE_PYTHON = '/usr/bin/python3'
REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
SYS_PATH = (REPO, '/usr/lib/python3/dist-packages')


def launcher_text(python=MACHINE_PYTHON, sys_path=SYS_PATH):
    """The launcher: -I keeps the charm's PYTHONPATH and venv out of the
    emulator; -S skips site initialisation (a third of a tool's start-up),
    so the directories it needs are put on the path explicitly."""
    return ('#!{} -IS\nimport os, sys\nsys.path[:0] = {!r}\n'
            'from localjuju.hooktools import main\n'
            'sys.exit(main(os.path.basename(sys.argv[0]), sys.argv[1:]))\n'
            ).format(python, list(sys_path))


def install(bin_dir, python=MACHINE_PYTHON, sys_path=SYS_PATH):
    """Make ``bin_dir`` hold one executable per tool; return it.

    All tools are symlinks to one launcher that dispatches on its name.
    """
    os.makedirs(bin_dir, exist_ok=True)
    launcher = os.path.join(bin_dir, LAUNCHER)
    text = launcher_text(python, sys_path)
    current = None
    if os.path.exists(launcher):
        with open(launcher) as existing:
            current = existing.read()
    if current != text:
        with open(launcher + '.tmp', 'w') as out:
            out.write(text)
        os.chmod(launcher + '.tmp', 0o755)
        os.replace(launcher + '.tmp', launcher)
    for tool in sorted(TOOLS):
        path = os.path.join(bin_dir, tool)
        if not os.path.islink(path):
            os.symlink(LAUNCHER, path)
    return bin_dir
