"""Daemons the charm owns: their definitions, files and state.

The charm decides how each payload process runs (command line, user,
how many of them) instead of trusting the package's unit files, whose
choices differ between distributions (Debian runs mistral-api under
uwsgi on the public port, for one). A daemon's definition is a systemd
unit file in /etc/systemd/system where systemd is init, or an LSB init
script in /etc/init.d elsewhere; both are written from templates of
this layer.
"""

import collections
import http.client
import os
import socket
import ssl
import subprocess
import time

from charmhelpers.core import host

Daemon = collections.namedtuple(
    'Daemon', 'name description command user group')

SYSTEMD_DIR = '/etc/systemd/system'
INITD_DIR = '/etc/init.d'
# Marks files this charm wrote, so stale ones can be found and removed.
MARKER = 'Managed by the {} charm'


def uses_systemd():
    return os.path.isdir('/run/systemd/system')


def definition_path(name):
    if uses_systemd():
        return os.path.join(SYSTEMD_DIR, '{}.service'.format(name))
    return os.path.join(INITD_DIR, name)


def template_name():
    return 'daemon.service' if uses_systemd() else 'daemon.init'


def definition_mode():
    return 0o644 if uses_systemd() else 0o755


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


def defined(name):
    """True when the init system knows the service, wherever its package
    put it (Debian's nagios-nrpe-server: /lib/systemd/system in buster,
    /usr/lib/systemd/system in trixie, never /etc): systemd is asked."""
    if uses_systemd():
        shown = subprocess.run(
            ['systemctl', 'show', '--property=LoadState', '--value',
             '{}.service'.format(name)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            universal_newlines=True)
        return shown.stdout.strip() == 'loaded'
    return os.path.exists(os.path.join(INITD_DIR, name))


def reload_definitions():
    if uses_systemd():
        subprocess.check_call(['systemctl', 'daemon-reload'])


def set_enabled(name, enabled):
    """Start the daemon at boot, or not."""
    if uses_systemd():
        subprocess.call(['systemctl', 'enable' if enabled else 'disable',
                         '--quiet', name])
    else:
        subprocess.call(['update-rc.d', name, 'defaults'],
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL)
        subprocess.call(['update-rc.d', name,
                         'enable' if enabled else 'disable'],
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL)


def running(name):
    return host.service_running(name)


def stop(name):
    return host.service_stop(name)


def restart(name):
    return host.service_restart(name)


def at_once(verb, names):
    """Start, stop or restart several daemons together, each in its own
    process: an OpenStack daemon takes seconds to stop gracefully (a
    Mistral engine 8 s when idle, 30 under load), and none of them waits
    for another. {name: whether the init system said it did}."""
    commands = {name: ['systemctl', verb, name] if uses_systemd()
                else ['service', name, verb] for name in names}
    running = {name: subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL)
               for name, command in commands.items()}
    return {name: process.wait() == 0 for name, process in running.items()}


def remove(name):
    """Stop a daemon and delete its definition."""
    if os.path.exists(definition_path(name)):
        stop(name)
        set_enabled(name, False)
        os.unlink(definition_path(name))
        if not uses_systemd():
            subprocess.call(['update-rc.d', '-f', name, 'remove'],
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def port_open(address, port):
    try:
        with socket.create_connection((address, port), timeout=2):
            return True
    except OSError:
        return False


def wait_for_ports(endpoints, timeout, give_up=lambda: False):
    """Wait until every (address, port) accepts connections, timeout, or
    give_up() is true; True when all do."""
    deadline = time.monotonic() + timeout
    waiting = list(endpoints)
    while waiting and time.monotonic() < deadline and not give_up():
        waiting = [e for e in waiting if not port_open(*e)]
        if waiting:
            time.sleep(1)
    return not waiting


def http_answers(address, port, tls=False):
    """True when an HTTP(S) server answers GET / there (any status):
    through haproxy that means a backend is up, not just the frontend."""
    if tls:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        conn = http.client.HTTPSConnection(address, port, timeout=5,
                                           context=context)
    else:
        conn = http.client.HTTPConnection(address, port, timeout=5)
    try:
        conn.request('GET', '/')
        return conn.getresponse().status > 0
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


def wait_for_http(address, port, tls, timeout, give_up=lambda: False):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not give_up():
        if http_answers(address, port, tls):
            return True
        time.sleep(1)
    return False
