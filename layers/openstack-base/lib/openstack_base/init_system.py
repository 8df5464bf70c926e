"""What the unit's init system is asked, about any service it runs:
the charm's daemons and packaged services (haproxy, memcached, apache2,
nagios-nrpe-server) alike. systemd where it is init, the LSB scripts of
/etc/init.d elsewhere.
"""

import os
import subprocess

from charmhelpers.core import host

INITD_DIR = '/etc/init.d'


def uses_systemd():
    return os.path.isdir('/run/systemd/system')


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
    """Start the service at boot, or not."""
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
    """Start, stop, restart or reload several services together, each in
    its own process: an OpenStack daemon takes seconds to stop gracefully
    (a Mistral engine 8 s when idle, 30 under load), and none of them
    waits for another. {name: whether the init system said it did}."""
    commands = {name: ['systemctl', verb, name] if uses_systemd()
                else ['service', name, verb] for name in names}
    running = {name: subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL)
               for name, command in commands.items()}
    return {name: process.wait() == 0 for name, process in running.items()}
