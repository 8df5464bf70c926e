"""Daemons the charm owns: their definitions and where they are written.

The charm decides how each payload process runs (command line, user,
how many of them) instead of trusting the package's unit files, whose
choices differ between distributions (Debian runs mistral-api under
uwsgi on the public port, for one). A daemon's definition is a systemd
unit file in /etc/systemd/system where systemd is init, or an LSB init
script in /etc/init.d elsewhere; both are written from templates of
this layer. Starting, stopping and asking about a daemon, as about any
service, is init_system's.
"""

import collections
import os
import subprocess

from openstack_base import init_system

Daemon = collections.namedtuple(
    'Daemon', 'name description command user group')

SYSTEMD_DIR = '/etc/systemd/system'
# Marks files this charm wrote, so stale ones can be found and removed.
MARKER = 'Managed by the {} charm'


def definition_path(name):
    if init_system.uses_systemd():
        return os.path.join(SYSTEMD_DIR, '{}.service'.format(name))
    return os.path.join(init_system.INITD_DIR, name)


def template_name():
    return 'daemon.service' if init_system.uses_systemd() else 'daemon.init'


def definition_mode():
    return 0o644 if init_system.uses_systemd() else 0o755


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
    """Stop a daemon and delete its definition."""
    if os.path.exists(definition_path(name)):
        init_system.stop(name)
        init_system.set_enabled(name, False)
        os.unlink(definition_path(name))
        if not init_system.uses_systemd():
            subprocess.call(['update-rc.d', '-f', name, 'remove'],
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
