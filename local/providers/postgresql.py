"""postgresql, backed by the Debian PostgreSQL cluster on port 5432.

It listens on 127.0.0.1 and the host's bridge address (support.LISTEN),
with one hba line per client unit address.

Answers the ``db`` (pgsql) relation as the reactive postgresql charm
(stub42/postgresql-charm, reactive/postgresql/client.py) does: the
database the client asks for (default: the client application's name), a
role ``juju_<application>`` owning it, and per provider unit ``host``,
``port``, ``database``, ``user``, ``password``, ``schema_user``,
``schema_password``, ``roles``/``extensions`` echoed back, ``state``,
``version``, ``allowed-units``, ``allowed-subnets`` and ``master`` as a
libpq connection string.
"""

import re

from local.providers import support
from localjuju.provider import Provider

HOST = '127.0.0.1'
PORT = 5432
HBA_LINE = 'host all all 127.0.0.1/32 scram-sha-256'
HBA_BEGIN = '# local-juju client units: begin (rewritten by the provider)'
HBA_END = '# local-juju client units: end'
LISTEN_CONF = "listen_addresses = '{}'\n".format(','.join(support.LISTEN))


def quote_ident(name):
    return '"{}"'.format(name.replace('"', '""'))


def quote_literal(value):
    return "'{}'".format(value.replace("'", "''"))


def libpq_value(value):
    """Quote a value for a libpq ``key=value`` connection string."""
    if value and not re.search(r"[\s'\\]", value):
        return value
    return "'{}'".format(value.replace('\\', '\\\\').replace("'", "\\'"))


def connection_string(**fields):
    return ' '.join('{}={}'.format(key, libpq_value(str(fields[key])))
                    for key in sorted(fields))


class Cluster:
    """The machine's main PostgreSQL cluster, driven as user postgres."""

    def __init__(self, ledger):
        self.ledger = ledger

    def psql(self, sql, database='postgres', secret=False):
        cmd = ['runuser', '-u', 'postgres', '--', 'psql', '-X', '-q', '-At',
               '-v', 'ON_ERROR_STOP=1', '-d', database]
        return support.run(cmd, stdin=sql, secret=secret).stdout.strip()

    @staticmethod
    def clusters():
        """(version, name, status, hba path) of each cluster."""
        out = support.run(['pg_lsclusters', '-h']).stdout
        return [line.split()[:4] for line in out.splitlines() if line]

    def ensure(self, progress):
        support.ensure_packages(['postgresql'], progress)
        found = self.clusters()
        if not found:
            progress('creating the PostgreSQL cluster')
            version = support.run(['pg_lsclusters', '--version']).stdout
            major = re.search(r'(\d+)', version).group(1)
            support.run(['pg_createcluster', major, 'main'])
            found = self.clusters()
        version, name, port, status = found[0]
        self.version, self.name = version, name
        support.bridge()
        hba_changed = self._ensure_hba()
        listen_changed = self._ensure_listen()
        if status == 'online' and (listen_changed
                                   or not support.listening(PORT)):
            progress('restarting PostgreSQL (listening on {})'.format(
                ' and '.join(support.LISTEN)))
            support.run(['pg_ctlcluster', version, name, 'restart'])
        elif status != 'online':
            progress('starting PostgreSQL {}/{}'.format(version, name))
            support.run(['pg_ctlcluster', version, name, 'start'])
            self.ledger.set('started', True)
        elif hba_changed:
            support.run(['pg_ctlcluster', version, name, 'reload'])
        support.wait_until(lambda: support.listening(PORT),
                           'PostgreSQL on {} port {}'.format(support.LISTEN,
                                                             PORT))
        progress('PostgreSQL {} running on {}:{}'.format(version, HOST, PORT))

    def locate(self):
        """Version and name of the cluster, for a provider made anew."""
        if not getattr(self, 'version', None):
            self.version, self.name = self.clusters()[0][:2]

    def hba_path(self):
        self.locate()
        return '/etc/postgresql/{}/{}/pg_hba.conf'.format(
            self.version, self.name)

    def _ensure_hba(self):
        """Password logins over TCP from loopback (Debian's default)."""
        with open(self.hba_path()) as hba:
            lines = [line.split() for line in hba]
        if any(words[:1] == ['host'] and '127.0.0.1/32' in words
               and words[-1] in ('scram-sha-256', 'md5') for words in lines):
            return False
        with open(self.hba_path(), 'a') as hba:
            hba.write(HBA_LINE + '\n')
        self.ledger.set('hba_added', True)
        return True

    def listen_path(self):
        self.locate()
        return '/etc/postgresql/{}/{}/conf.d/local-juju.conf'.format(
            self.version, self.name)

    def _ensure_listen(self):
        try:
            with open(self.listen_path()) as current:
                if current.read() == support.MANAGED_MARK + '\n' + \
                        LISTEN_CONF:
                    return False
        except OSError:
            pass
        support.write_managed(self.listen_path(), LISTEN_CONF)
        return True

    def client_hba(self, key, lines):
        """The hba lines of one relation's client units (none: removed),
        in one block of pg_hba.conf the provider owns; reloads."""
        table = dict(self.ledger.get('client_hba', {}), **{key: lines})
        self.ledger.set('client_hba', {k: v for k, v in table.items() if v})
        with open(self.hba_path()) as hba:
            text = hba.read()
        head, _, rest = text.partition(HBA_BEGIN + '\n')
        tail = rest.partition(HBA_END + '\n')[2] if rest else ''
        block = sorted({line for v in table.values() for line in v})
        new = head + (HBA_BEGIN + '\n' + ''.join(
            line + '\n' for line in block) + HBA_END + '\n'
            if block else '') + tail
        if new != text:
            with open(self.hba_path(), 'w') as hba:
                hba.write(new)
            support.run(['pg_ctlcluster', self.version, self.name,
                         'reload'])

    def server_major(self):
        return str(int(self.psql('SHOW server_version_num')) // 10000)

    def ensure_role(self, role, password):
        exists = self.psql('SELECT 1 FROM pg_roles WHERE rolname = {}'
                           .format(quote_literal(role)))
        verb = 'ALTER' if exists else 'CREATE'
        self.psql('{} ROLE {} LOGIN PASSWORD {}'.format(
            verb, quote_ident(role), quote_literal(password)), secret=True)
        if not exists:
            self.ledger.add('roles', role)

    def ensure_database(self, database, owner):
        exists = self.psql('SELECT 1 FROM pg_database WHERE datname = {}'
                           .format(quote_literal(database)))
        if not exists:
            self.psql('CREATE DATABASE {} OWNER {}'.format(
                quote_ident(database), quote_ident(owner)))
            self.ledger.add('databases', database)

    def revoke_login(self, role):
        self.psql('ALTER ROLE {} NOLOGIN'.format(quote_ident(role)))

    def drop_created(self):
        """Drop the databases and roles this ledger says we created."""
        for database in self.ledger.get('databases', []):
            self.psql('DROP DATABASE IF EXISTS {} WITH (FORCE)'.format(
                quote_ident(database)))
        for role in self.ledger.get('roles', []):
            self.psql('DROP ROLE IF EXISTS {}'.format(quote_ident(role)))

    def stop_if_started(self):
        if self.ledger.get('started') and self.clusters():
            version, name = self.clusters()[0][:2]
            support.run(['pg_ctlcluster', version, name, 'stop'],
                        check=False)


class PostgreSQL(Provider):
    application = 'postgresql'
    interface = 'pgsql'

    def __init__(self, state_dir):
        super().__init__(state_dir)
        self.ledger = support.Ledger(state_dir)
        self.cluster = Cluster(self.ledger)

    def ensure(self, progress=print):
        self.cluster.ensure(progress)

    def destroy(self):
        if self.cluster.clusters():
            if self.ledger.get('databases') or self.ledger.get('roles'):
                # a cluster left stopped still holds them (as MySQLRouter)
                self.ensure(progress=lambda line: None)
            if support.port_open(HOST, PORT):
                self.cluster.drop_created()
                for key in self.ledger.get('client_hba', {}):
                    self.cluster.client_hba(key, [])
            support.remove_managed(self.cluster.listen_path())
            self.cluster.stop_if_started()
        support.remove_tree(self.state_dir)

    @staticmethod
    def client_app(relation):
        return sorted(relation.charm_units)[0].split('/')[0]

    @staticmethod
    def request(relation):
        """The first charm unit's database/roles/extensions request."""
        for unit in sorted(relation.charm_units):
            data = relation.charm_units[unit]
            if data.get('database'):
                return data
        return {}

    def respond(self, relation):
        if not relation.charm_units:
            return
        app = self.client_app(relation)
        request = self.request(relation)
        database = request.get('database') or app
        user = 'juju_{}'.format(app)
        password = support.secret(self.state_dir, 'role-' + user)
        self.cluster.ensure_role(user, password)
        self.ledger.remember(relation.id, user)
        self.cluster.ensure_database(database, owner=user)
        allowed = self.allow_units(relation, database, user)
        for role in filter(None, request.get('roles', '').split(',')):
            self.cluster.ensure_role(role.strip(), support.secret(
                self.state_dir, 'role-' + role.strip()))
            self.cluster.psql('GRANT {} TO {}'.format(
                quote_ident(role.strip()), quote_ident(user)))
        answer = {
            'database': database, 'user': user, 'password': password,
            'schema_user': user, 'schema_password': password,
            'host': relation.unit_address, 'port': str(PORT),
            'state': 'standalone', 'version': self.cluster.server_major(),
            'allowed-units': ' '.join(allowed),
            'allowed-subnets': self.allowed_subnets(relation),
            'master': connection_string(
                dbname=database, host=relation.unit_address,
                password=password, port=PORT, user=user),
        }
        for echoed in ('roles', 'extensions'):
            if request.get(echoed):
                answer[echoed] = request[echoed]
        for unit in relation.provider_units:
            relation.set_unit(unit, answer)

    def allow_units(self, relation, database, user):
        """An hba line per client unit address; the units allowed."""
        lines, allowed = [], []
        for unit in sorted(relation.charm_units):
            data = relation.charm_units[unit]
            address = data.get('ingress-address') or data.get(
                'private-address')
            if not address:
                continue
            allowed.append(unit)
            if address != HOST:
                lines.append('host {} {} {}/32 scram-sha-256'.format(
                    database, user, address))
        self.cluster.client_hba(str(relation.id), lines)
        return allowed

    @staticmethod
    def allowed_subnets(relation):
        """The client units' egress subnets (or their addresses)."""
        subnets = set()
        for data in relation.charm_units.values():
            found = [s.strip() for s in
                     data.get('egress-subnets', '').split(',') if s.strip()]
            address = (data.get('ingress-address')
                       or data.get('private-address'))
            if not found and address:
                found = ['{}/32'.format(address)]
            subnets.update(found)
        return ','.join(sorted(subnets))

    def relation_removed(self, relation):
        user = self.ledger.recall(relation.id)
        self.cluster.client_hba(str(relation.id), [])
        if user:
            self.cluster.revoke_login(user)
