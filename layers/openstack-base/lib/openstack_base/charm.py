"""The OpenStack charm class: what a charm declares (``name``,
``release``, ``packages``, ``api_ports``, ``required_relations``...;
``daemons()``, ``get_amqp_credentials()``, ``get_database_setup()``) and
the steps (install, converge, upgrade, pause) that make it a running
unit. Names shared with charms.openstack have its shapes; what differs:

====================  ==============================================
here                  charms.openstack
====================  ==============================================
``daemons()``         ``services`` run from the packages' unit files
``db_migration_cmds`` ``sync_cmd``, a single command
``converge()``        handlers chained by flags, one job each
``relations``         adapters + ``use_defaults``; here one adapter
                      object per relation: request, ready, context
``config_checks``     (none): a bad value blocks, naming the option
====================  ==============================================
"""

import functools
import os

from charmhelpers.core import hookenv

from openstack_base import (
    apt, config_files, ip, migration, options, policyd, releases, rendering,
    services, state, status, tls, upgrades, validation,
)
from openstack_base import instance
from openstack_base.instance import related_endpoints
from openstack_base.registry import CharmRegistry, installed_version
from openstack_base.relations import DEFAULT_ADAPTERS

# API workers as charmhelpers 1.2.1 counts them (contrib/openstack/
# context.py, _calculate_workers): CPUs x worker-multiplier, at least 1;
# unset, CPUs x 2 but at most 4, since a container sees the host's CPUs
# (pad.lv/1665270; charmhelpers caps it in and out of containers alike).
DEFAULT_MULTIPLIER = 2
MAX_DEFAULT_WORKERS = 4


def usable_cpus():
    """The CPUs this unit may run on (as Python 3.13's
    os.process_cpu_count() counts them): LXD's limits.cpu pins a
    container to some, which os.cpu_count() need not reflect."""
    return len(os.sched_getaffinity(0))


def memory_mib(meminfo_path='/proc/meminfo'):
    """The unit's memory: MemTotal (in an LXD container, lxcfs makes it
    the container's limit)."""
    with open(meminfo_path) as meminfo:
        for line in meminfo:
            if line.startswith('MemTotal:'):
                return int(line.split()[1]) // 1024
    raise RuntimeError('/proc/meminfo has no MemTotal')


class OpenStackCharm(metaclass=CharmRegistry):
    abstract = True

    # --- what a concrete charm declares -----------------------------------
    name = None
    release = None                  # first release the class handles
    packages = []
    # Each {package: what is lost without it}: packages installed where
    # apt finds them, and packages none of this release's archives have.
    optional_packages = {}
    unpackaged = {}
    release_pkg = None              # its version tells the release
    package_codenames = {}          # {package: {upstream major: release}}
    user = group = None
    # Each entry is a relation name, or a tuple of names of which exactly
    # one must be present (e.g. two kinds of database).
    required_relations = []
    relation_adapters = DEFAULT_ADAPTERS
    api_ports = {}                  # {service: {'public'|'admin'|'int': N}}
    service_type = None             # keystone service name
    endpoint_path = ''              # appended to the keystone URLs
    api_health_path = '/'           # answered 2xx by a unit's API in service
    db_migration_cmds = []          # run in order, on the leader
    config_files = {}               # path -> template name
    # template -> the daemons that read its file, where not all of them:
    # only those restart when it changes.
    config_readers = {}
    # option -> check(value) -> reason, and option -> why any value is
    # fine; both merged over the class hierarchy.
    config_checks = options.CHECKS
    config_free = options.FREE
    config_companions = options.COMPANIONS
    # option -> what bounds its value, for those that may span lines
    # (every other value is one line of bounded length); merged too.
    config_multiline = options.MULTILINE
    # Packaged services run on every unit: haproxy in front of the API and
    # the token cache; and what else the token cache needs.
    packaged_services = ['haproxy', 'memcached']
    # Services whose changed config a reload applies without a restart.
    reloadable_services = {'haproxy'}
    token_cache_packages = ['python3-memcache']
    haproxy_conf = '/etc/haproxy/haproxy.cfg'
    memcached_conf = '/etc/memcached.conf'
    memcache_port = 11211
    tls_services = ['apache2']          # packaged, run while TLS is on
    apache_dir = tls.APACHE_DIR
    ssl_dir = '/etc/apache2/ssl'            # certificates in <dir>/<name>/
    ca_cert_dir = '/usr/local/share/ca-certificates'
    port_wait_seconds = 180
    actions = {}                    # the charm's own: name -> f(charm)
    log_dirs = []                   # where else the daemons log
    policyd_dir = None              # the API's policy.d (overrides), and
    policyd_services = []           # what reads it
    # Memory of one payload process (MiB): a worker-multiplier whose
    # processes (payload_processes()) would not fit is refused.
    process_mib = None

    def __init__(self, release=None, config=None, endpoints=None):
        if release:
            self.release = release
        self.config = dict(hookenv.config() if config is None else config)
        self.restarts = services.Restarts(self.reloadable_services)
        self.endpoints = endpoints

    def get_amqp_credentials(self):
        """(username, vhost) to ask RabbitMQ for."""
        raise NotImplementedError

    def get_database_setup(self):
        """[{'database': ..., 'username': ...}] to ask the database for."""
        raise NotImplementedError

    def daemons(self):
        """[Daemon] this unit runs now."""
        return []

    def payload_processes(self):
        """The most payload processes this unit may run, for the memory
        check of worker-multiplier."""
        return len(self.daemons())

    def template_options(self):
        """Charm-specific values templates read as options.<name>."""
        return {}

    def custom_status(self):
        """(state, message) for a charm-specific condition, or None."""
        return None

    def ready_notes(self):
        """What ``juju status`` adds to "Unit is ready"."""
        target = upgrades.awaits_action(self) and upgrades.pending(self)
        return ['openstack-upgrade to {} available'.format(target)] \
            if target else []

    def ready_message(self):
        notes = self.ready_notes()
        return 'Unit is ready' + (' ({})'.format('; '.join(notes))
                                  if notes else '')

    # --- facts about this unit --------------------------------------------
    @functools.cached_property
    def relations(self):
        """{relation name: its adapter}, for every relation the charm uses."""
        if self.endpoints is None:
            self.endpoints = related_endpoints()
        return {a.name: a(self, self.endpoints.get(a.name))
                for a in self.relation_adapters}

    @property
    def local_unit(self):
        return hookenv.local_unit()

    @functools.cached_property
    def cluster_address(self):
        return ip.binding_address('cluster')

    @property
    def series(self):
        from charmhelpers.core.host import lsb_release
        return lsb_release()['DISTRIB_CODENAME']

    def payload_versions(self):
        """{package: installed version} of the payload."""
        return {p: installed_version(p) for p in self.packages}

    def worker_count(self):
        """API workers: worker-multiplier x CPUs, as the official charms
        count them."""
        multiplier = self.config.get('worker-multiplier')
        if multiplier is None or multiplier == '':
            return max(1, min(usable_cpus() * DEFAULT_MULTIPLIER,
                              MAX_DEFAULT_WORKERS))
        return max(1, int(usable_cpus() * float(multiplier)))

    def installed_release(self):
        return instance.installed_release(type(self))

    @property
    def application_version(self):
        version = installed_version(self.release_pkg) or ''
        return version.split(':', 1)[-1].split('-', 1)[0]

    # --- configuration ----------------------------------------------------
    def config_problems(self):
        """[(option, reason)] for every option whose value is unusable."""
        checks = dict(type(self).merged('config_checks'),
                      **{'openstack-origin': self._check_origin})
        problems = validation.problems(
            self.config, checks, self.config_companions,
            type(self).merged('config_multiline'))
        if 'worker-multiplier' not in dict(problems):
            problems += self._memory_problems()
        return problems or tls.config_problems(self.config)

    def _memory_problems(self):
        """worker-multiplier asking for more processes than the unit's
        memory holds."""
        multiplier = self.config.get('worker-multiplier')
        if multiplier is None or multiplier == '' or not self.process_mib:
            return []
        processes = self.payload_processes()
        need, have = processes * self.process_mib, memory_mib()
        if need <= have:
            return []
        return [('worker-multiplier', '{} x {} CPUs runs {} processes of '
                 'about {} MiB each ({} MiB), more than the unit\'s {} '
                 'MiB'.format(multiplier, usable_cpus(), processes,
                              self.process_mib, need, have))]

    def relation_problems(self):
        """[(relation, reason)] for relation data the unit must not use."""
        return tls.relation_problems(self)

    def _check_origin(self, value):
        try:
            target = releases.release_from_origin(value, self.series)
        except releases.InvalidOrigin as error:
            return str(error)
        if state.installed():
            return upgrades.refusal(self.release, target)
        return None

    # --- services and ports -----------------------------------------------
    @property
    def daemon_names(self):
        return [d.name for d in self.daemons()]

    @property
    def services(self):
        """Every service this unit runs now."""
        return (self.daemon_names + list(self.packaged_services) +
                (list(self.tls_services) if self.tls_enabled else []))

    @property
    def restart_map(self):
        """{config path: [services to restart when it changes]}"""
        restarts = {path: self.config_readers.get(template,
                                                  self.daemon_names)
                    for path, template in self.config_files.items()}
        restarts[self.haproxy_conf] = ['haproxy']
        restarts[self.memcached_conf] = ['memcached']
        restarts[tls.site_path(self.apache_dir)] = list(self.tls_services)
        return restarts

    @property
    def public_port_of(self):
        return {s: ports['public'] for s, ports in self.api_ports.items()}

    @property
    def public_ports(self):
        return sorted(set(self.public_port_of.values()))

    def ports_to_check(self):
        return services.ports_to_check(self)

    # --- TLS --------------------------------------------------------------
    @functools.cached_property
    def tls_frontend(self):
        """The TLS frontend to run, or None: TLS is off."""
        return tls.frontend_for(self)

    @property
    def tls_enabled(self):
        return self.tls_frontend is not None

    # --- install ----------------------------------------------------------
    def install(self):
        """Install the payload, leaving every daemon stopped; False when
        openstack-origin is unusable."""
        if any(o == 'openstack-origin' for o, _ in self.config_problems()):
            return False
        hookenv.status_set('maintenance', 'Installing packages')
        apt.configure_source(self.config.get('openstack-origin', 'distro'),
                             self.series)
        apt.install(self.all_packages())
        services.write_daemons(self)
        services.stop_all(self.daemon_names)
        state.set_installed(True)
        return True

    def upgrade_charm(self):
        """New charm code: install the packages it adds, stop nothing."""
        if state.installed():
            apt.install(self.all_packages())

    def all_packages(self):
        return apt.wanted_packages(self)

    def missing_packages(self):
        """{package: what is lost} for what this unit goes without."""
        if not state.installed():
            return {}
        absent = apt.not_installed(list(self.optional_packages))
        return dict(self.unpackaged, **{
            p: self.optional_packages[p] for p in absent})

    # --- converge ---------------------------------------------------------
    def make_requests(self):
        """Ask every connected relation for what this charm needs. Bad
        config asks nothing: what the remote sides hold stays the last
        good (a region, a VIP, a host name go out in requests)."""
        if self.config_problems():
            return
        for adapter in self.relations.values():
            if adapter.connected:
                adapter.request()

    def converge(self):
        """Render, migrate and run what config and relations ask for.

        Bad config and incomplete relations (a key briefly missing, a
        database cluster upgrading) keep the last good files and running
        services; status says why. A missing relation stops the services
        and re-renders, so the credentials it gave leave the unit.
        """
        if self.config_problems() or self.relation_problems():
            return
        if upgrades.pending(self) and not upgrades.awaits_action(self):
            try:
                return upgrades.upgrade(self).converge()
            except upgrades.UpgradeFailed:
                return None     # blocked with the reason; old one serves
        missing, incomplete, conflicting = status.relation_state(self)
        if incomplete and not (missing or conflicting):
            return None
        frontend = self.tls_frontend
        if frontend is not None:
            # apache2 serves it: there before its site and modules are
            apt.install(self.tls_services)
        try:
            changed = self.render_configs(frontend)
        except rendering.UnsafeValue as refused:
            # Checks name the option or relation first; this is the last
            # line: nothing written, nothing restarted, status says why.
            state.set_render_refusal(str(refused))
            return None
        state.set_render_refusal(None)
        tls.configure(self)
        if missing or conflicting:
            state.set_rendered(False)
            return self.run_or_stop_services()
        for adapter in self.relations.values():
            if adapter.connected and adapter.install_files():
                self.restarts.request(self.daemon_names)
        self.restarts.request(services.write_daemons(self))
        for path in changed:
            self.restarts.config_changed(self.restart_map.get(path, []))
        if policyd.apply(self):
            self.restarts.request(self.policyd_services)
        state.set_rendered(True)
        if self.migrate_database():
            self.restarts.request(self.daemon_names)
        self.run_or_stop_services()

    def render_configs(self, frontend):
        """Write every config file; the paths whose content changed."""
        return config_files.render_all(self, frontend)

    def should_run(self):
        return (state.rendered() and self.database_migrated() and
                not state.paused())

    def run_or_stop_services(self):
        services.run_or_stop(self, self.should_run(), self.port_wait_seconds)

    # --- database ---------------------------------------------------------
    def database_migrated(self):
        return migration.done(self)

    def migrate_database(self):
        return migration.run(self)

    # --- pause / resume / status ------------------------------------------
    def pause(self):
        running = self.services         # as they were before the pause
        state.set_paused(True)
        self.relations['cluster'].announce_paused(True)
        services.stop_all(running)

    def resume(self):
        """Run what converge runs now: the daemons wanted, and their
        files, may differ from those of the paused unit (Mistral's cron
        trigger process leaves a paused leader), and a hook during the
        pause wrote for that unit. Bad config or relations start the
        last good files."""
        state.set_paused(False)
        self.relations['cluster'].announce_paused(False)
        if self.config_problems() or self.relation_problems():
            services.write_daemons(self)
            return self.run_or_stop_services()
        self.converge()

    def restart_services(self, names=None):
        self.restarts.request(names or self.services)
        self.run_or_stop_services()

    def workload_status(self):
        return status.workload_status(self)

    def assess_status(self):
        status.assess(self)
