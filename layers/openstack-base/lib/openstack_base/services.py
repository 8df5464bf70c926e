"""The unit's services: the port scheme, the daemon definitions the charm
writes, and bringing every service to the state the unit should be in,
restarting exactly those whose files changed, once per hook."""

import collections
import glob
import os

from charmhelpers.core import hookenv

from openstack_base import daemons, init_system, probes, rendering

# haproxy listens on the public port on every unit and reaches each unit
# on backend = public - 10, where the API listens, or, with TLS, the
# TLS frontend (apache2), which hands on to the API on api = public - 20.
Ports = collections.namedtuple('Ports', 'public backend api')


def port_plan(public_port, tls):
    return Ports(public_port, public_port - 10,
                 public_port - (20 if tls else 10))


def write_daemons(charm):
    """Write the daemons' definitions, remove the ones no longer wanted;
    return the names whose definition changed."""
    marker = daemons.MARKER.format(charm.name)
    changed = set()
    for daemon in charm.daemons():
        content = rendering.render(
            daemons.TEMPLATE, {'daemon': daemon, 'marker': marker},
            charm.release)
        if rendering.write_if_changed(
                daemons.definition_path(daemon.name), content,
                mode=daemons.MODE):
            changed.add(daemon.name)
    removed = stale_daemons(charm)
    for name in removed:
        daemons.remove(name)
    if changed or removed:
        # systemd keeps the units it loaded until daemon-reload: a
        # removed one stays listed, systemctl warning that its file
        # "changed on disk".
        init_system.reload_definitions()
    return changed


def stale_daemons(charm):
    """Daemons this charm defined once and no longer wants: found by the
    marker in the definitions under the charm's name, not by guessing
    names."""
    wanted = set(charm.daemon_names)
    pattern = daemons.definition_path(charm.name + '*')
    candidates = {os.path.basename(p).split('.service')[0]
                  for p in glob.glob(pattern)}
    return sorted(n for n in daemons.managed_names(charm.name, candidates)
                  if n not in wanted)


class Restarts:
    """The services to restart, or reload, at the end of this hook, each
    once. A changed config file asks for a reload of the services that
    apply it that way (``reloadable``); anything else, a restart."""

    def __init__(self, reloadable=()):
        self.reloadable = set(reloadable)
        self.pending = set()
        self.reloads = set()

    def request(self, services):
        self.pending.update(services)

    def config_changed(self, services):
        services = set(services)
        self.reloads.update(services & self.reloadable)
        self.pending.update(services - self.reloadable)

    def take(self):
        """What to restart, and what to reload (a restart covers it)."""
        taken = self.pending, self.reloads - self.pending
        self.pending, self.reloads = set(), set()
        return taken


def run_or_stop(charm, run, wait_seconds):
    """Run or stop every service; restart the pending ones; wait for the
    ports of what started, so that "Unit is ready" means the API
    answers."""
    restarts, reloads = charm.restarts.take()
    if not run:
        init_system.at_once('stop', [n for n in charm.services
                                     if init_system.running(n)])
        return
    to_restart = [n for n in charm.services
                  if n in restarts and init_system.running(n)]
    # A reload keeps the process and its connections: haproxy's new
    # workers take over the listening sockets as the old ones finish.
    to_reload = [n for n in charm.services
                 if n in reloads and init_system.running(n)]
    to_start = [n for n in charm.services if not init_system.running(n)]
    if to_restart or to_start:
        hookenv.status_set('maintenance', ', '.join(
            '{} {}'.format(verb, ' '.join(names)) for verb, names in
            (('Restarting', to_restart), ('Starting', to_start)) if names))
    init_system.set_enabled(charm.services, True)
    for name, reloaded in init_system.at_once('reload', to_reload).items():
        if not reloaded:   # the running process keeps its old config
            hookenv.log('{} refused to reload'.format(name), hookenv.WARNING)
    done = {}
    for wave in restart_waves(charm):
        done.update(init_system.at_once(
            'restart', [n for n in to_restart if n in wave]))
        done.update(init_system.at_once(
            'start', [n for n in to_start if n in wave]))
    started = [n for n in charm.services
               if done.get(n) and init_system.running(n)]
    failed = [n for n in charm.services if n in done and n not in started]
    if failed:
        # The unit cannot be ready: status names them at once, and no
        # port is waited for.
        hookenv.log('failed to start: {}'.format(' '.join(failed)),
                    hookenv.WARNING)
    elif started:
        wait_for(charm, started, wait_seconds)
    open_ports(charm.public_ports)


def restart_waves(charm):
    """The services in the order their (re)starts must not overlap: the
    charm's daemons, then what fronts them. A port changes hands when TLS
    turns on (the API leaves the backend port to apache2); restarted
    together, apache2 found the port still held by an API taking seconds
    to stop, failed, and stayed down."""
    own = set(charm.daemon_names)
    return own, set(charm.services) - own


def wait_for(charm, started, wait_seconds):
    """Wait for the ports of what started, giving up as soon as one of
    those services dies."""
    def died():
        return not all(init_system.running(n) for n in started)
    waits = [p for name, p in charm.ports_to_check() if name in started]
    if waits and probes.wait_for_ports(waits, wait_seconds, died):
        # haproxy accepts before its health checks find a backend.
        for port in charm.public_ports:
            probes.wait_for_http('127.0.0.1', port, charm.tls_enabled,
                                 wait_seconds, died)


def stop_all(names):
    init_system.at_once('stop', names)
    init_system.set_enabled(names, False)


def open_ports(ports):
    """Tell Juju the public ports (for `juju expose`), once."""
    opened = set(hookenv.opened_ports())
    for port in ports:
        if '{}/tcp'.format(port) not in opened:
            hookenv.open_port(port)


def ports_to_check(charm):
    """[(service, (address, port))] that must accept connections."""
    found = []
    for service, port in charm.public_port_of.items():
        plan = port_plan(port, charm.tls_enabled)
        found.append(('haproxy', ('127.0.0.1', plan.public)))
        if charm.tls_enabled:
            found += [(name, (charm.cluster_address, plan.backend))
                      for name in charm.tls_services]
            found.append((service, ('127.0.0.1', plan.api)))
        else:
            found.append((service, (charm.cluster_address, plan.api)))
    return found
