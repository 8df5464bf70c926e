"""keystone, backed by the Debian Keystone served on 127.0.0.1:5000: the
service's life (ensure, destroy) and the identity-service answers.

Keystone keeps its data in its own PostgreSQL database (a drop-in in
/etc/keystone/keystone.conf.d/) and runs under uwsgi started here, in the
background with a pidfile, because the package's init script binds every
address with 8x32 workers. ``Connection: close`` keeps clients from
reusing sockets uwsgi has already closed (see design.md).

The identity-service relation is answered as openstack/charm-keystone's
add_service_to_keystone does: catalog service and three endpoints for the
charm's ``service``/``region``/``*_url``, a service user named after the
service in ``service_domain`` with the admin and service roles on project
``services``, and the keystone charm's keys.
"""

import grp
import os
import signal

from local.providers import support
from local.providers.keystone_api import (
    HOST, PORT, UNITS_URL, URL, Catalog, KeystoneError, call, openrc,
    password_token)
from local.providers.postgresql import Cluster
from localjuju.provider import Provider

REGION = 'RegionOne'
SERVICE_DOMAIN = 'service_domain'
SERVICE_PROJECT = 'services'
ADMIN_ROLE = 'admin'
SERVICE_ROLE = 'service'
DROPIN = '/etc/keystone/keystone.conf.d/local-provider.conf'
PACKAGES = ['keystone', 'uwsgi-plugin-python3', 'python3-psycopg2',
            'postgresql']
# charm-keystone's valid_services, the part this project meets.
SERVICE_TYPES = {
    'mistral': 'workflowv2', 'keystone': 'identity',
    'nova': 'compute',
    'glance': 'image',
    'neutron': 'network',
    'placement': 'placement',
    'heat': 'orchestration',
}
ENDPOINT_KEYS = ('public_url', 'internal_url', 'admin_url')


class Keystone(Provider):
    application = 'keystone'
    interface = 'keystone'

    def __init__(self, state_dir):
        super().__init__(state_dir)
        self.ledger = support.Ledger(state_dir)
        self.cluster = Cluster(self.ledger)
        self.pidfile = os.path.join(state_dir, 'uwsgi.pid')
        self.openrc = os.path.join(state_dir, 'admin-openrc')

    # -- secrets and tokens for tests ------------------------------------
    def admin_password(self):
        return support.secret(self.state_dir, 'admin')

    def admin_token(self):
        return password_token('admin', self.admin_password(), 'admin')[0]

    # -- service ---------------------------------------------------------
    def ensure(self, progress=print):
        support.ensure_packages(PACKAGES, progress)
        self.cluster.ensure(progress)
        db_password = support.secret(self.state_dir, 'db')
        self.cluster.ensure_role('keystone', db_password)
        self.cluster.ensure_database('keystone', owner='keystone')
        self._write_dropin(db_password)
        if not self.ledger.get('bootstrapped'):
            self._bootstrap(progress)
        support.bridge()
        if self._pid() is not None and not self._running():
            self._stop()  # ours, from before it listened on the bridge
        if not self._running():
            if support.port_open(HOST, PORT):
                raise support.ProviderError(
                    '{}:{} is taken by a keystone this state dir did not '
                    'start; destroy() its provider first'.format(HOST, PORT))
            progress('starting keystone (uwsgi on {} port {})'.format(
                ' and '.join(support.LISTEN), PORT))
            self._start()
        support.wait_until(self._answers, 'keystone on ' + URL, timeout=180)
        Catalog(self.admin_token()).point_identity(UNITS_URL)
        self._ensure_service_project()
        self._write_openrc()
        progress('keystone answering on {}'.format(URL))

    def _write_dropin(self, db_password):
        text = ('[database]\nconnection = postgresql+psycopg2://keystone:'
                '{}@{}:5432/keystone\n\n[token]\nprovider = fernet\n'
                .format(db_password, HOST))
        os.makedirs(os.path.dirname(DROPIN), exist_ok=True)
        support.write_managed(DROPIN, text, mode=0o640)
        os.chown(DROPIN, 0, _keystone_gid())

    def _bootstrap(self, progress):
        manage = ['runuser', '-u', 'keystone', '--', 'keystone-manage']
        progress('keystone-manage db_sync')
        support.run(manage + ['db_sync'])
        progress('keystone-manage fernet_setup, credential_setup')
        for step in ('fernet_setup', 'credential_setup'):
            support.run(manage + [step, '--keystone-user', 'keystone',
                                  '--keystone-group', 'keystone'])
        progress('keystone-manage bootstrap')
        env = dict(os.environ, OS_BOOTSTRAP_PASSWORD=self.admin_password())
        support.run(manage + [
            'bootstrap', '--bootstrap-username', 'admin',
            '--bootstrap-project-name', 'admin',
            '--bootstrap-role-name', ADMIN_ROLE,
            '--bootstrap-region-id', REGION,
            '--bootstrap-admin-url', URL,
            '--bootstrap-internal-url', URL,
            '--bootstrap-public-url', URL], env=env, secret=True)
        self.ledger.set('bootstrapped', True)

    def _pid(self):
        try:
            with open(self.pidfile) as stored:
                pid = int(stored.read().strip())
            os.kill(pid, 0)
            return pid
        except (OSError, ValueError):
            return None

    def _running(self):
        return self._pid() is not None and support.listening(PORT)

    def _start(self):
        support.run([
            'uwsgi_python3', '--master', '--die-on-term', '--lazy-apps',
            '--http-socket', '{}:{}'.format(support.LISTEN[0], PORT),
            '--http-socket', '{}:{}'.format(support.LISTEN[1], PORT),
            '--wsgi-file', '/usr/bin/keystone-wsgi-public',
            '--processes', '2', '--threads', '1', '--buffer-size', '65535',
            '--add-header', 'Connection: close',
            '--uid', 'keystone', '--gid', 'keystone',
            '--chdir', '/var/lib/keystone',
            '--pidfile', self.pidfile,
            '--daemonize', os.path.join(self.state_dir, 'uwsgi.log')])

    @staticmethod
    def _answers():
        try:
            call('GET', '')
            return True
        except (OSError, support.ProviderError):
            return False

    def _ensure_service_project(self):
        catalog = Catalog(self.admin_token())
        domain = catalog.ensure('domains', {'name': SERVICE_DOMAIN})
        project = catalog.ensure('projects', {
            'name': SERVICE_PROJECT, 'domain_id': domain['id']})
        for role in (ADMIN_ROLE, SERVICE_ROLE):
            catalog.ensure('roles', {'name': role})
        admin = catalog.find('users', name='admin', domain_id='default')
        admin_project = catalog.find('projects', name='admin',
                                     domain_id='default')
        self.ledger.set('ids', {
            'service_domain_id': domain['id'],
            'service_tenant_id': project['id'],
            'admin_domain_id': 'default',
            'admin_user_id': admin['id'],
            'admin_project_id': admin_project['id']})

    def _write_openrc(self):
        support.write_private(self.openrc, openrc(self.admin_password(),
                                                  REGION))

    def _stop(self):
        pid = self._pid()
        if pid:
            os.kill(pid, signal.SIGTERM)
            support.wait_until(lambda: self._pid() is None,
                               'keystone uwsgi to stop', timeout=30)

    def destroy(self):
        self._stop()
        if self.cluster.clusters() and support.port_open(HOST, 5432):
            self.cluster.drop_created()
            self.cluster.stop_if_started()
        support.remove_managed(DROPIN)
        if self.ledger.get('bootstrapped'):
            for keys in ('fernet-keys', 'credential-keys'):
                support.remove_tree(os.path.join('/etc/keystone', keys))
        support.remove_tree(self.state_dir)

    # -- relation --------------------------------------------------------
    @staticmethod
    def requests(relation):
        """Complete single-service requests, one per service name."""
        found = {}
        for unit in sorted(relation.charm_units):
            data = relation.charm_units[unit]
            fields = [data.get(key) for key in
                      ('service', 'region') + ENDPOINT_KEYS]
            if all(fields) and 'None' not in fields:
                found.setdefault(data['service'], data)
        return found

    @staticmethod
    def locating(relation):
        """Whether a unit asks only where Keystone is: openstack-dashboard
        requests service "None" (hooks/horizon_hooks.py keystone_joined)."""
        return any(data.get('service') == 'None'
                   for data in relation.charm_units.values())

    def respond(self, relation):
        if self.locating(relation):
            answer = self._location(relation.unit_address, relation)
            for unit in relation.provider_units:
                relation.set_unit(unit, answer)
            return
        requests = self.requests(relation)
        if not requests:
            return  # nothing asked yet: spare an admin token
        catalog = Catalog(self.admin_token())
        ids = self.ledger.get('ids')
        for service, request in sorted(requests.items()):
            service_type = SERVICE_TYPES.get(service.partition('_')[0])
            if service_type is None:
                continue  # charm-keystone refuses unknown services too
            self._register(catalog, service, service_type, request)
            user, password, roles = self._service_user(
                catalog, service, ids, request)
            self.ledger.remember(relation.id, user['id'])
            answer = self._answer(service_type, request, user, password, ids,
                                  relation.unit_address)
            if roles:
                answer['created_roles'] = ','.join(roles)
            for unit in relation.provider_units:
                relation.set_unit(unit, answer)

    @staticmethod
    def _register(catalog, service, service_type, request):
        catalog.ensure_region(request['region'])
        entry = catalog.ensure('services', {'name': service,
                                            'type': service_type})
        for key in ENDPOINT_KEYS:
            interface = key[:-len('_url')]
            endpoint = catalog.ensure('endpoints', {
                'service_id': entry['id'], 'interface': interface,
                'region_id': request['region']},
                extra={'url': request[key]})
            if endpoint['url'] != request[key]:
                catalog.call('PATCH', '/endpoints/' + endpoint['id'],
                             {'endpoint': {'url': request[key]}})

    def _service_user(self, catalog, service, ids, request):
        password = support.secret(self.state_dir, 'user-' + service)
        user = catalog.find('users', name=service,
                            domain_id=ids['service_domain_id'])
        if user is None:
            user = catalog.call('POST', '/users', {'user': {
                'name': service, 'password': password, 'enabled': True,
                'domain_id': ids['service_domain_id'],
                'options': {'ignore_password_expiry': True}}})['user']
        elif not user['enabled'] or not self._can_login(service, password):
            # A password change revokes the user's tokens: only when needed.
            catalog.call('PATCH', '/users/' + user['id'], {'user': {
                'password': password, 'enabled': True}})
        roles = [r.strip() for r in
                 request.get('requested_roles', '').split(',') if r.strip()]
        for role in [ADMIN_ROLE, SERVICE_ROLE] + roles:
            role_id = catalog.ensure('roles', {'name': role})['id']
            catalog.grant(ids['service_tenant_id'], user['id'], role_id)
        return user, password, roles

    @staticmethod
    def _can_login(username, password):
        try:
            password_token(username, password, user_domain=SERVICE_DOMAIN)
            return True
        except KeystoneError:
            return False

    def _location(self, host, relation):
        """Where Keystone is, without credentials: charm-keystone's answer
        to a request for no service (no catalog entry, no user), with the
        roles asked for."""
        roles = sorted({role for data in relation.charm_units.values()
                        for role in (data.get('requested_roles') or '')
                        .split(',') if role})
        catalog = Catalog(self.admin_token())
        for role in roles:
            catalog.ensure('roles', {'name': role})
        answer = {'api_version': '3', 'region': REGION,
                  'admin_domain_id': self.ledger.get('ids')[
                      'admin_domain_id'],
                  'created_roles': ','.join(roles)}
        for prefix in ('auth', 'service', 'internal'):
            answer.update({prefix + '_host': host,
                           prefix + '_port': str(PORT),
                           prefix + '_protocol': 'http'})
        return answer

    @staticmethod
    def _answer(service_type, request, user, password, ids, host):
        return {
            'auth_host': host, 'service_host': host, 'internal_host': host,
            'auth_port': str(PORT), 'service_port': str(PORT),
            'internal_port': str(PORT),
            'auth_protocol': 'http', 'service_protocol': 'http',
            'internal_protocol': 'http',
            'api_version': '3', 'region': request['region'],
            'service_type': service_type,
            'service_username': user['name'], 'service_user_id': user['id'],
            'service_password': password,
            'service_domain': SERVICE_DOMAIN,
            'service_domain_id': ids['service_domain_id'],
            'service_tenant': SERVICE_PROJECT,
            'service_tenant_id': ids['service_tenant_id'],
            'admin_domain_id': ids['admin_domain_id'],
            'admin_project_id': ids['admin_project_id'],
            'admin_user_id': ids['admin_user_id'],
            'admin_role': ADMIN_ROLE,
        }

    def relation_removed(self, relation):
        user_id = self.ledger.recall(relation.id)
        if user_id:
            Catalog(self.admin_token()).call(
                'PATCH', '/users/' + user_id,
                {'user': {'enabled': False}})


def _keystone_gid():
    return grp.getgrnam('keystone').gr_gid
