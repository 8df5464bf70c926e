"""Daemons the charm owns: their definitions and where they are written.

The charm decides how each payload process runs (command line, user,
how many of them) instead of trusting the package's unit files, whose
choices differ between distributions (Debian runs mistral-api under
uwsgi on the public port, for one). A daemon's definition is a systemd
unit file in /etc/systemd/system, written from this layer's
daemon.service template. Starting, stopping and asking about a daemon,
as about any service, is init_system's.
"""

import collections
import os
import subprocess

from openstack_base import init_system

Daemon = collections.namedtuple(
    'Daemon', 'name description command user group')

SYSTEMD_DIR = '/etc/systemd/system'
TEMPLATE = 'daemon.service'
MODE = 0o644
# Marks files this charm wrote, so stale ones can be found and removed.
MARKER = 'Managed by the {} charm'


def definition_path(name):
    return os.path.join(SYSTEMD_DIR, init_system.systemd_name(name))


def managed_names(charm_name, candidates):
    """The daemons among candidates whose definition this charm wrote."""
    marker = MARKER.format(charm_name)
    found = []
    for name in candidates:
        try:
            with open(definition_path(name)) as f:
                if marker in f.read():
                    found.append(name)
        except OSError:
            pass
    return found


def remove(name):
    """Stop a daemon and delete its definition. The caller reloads
    systemd (services.write_daemons)."""
    if os.path.exists(definition_path(name)):
        init_system.stop(name)
        init_system.set_enabled([name], False)
        os.unlink(definition_path(name))
        # A daemon that failed stays listed until reset; one that did
        # not makes some versions exit non-zero, nothing to report.
        subprocess.call(['systemctl', 'reset-failed',
                         init_system.systemd_name(name)],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
