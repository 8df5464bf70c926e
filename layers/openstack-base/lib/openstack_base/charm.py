"""The OpenStack charm class: declarative attributes, one job per method.

A concrete charm sets class attributes (``name``, ``release``,
``packages``, ``api_ports``, ``required_relations``, ``sync_cmds``, ...)
and implements ``daemons()``; the methods here turn those into an
installed, configured, migrated and running unit. Handlers call one
method each; ``configure()`` is the step that converges the unit towards
what its config and relations ask for.
"""

import contextlib
import grp
import hashlib
import os
import subprocess

import jinja2
from charmhelpers.core import hookenv
from charmhelpers import fetch
from charms.reactive import flags

from openstack_base import daemons, ip, releases, tls, validation
from openstack_base.adapters import Adapters
from openstack_base.registry import CharmRegistry, installed_version


PAUSED = 'charm.paused'
INSTALLED = 'charm.installed'
RENDERED = 'config.rendered'
UPDATE_STATUS = 'is-update-status-hook'

LAYER_TEMPLATES = 'templates'
NAGIOS_PLUGINS = '/usr/lib/nagios/plugins/'


def _charm_dir():
    return hookenv.charm_dir() or os.getcwd()


class OpenStackCharm(metaclass=CharmRegistry):
    abstract = True

    # --- what a concrete charm declares -----------------------------------
    name = None
    release = None                  # first release the class handles
    packages = []
    optional_packages = []          # installed where the archive has them
    release_pkg = None              # its version tells the release
    package_codenames = {}          # upstream major version -> release
    user = group = None
    # Each entry is a relation name, or a tuple of names of which exactly
    # one must be present (e.g. two kinds of database).
    required_relations = []
    # The flag that means a relation is usable, where not '<rel>.available'.
    ready_flags = {}
    api_ports = {}                  # service -> public port
    service_type = None             # keystone service name
    endpoint_path = ''              # appended to the keystone URLs
    sync_cmds = []                  # database migration, run in order
    config_files = {}               # path -> template name
    # option -> check(value) -> reason; merged over the class hierarchy.
    config_checks = {
        'worker-multiplier': validation.number(minimum=0),
        'vip': validation.ip_addresses,
        'haproxy-server-timeout': validation.number(1, integer=True),
        'haproxy-client-timeout': validation.number(1, integer=True),
        'haproxy-queue-timeout': validation.number(1, integer=True),
        'haproxy-connect-timeout': validation.number(1, integer=True),
        'ssl_cert': validation.base64_pem('CERTIFICATE'),
        'ssl_key': validation.base64_pem('PRIVATE KEY', 'RSA PRIVATE KEY',
                                         'EC PRIVATE KEY'),
        'ssl_ca': validation.base64_pem('CERTIFICATE'),
    }
    # Options usable only together: option -> the option it goes with.
    config_companions = {'ssl_cert': 'ssl_key', 'ssl_key': 'ssl_cert'}
    extra_services = ['haproxy']    # packaged services the charm runs
    haproxy_conf = '/etc/haproxy/haproxy.cfg'
    # The TLS frontend, run only while TLS is on.
    tls_services = ['apache2']
    apache_dir = tls.APACHE_DIR
    ssl_dir = '/etc/apache2/ssl'            # certificates in <dir>/<name>/
    ca_cert_dir = '/usr/local/share/ca-certificates'

    def __init__(self, release=None, config=None):
        if release:
            self.release = release
        self.config = dict(hookenv.config() if config is None else config)
        self._restart_pending = set()
        self._tls = None        # the certificate configure() installs

    # --- facts about this unit --------------------------------------------
    @property
    def local_unit(self):
        return hookenv.local_unit()

    @property
    def local_address(self):
        return ip.binding_address('cluster')

    @property
    def series(self):
        from charmhelpers.core.host import lsb_release
        return lsb_release()['DISTRIB_CODENAME']

    @property
    def application_version(self):
        version = installed_version(self.release_pkg) or ''
        return version.split(':', 1)[-1].split('-', 1)[0]

    # --- configuration ----------------------------------------------------
    def all_config_checks(self):
        checks = {}
        for klass in reversed(type(self).__mro__):
            checks.update(vars(klass).get('config_checks', {}))
        checks['openstack-origin'] = self._check_origin
        return checks

    def _check_origin(self, value):
        try:
            releases.release_from_origin(value, self.series)
        except releases.InvalidOrigin as error:
            return str(error)

    def config_problems(self):
        """[(option, reason)] for every option whose value is unusable."""
        problems = []
        for option, check in sorted(self.all_config_checks().items()):
            if option not in self.config:
                continue
            reason = check(self.config[option])
            if reason:
                problems.append((option, reason))
        for option, other in sorted(self.config_companions.items()):
            if self.config.get(other) and not self.config.get(option):
                problems.append((option, 'must be set together with '
                                 '{}'.format(other)))
        return problems

    # --- install ----------------------------------------------------------
    def all_packages(self):
        return (list(self.packages) + list(self.extra_services) +
                [p for p in self.optional_packages if self._in_archive(p)])

    @staticmethod
    def _in_archive(package):
        result = subprocess.run(['apt-cache', 'show', '--no-all-versions',
                                 package], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        return result.returncode == 0

    def configure_source(self):
        """Point apt at openstack-origin; True when it names a source."""
        origin = self.config.get('openstack-origin', 'distro')
        releases.release_from_origin(origin, self.series)
        if origin.startswith('cloud:'):
            pocket = origin.split(':', 1)[1].split('/')[0]
            series, release = pocket.split('-')
            line = 'deb {} {}-updates/{} main\n'.format(
                fetch.ubuntu.CLOUD_ARCHIVE_URL, series, release)
            fetch.apt_install(['ubuntu-cloud-keyring'], fatal=True)
            with open('/etc/apt/sources.list.d/cloud-archive.list',
                      'w') as f:
                f.write(line)
        elif origin != 'distro':
            source, _, key = origin.partition('|')
            fetch.add_source(source, key or None)
        if origin != 'distro':
            fetch.apt_update(fatal=True)

    def install(self):
        """Install the payload, leaving every daemon stopped."""
        if any(o == 'openstack-origin' for o, _ in self.config_problems()):
            return False
        hookenv.status_set('maintenance', 'Installing packages')
        self.configure_source()
        fetch.apt_install(fetch.filter_installed_packages(
            self.all_packages()), fatal=True)
        self.write_daemons()
        for name in self.payload_services():
            daemons.stop(name)
            daemons.set_enabled(name, False)
        flags.set_flag(INSTALLED)
        return True

    # --- relations --------------------------------------------------------
    def _ready_flag(self, relation):
        return self.ready_flags.get(relation, '{}.available'.format(relation))

    def relation_state(self):
        """(missing, incomplete, conflicting) relation descriptions."""
        missing, incomplete, conflicting = [], [], []
        for entry in self.required_relations:
            names = entry if isinstance(entry, tuple) else (entry,)
            present = [n for n in names
                       if flags.is_flag_set('{}.connected'.format(n))]
            label = ' or '.join("'{}'".format(n) for n in names)
            if not present:
                missing.append(label)
            elif len(present) > 1:
                conflicting.append(' and '.join(
                    "'{}'".format(n) for n in present))
            elif not flags.is_flag_set(self._ready_flag(present[0])):
                incomplete.append("'{}'".format(present[0]))
        return missing, incomplete, conflicting

    def relations_complete(self):
        return not any(self.relation_state())

    # --- endpoints and URLs -----------------------------------------------
    @property
    def ssl_enabled(self):
        """TLS from config, or a certificate from the relation."""
        return (tls.config_requested(self.config) or
                flags.is_flag_set(tls.RELATION_CERTS_FLAG))

    def backend_port(self, public_port):
        """Where the service listens behind haproxy (and TLS)."""
        return public_port - (20 if self.ssl_enabled else 10)

    def endpoint_url(self, endpoint_type, clustered=False):
        port = next(iter(self.api_ports.values()))
        host = ip.resolve_address(endpoint_type, self.config, clustered)
        scheme = 'https' if self.ssl_enabled else 'http'
        return '{}://{}:{}{}'.format(scheme, ip.format_host(host), port,
                                     self.endpoint_path)

    def register_endpoints(self, keystone, clustered=False):
        keystone.register_endpoints(
            self.service_type, self.config.get('region', 'RegionOne'),
            self.endpoint_url('public', clustered),
            self.endpoint_url('internal', clustered),
            self.endpoint_url('admin', clustered))

    def update_peers(self, cluster):
        for endpoint_type in ip.ENDPOINT_TYPES:
            cluster.set_address(endpoint_type,
                                ip.binding_address(endpoint_type))

    def configure_ha(self, hacluster):
        for vip in (self.config.get('vip') or '').split():
            hacluster.add_vip(self.name, vip,
                              self.config.get('vip_iface') or None,
                              self.config.get('vip_cidr') or None)
        hacluster.add_init_service(self.name, 'haproxy')
        hacluster.bind_resources()

    # --- TLS --------------------------------------------------------------
    def certificate_request(self):
        """(cn, sans) of the one server certificate this unit asks for:
        its public name, and every name or address clients may use."""
        cn = ip.resolve_address('public', self.config)
        names = {cn, self.local_address}
        for endpoint_type, (binding, _) in ip.ENDPOINT_TYPES.items():
            names.add(ip.resolve_address(endpoint_type, self.config))
            names.add(ip.binding_address(binding))
        names.update((self.config.get('vip') or '').split())
        return cn, sorted(names)

    def request_certificates(self, certificates):
        certificates.request_server_cert(*self.certificate_request())

    def tls_material(self, certificates):
        """The certificate to serve: config wins over the relation."""
        cn = self.certificate_request()[0]
        return (tls.from_config(self.config, cn) or
                tls.from_relation(certificates, cn))

    @property
    def ca_cert_path(self):
        return os.path.join(self.ca_cert_dir, '{}_ca.crt'.format(self.name))

    @property
    def charm_ssl_dir(self):
        return os.path.join(self.ssl_dir, self.name)

    def tls_files(self, material):
        return tls.files(material, self.charm_ssl_dir, self.ca_cert_path)

    def install_tls(self, material):
        """Write certificate, key and CA; return the changed paths."""
        changed = set()
        for path, (content, mode) in sorted(
                self.tls_files(material).items()):
            if write_if_changed(path, content, mode=mode):
                changed.add(path)
        if self.ca_cert_path in changed:
            tls.update_ca_certificates()
        return changed

    @property
    def apache_site(self):
        return tls.site_path(self.apache_dir)

    def retire_tls_frontend(self):
        """TLS is off: stop the frontend if this charm ran it."""
        if not os.path.exists(self.apache_site):
            return
        tls.disable_site(self.apache_dir)
        os.unlink(self.apache_site)
        for name in self.tls_services:
            daemons.stop(name)
            daemons.set_enabled(name, False)
        if os.path.exists(self.ca_cert_path):
            os.unlink(self.ca_cert_path)
            tls.update_ca_certificates()

    def configure_tls(self, certificates):
        """Install the certificate and the frontend TLS asks for (apache2
        only now), or retire them; return the paths that changed."""
        self._tls = self.tls_material(certificates)
        if self._tls is None:
            self.retire_tls_frontend()
            return set()
        fetch.apt_install(fetch.filter_installed_packages(
            self.tls_services), fatal=True)
        return self.install_tls(self._tls)

    # --- templates --------------------------------------------------------
    def template_properties(self):
        """Values templates read as options.<name>, beyond config.

        Per API service: haproxy listens on public_port and reaches each
        unit on unit_port, where the API itself listens (ip, port), or,
        with TLS, apache2, which hands on to the API on loopback.
        """
        api_ip = '127.0.0.1' if self.ssl_enabled else self.local_address
        ports = {svc.replace('-', '_'): {
            'public_port': port, 'unit_port': port - 10,
            'port': self.backend_port(port), 'ip': api_ip}
            for svc, port in self.api_ports.items()}
        cn = self._tls.cn if self._tls else None
        return {
            'service_listen_info': ports,
            'ssl': bool(self._tls),
            'tls_cn': cn,
            'tls_cert_file': cn and tls.cert_path(self.charm_ssl_dir, cn),
            'tls_key_file': cn and tls.key_path(self.charm_ssl_dir, cn),
            'service_name': self.name,
            'local_address': self.local_address,
            'release': self.release,
            'haproxy_stat_password': self.haproxy_stat_password(),
        }

    def haproxy_stat_password(self):
        # Derived, stable and never stored in plain sight.
        seed = '{}:{}'.format(hookenv.local_unit(), _charm_dir())
        return hashlib.sha256(seed.encode()).hexdigest()[:32]

    def template_loader(self):
        """templates/<release>/ for this and older releases, newest first,
        then templates/."""
        base = os.path.join(_charm_dir(), LAYER_TEMPLATES)
        dirs = [os.path.join(base, r) for r in
                reversed(releases.RELEASES[:releases.release_index(
                    self.release) + 1])
                if os.path.isdir(os.path.join(base, r))]
        return jinja2.FileSystemLoader(dirs + [base])

    def render(self, template, context):
        env = jinja2.Environment(loader=self.template_loader(),
                                 keep_trailing_newline=True)
        return env.get_template(template).render(context)

    def all_config_files(self):
        files = dict(self.config_files)
        files[self.haproxy_conf] = 'haproxy.cfg'
        if self._tls:
            files[self.apache_site] = tls.APACHE_SITE + '.conf'
        return files

    def render_configs(self, adapters):
        """Write every config file; return the paths whose content
        changed."""
        changed = set()
        context = {name: getattr(adapters, name) for name in vars(adapters)}
        for path, template in sorted(self.all_config_files().items()):
            content = self.render(template, context)
            if write_if_changed(path, content, group=self.group_for(path)):
                changed.add(path)
        return changed

    def group_for(self, path):
        return {self.haproxy_conf: 'haproxy',
                self.apache_site: 'root'}.get(path, self.group)

    # --- daemons ----------------------------------------------------------
    def daemons(self):
        """[Daemon] this unit runs now; charms override."""
        return []

    def payload_services(self):
        return [d.name for d in self.daemons()]

    def services(self):
        frontend = list(self.tls_services) if self.ssl_enabled else []
        return (self.payload_services() + list(self.extra_services) +
                frontend)

    def restart_map(self):
        """{config path: [services to restart when it changes]}"""
        restarts = {path: self.payload_services()
                    for path in self.config_files}
        restarts[self.haproxy_conf] = ['haproxy']
        restarts[self.apache_site] = list(self.tls_services)
        return restarts

    def known_daemon_names(self):
        """Every daemon name this charm may ever write (to find stale
        ones)."""
        return self.payload_services()

    def write_daemons(self):
        """Write the daemons' definitions; return the changed names and
        remove the ones no longer wanted."""
        marker = daemons.MARKER.format(self.name)
        changed = set()
        for daemon in self.daemons():
            content = self.render(daemons.template_name(),
                                  {'daemon': daemon, 'marker': marker})
            if write_if_changed(daemons.unit_path(daemon.name), content,
                                mode=daemons.unit_mode(), group='root'):
                changed.add(daemon.name)
        wanted = set(self.payload_services())
        for name in daemons.managed_names(self.name,
                                          self.known_daemon_names()):
            if name not in wanted:
                daemons.remove(name)
        if changed:
            daemons.reload_definitions()
        return changed

    def request_restart(self, services):
        self._restart_pending.update(services)

    def should_run(self):
        return (flags.is_flag_set(RENDERED) and self.database_migrated()
                and not flags.is_flag_set(PAUSED))

    def reconcile_services(self):
        """Bring every service to the state this unit should be in:
        running (restarting the ones whose files changed) or stopped.
        Waits for the ports of what it started, so that "Unit is ready"
        means the API answers."""
        run = self.should_run()
        started = []
        for name in self.services():
            if not run:
                if daemons.running(name):
                    daemons.stop(name)
                continue
            daemons.set_enabled(name, True)
            if name in self._restart_pending and daemons.running(name):
                daemons.restart(name)
                started.append(name)
            elif not daemons.running(name):
                daemons.start(name)
                started.append(name)
        self._restart_pending.clear()
        ports = [p for name, p in self.ports_to_check() if name in started]
        if ports:
            daemons.wait_for_ports(ports, self.port_wait_seconds)
            # haproxy accepts before its health checks find a backend.
            for port in self.api_ports.values():
                daemons.wait_for_http('127.0.0.1', port, self.ssl_enabled,
                                      self.port_wait_seconds)
        if run:
            self.open_ports()

    def open_ports(self):
        """Tell Juju the public ports (for `juju expose`), once."""
        opened = set(hookenv.opened_ports())
        for port in self.api_ports.values():
            if '{}/tcp'.format(port) not in opened:
                hookenv.open_port(port)

    port_wait_seconds = 180

    def ports_to_check(self):
        """[(service, (address, port))] that must accept connections."""
        found = []
        for service, port in self.api_ports.items():
            found.append(('haproxy', ('127.0.0.1', port)))
            if self.ssl_enabled:
                found += [(name, (self.local_address, port - 10))
                          for name in self.tls_services]
                found.append((service, ('127.0.0.1',
                                        self.backend_port(port))))
            else:
                found.append((service, (self.local_address,
                                        self.backend_port(port))))
        return found

    def stop_services(self):
        for name in self.services():
            daemons.stop(name)
            daemons.set_enabled(name, False)

    # --- database ---------------------------------------------------------
    def database_migrated(self):
        if not self.sync_cmds:
            return True
        return hookenv.leader_get('db-migrated-release') == self.release

    def migrate_database(self):
        """On the leader, once per release, before any service starts."""
        if self.database_migrated() or not hookenv.is_leader():
            return False
        hookenv.status_set('maintenance', 'Migrating the database')
        for name in self.payload_services():
            daemons.stop(name)
        for cmd in self.sync_cmds:
            subprocess.check_call(cmd, stdout=subprocess.DEVNULL)
        hookenv.leader_set({'db-migrated-release': self.release})
        return True

    # --- OpenStack release upgrades ---------------------------------------
    def target_release(self):
        """The release openstack-origin asks for (None: a raw apt line,
        whose release shows only once installed)."""
        return releases.release_from_origin(
            self.config.get('openstack-origin', 'distro'), self.series)

    def upgrade_available(self):
        target = self.target_release()
        return bool(target) and releases.compare(target, self.release) > 0

    def upgrade(self):
        """Move the payload to the release openstack-origin names.

        Services stop, packages move, then the next configure() of the
        new release's charm migrates the database (leader) and restarts.
        Returns the charm instance for the new release.
        """
        target = self.target_release()
        hookenv.status_set('maintenance', 'Upgrading to {}'.format(target))
        self.configure_source()
        self.stop_services()
        fetch.apt_upgrade(fatal=True, dist=True, options=[
            '--option=Dpkg::Options::=--force-confnew',
            '--option=Dpkg::Options::=--force-confdef'])
        fetch.apt_install(fetch.filter_installed_packages(
            self.all_packages()), fatal=True)
        forget_charm_instance()
        return type(self).for_release(target)(target)

    # --- the converging step ----------------------------------------------
    def configure(self, endpoints):
        """Render, migrate and run what config and relations ask for.

        Bad config keeps the last good files and running services (status
        says why); incomplete relations stop the services, since the
        config they would run on is no longer whole.
        """
        if self.config_problems():
            return
        if (self.upgrade_available() and
                not self.config.get('action-managed-upgrade')):
            return self.upgrade().configure(endpoints)
        if not self.relations_complete():
            flags.clear_flag(RENDERED)
            self.reconcile_services()
            return
        changed_tls = self.configure_tls(endpoints.get('certificates'))
        adapters = Adapters(self, endpoints)
        if adapters.amqp.ssl and write_if_changed(
                adapters.amqp.ssl_ca_file, adapters.amqp.get_ssl_cert,
                mode=0o644):
            self.request_restart(self.payload_services())
        changed_daemons = self.write_daemons()
        changed_files = self.render_configs(adapters)
        if self._tls:
            tls.enable_apache(self.apache_dir)
        restart_map = self.restart_map()
        self.request_restart(changed_daemons)
        for path in changed_files:
            self.request_restart(restart_map.get(path, []))
        if changed_tls:
            self.request_restart(self.tls_services)
        flags.set_flag(RENDERED)
        if self.migrate_database():
            self.request_restart(self.payload_services())
        self.reconcile_services()

    # --- pause / resume ---------------------------------------------------
    def pause(self):
        flags.set_flag(PAUSED)
        self.stop_services()

    def resume(self):
        flags.clear_flag(PAUSED)
        self.reconcile_services()

    def restart_services(self):
        self.request_restart(self.services())
        self.reconcile_services()

    # --- monitoring -------------------------------------------------------
    def nrpe_checks(self):
        """{check name: (description, command)}: one per process, one
        HTTP check per API port."""
        checks = {}
        for daemon in self.daemons():
            # The daemon's own log file names it uniquely on the command
            # line, even where several run the same program.
            pattern = ' '.join(daemon.command[1:])
            checks[daemon.name] = (
                '{} process'.format(daemon.name),
                [NAGIOS_PLUGINS + 'check_procs', '-c', '1:', '-u',
                 daemon.user, '--ereg-argument-array',
                 "'{}$'".format(pattern)])
        for service, port in self.api_ports.items():
            checks['{}-http'.format(service)] = (
                '{} answers HTTP on port {}'.format(service, port),
                [NAGIOS_PLUGINS + 'check_http', '-I', '127.0.0.1', '-p',
                 str(port), '-u', '/'] + (['--ssl'] if self.ssl_enabled
                                          else []))
        return checks

    def update_nrpe_checks(self, nrpe):
        """Write the checks and tell nrpe, when they changed."""
        from charms.reactive.helpers import data_changed
        context = self.config.get('nagios_context') or 'juju'
        groups = self.config.get('nagios_servicegroups') or context
        wanted = self.nrpe_checks()
        if not data_changed('openstack-base.nrpe-checks',
                            [wanted, context, groups]):
            return False
        for name in nrpe.checks():
            if name not in wanted:
                nrpe.remove_check(name)
        for name, (description, command) in sorted(wanted.items()):
            nrpe.add_check(command, name, description, context, groups)
        nrpe.updated()
        if os.path.exists(daemons.unit_path('nagios-nrpe-server')) or \
                os.path.exists('/etc/init.d/nagios-nrpe-server'):
            daemons.restart('nagios-nrpe-server')
        return True

    # --- status -----------------------------------------------------------
    def custom_status(self):
        """(state, message) for a charm-specific condition, or None."""
        return None

    def workload_status(self):
        """(state, message) that juju status should show for this unit."""
        if flags.is_flag_set(PAUSED):
            return ('maintenance',
                    "Paused. Use 'resume' action to resume normal service.")
        problems = self.config_problems()
        if problems:
            return ('blocked', 'Invalid config: ' + '; '.join(
                '{}: {}'.format(o, r) for o, r in problems))
        custom = self.custom_status()
        if custom:
            return custom
        missing, incomplete, conflicting = self.relation_state()
        if conflicting:
            return ('blocked', 'Conflicting relations: {} (relate only '
                    'one)'.format('; '.join(conflicting)))
        if missing:
            return ('blocked',
                    'Missing relations: {}'.format(', '.join(missing)))
        if incomplete:
            return ('waiting',
                    'Incomplete relations: {}'.format(', '.join(incomplete)))
        if not flags.is_flag_set(INSTALLED):
            return ('maintenance', 'Installing')
        if not self.database_migrated():
            return ('waiting', 'Database not yet migrated (waiting for the '
                    'leader)')
        if not flags.is_flag_set(RENDERED):
            return ('waiting', 'Configuration not yet rendered')
        stopped = [s for s in self.services() if not daemons.running(s)]
        if stopped:
            return ('blocked', 'Services not running that should be: '
                    '{}'.format(', '.join(stopped)))
        closed = ['{} ({})'.format(port, service)
                  for service, (address, port) in self.ports_to_check()
                  if not daemons.port_open(address, port)]
        if closed:
            return ('blocked', 'Ports which should be open, but are not: '
                    '{}'.format(', '.join(closed)))
        silent = [str(port) for port in self.api_ports.values()
                  if not daemons.http_answers('127.0.0.1', port,
                                              self.ssl_enabled)]
        if silent:
            return ('waiting', 'API not yet answering on {}'.format(
                ', '.join(silent)))
        return ('active', 'Unit is ready')

    def assess_status(self):
        state, message = self.workload_status()
        hookenv.status_set(state, message)
        version = self.application_version
        if version:
            hookenv.application_version_set(version)


def write_if_changed(path, content, owner='root', group='root',
                     mode=0o640):
    """Atomically write content; True when the file changed.

    Files holding secrets are 0640 root:<service group> so the service
    can read them and nobody else can.
    """
    data = content.encode()
    try:
        with open(path, 'rb') as f:
            if f.read() == data:
                return False
    except OSError:
        pass
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = '{}.charm-new'.format(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, 'wb') as f:
        f.write(data)
    os.chmod(tmp, mode)
    if os.geteuid() == 0:
        os.chown(tmp, 0, grp.getgrnam(group).gr_gid if group else 0)
    os.replace(tmp, path)
    return True


_current = {}


@contextlib.contextmanager
def provide_charm_instance(base):
    """The charm instance for this hook, for the deployed release.

    One instance per hook process, so that restarts requested by several
    handlers happen once.
    """
    if base not in _current:
        release = select_release(base)
        _current[base] = base.for_release(release)(release)
    yield _current[base]


def forget_charm_instance():
    """For tests, and after an upgrade changes the release."""
    _current.clear()


def select_release(base):
    """The deployed release: from the installed package when there is
    one, else from openstack-origin, else the newest class."""
    version = installed_version(base.release_pkg)
    if version:
        release = releases.release_from_version(version,
                                                base.package_codenames)
        if release:
            return release
    try:
        from charmhelpers.core.host import lsb_release
        series = lsb_release()['DISTRIB_CODENAME']
        return releases.release_from_origin(
            hookenv.config().get('openstack-origin', 'distro'), series)
    except (releases.InvalidOrigin, KeyError, OSError):
        return None


def charm_class():
    """The charm's base class, named in layer.yaml:
    ``options: openstack-base: charm-class: package.module.Class``."""
    import importlib
    import hook_bootstrap
    dotted = hook_bootstrap.layer_options(layer='openstack-base')[
        'charm-class']
    module, _, name = dotted.rpartition('.')
    return getattr(importlib.import_module(module), name)


def related_endpoints():
    """{relation name: Endpoint} for every relation the charm declares."""
    from charms.reactive import endpoint_from_name
    meta = hookenv.metadata()
    names = [n for section in ('requires', 'provides', 'peers')
             for n in meta.get(section, {})]
    return {n: endpoint_from_name(n) for n in names}
