"""What systemd is asked, about any service the unit runs: the charm's
daemons and packaged services (haproxy, memcached, apache2,
nagios-nrpe-server) alike. Every machine the charm supports boots
systemd.
"""

import subprocess


def systemd_name(name):
    """The service's full name, as its file and the journal's
    _SYSTEMD_UNIT field spell it."""
    return '{}.service'.format(name)


def systemctl(*args):
    """Whether systemctl succeeded; its complaints (stderr) go to the
    hook's log."""
    return subprocess.call(['systemctl'] + list(args),
                           stdout=subprocess.DEVNULL) == 0


def defined(name):
    """True when systemd knows the service, wherever its package put it
    (Debian's nagios-nrpe-server: /lib/systemd/system in buster,
    /usr/lib/systemd/system in trixie, never /etc)."""
    shown = subprocess.run(
        ['systemctl', 'show', '--property=LoadState', '--value',
         systemd_name(name)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        universal_newlines=True)
    return shown.stdout.strip() == 'loaded'


def reload_definitions():
    subprocess.check_call(['systemctl', 'daemon-reload'])


def enabled_states(names):
    """{name: whether it starts at boot}, from one is-enabled. It prints
    one state per service, in order, stops at a service it does not
    know, and exits non-zero unless every one is enabled: the lines
    tell, not the exit code, and a service left without a line counts
    as not enabled."""
    shown = subprocess.run(
        ['systemctl', 'is-enabled'] + [systemd_name(n) for n in names],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        universal_newlines=True)
    states = dict.fromkeys(names, False)
    states.update((name, line.strip() == 'enabled') for name, line in
                  zip(names, shown.stdout.splitlines()))
    return states


def set_enabled(names, enabled):
    """Start the services at boot, or not. Every enable or disable
    reloads systemd, and this runs in every hook: only those whose state
    differs are changed, in one call."""
    if not names:
        return
    differ = [n for n, on in enabled_states(names).items() if on != enabled]
    if differ:
        systemctl('enable' if enabled else 'disable', '--quiet',
                  *[systemd_name(n) for n in differ])


def running(name):
    return systemctl('is-active', '--quiet', name)


def stop(name):
    return systemctl('stop', name)


def restart(name):
    return systemctl('restart', name)


def at_once(verb, names):
    """Start, stop, restart or reload several services together, each in
    its own process: an OpenStack daemon takes seconds to stop gracefully
    (a Mistral engine 8 s when idle, 30 under load), and none of them
    waits for another. {name: whether systemd said it did}."""
    running = {name: subprocess.Popen(['systemctl', verb, name],
                                      stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL)
               for name in names}
    return {name: process.wait() == 0 for name, process in running.items()}
