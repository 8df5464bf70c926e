"""mysql-router, backed by the Debian MariaDB on port 3306.

It listens on 127.0.0.1 and the host's bridge address (support.LISTEN).

Stands for the mysql-router subordinate in front of a MySQL cluster (the
name an operator gives it in a bundle, ``mistral-mysql-router``). Answers
the shared-db relation as openstack/charm-mysql-router does through the
mysql-shared interface's set_db_connection_info: raw (not JSON) values
``db_host``, ``db_port``, ``password`` and ``allowed_units`` (space
separated unit names), the last two prefixed ``<prefix>_`` when the
client asked with ``<prefix>_database``/``_username``/``_hostname``.
"""

import json
import os

from local.providers import support
from localjuju.provider import Provider

HOST = '127.0.0.1'
PORT = 3306
REQUEST_FIELDS = ('database', 'username', 'hostname')
CNF = '/etc/mysql/mariadb.conf.d/99-local-juju.cnf'
CNF_TEXT = '[mysqld]\nbind-address = {}\n'.format(','.join(support.LISTEN))


def sql_literal(value):
    return "'{}'".format(value.replace('\\', '\\\\').replace("'", "\\'"))


def sql_ident(name):
    return '`{}`'.format(name.replace('`', '``'))


def account(username, host):
    return '{}@{}'.format(sql_literal(username), sql_literal(host))


def mysql(sql, secret=False):
    """Run SQL as MariaDB's root over the socket (Debian: unix_socket)."""
    cmd = ['mysql', '--protocol=socket', '-uroot', '-N', '-B']
    return support.run(cmd, stdin=sql, secret=secret).stdout.strip()


def hostnames(value):
    """``hostname`` is one address or, from newer clients, a JSON list."""
    try:
        decoded = json.loads(value)
    except ValueError:
        return [value]
    if isinstance(decoded, list):
        return [str(host) for host in decoded if host]
    return [str(decoded)]


def requests(relation):
    """{prefix or None: {'database', 'username', 'hosts', 'units'}}."""
    found = {}
    for unit in sorted(relation.charm_units):
        data = relation.charm_units[unit]
        prefixes = {key[:-len('_database')] for key in data
                    if key.endswith('_database')}
        for prefix in [None] + sorted(prefixes):
            keys = ['{}_{}'.format(prefix, field) if prefix else field
                    for field in REQUEST_FIELDS]
            database, username, host = (data.get(key) for key in keys)
            if not (database and username):
                continue
            entry = found.setdefault(prefix, {
                'database': database, 'username': username,
                'hosts': [], 'units': []})
            address = (host or data.get('ingress-address')
                       or data.get('private-address'))
            for name in hostnames(address) if address else []:
                if name not in entry['hosts']:
                    entry['hosts'].append(name)
            entry['units'].append(unit)
    return found


class MySQLRouter(Provider):
    application = 'mistral-mysql-router'
    interface = 'mysql-shared'

    def __init__(self, state_dir):
        super().__init__(state_dir)
        self.ledger = support.Ledger(state_dir)

    def ensure(self, progress=print):
        support.ensure_packages(['mariadb-server', 'mariadb-client'],
                                progress)
        support.bridge()
        changed = self._write_cnf()
        if support.port_open(HOST, PORT) and (
                changed or not support.listening(PORT)):
            progress('restarting mariadb (listening on {})'.format(
                ' and '.join(support.LISTEN)))
            support.run(['service', 'mariadb', 'restart'])
        elif not support.port_open(HOST, PORT):
            progress('starting mariadb')
            support.run(['service', 'mariadb', 'start'])
            self.ledger.set('started', True)
        support.wait_until(lambda: support.listening(PORT),
                           'MariaDB on {} port {}'.format(support.LISTEN,
                                                          PORT))
        progress('MariaDB running on {} port {}'.format(
            ' and '.join(support.LISTEN), PORT))

    @staticmethod
    def _write_cnf():
        if os.path.exists(CNF):
            with open(CNF) as current:
                if current.read() == support.MANAGED_MARK + '\n' + CNF_TEXT:
                    return False
        support.write_managed(CNF, CNF_TEXT)
        return True

    def destroy(self):
        if self.ledger.get('databases') or self.ledger.get('accounts'):
            # a server left stopped (a fault story, a killed session) still
            # holds them, and the next deployment would find them
            self.ensure(progress=lambda line: None)
        if support.port_open(HOST, PORT):
            for database in self.ledger.get('databases', []):
                mysql('DROP DATABASE IF EXISTS {}'.format(
                    sql_ident(database)))
            for username, host in self.ledger.get('accounts', []):
                mysql('DROP USER IF EXISTS {}'.format(
                    account(username, host)))
            if self.ledger.get('started'):
                support.run(['service', 'mariadb', 'stop'], check=False)
        support.remove_managed(CNF)
        support.remove_tree(self.state_dir)

    def respond(self, relation):
        answer = {'db_host': relation.unit_address, 'db_port': str(PORT)}
        granted = []
        for prefix, request in sorted(requests(relation).items(),
                                      key=lambda item: item[0] or ''):
            password = self.grant(request)
            granted += [[request['username'], host]
                        for host in request['hosts']]
            key = '{}_{{}}'.format(prefix) if prefix else '{}'
            answer[key.format('password')] = password
            answer[key.format('allowed_units')] = ' '.join(request['units'])
        if len(answer) == 2:
            return  # nothing asked yet: the real router stays silent too
        for username, host in self.ledger.recall(relation.id) or []:
            if [username, host] not in granted:  # that unit has left
                mysql('REVOKE ALL PRIVILEGES, GRANT OPTION FROM {}'.format(
                    account(username, host)), secret=True)
        self.ledger.remember(relation.id, granted)
        for unit in relation.provider_units:
            relation.set_unit(unit, answer)

    def grant(self, request):
        username, database = request['username'], request['database']
        password = support.secret(self.state_dir, 'user-' + username)
        if not mysql('SELECT 1 FROM information_schema.schemata WHERE '
                     'schema_name = {}'.format(sql_literal(database))):
            mysql('CREATE DATABASE {}'.format(sql_ident(database)))
            self.ledger.add('databases', database)
        statements = []
        for host in request['hosts']:
            who = account(username, host)
            if not mysql('SELECT 1 FROM mysql.user WHERE User = {} AND '
                         'Host = {}'.format(sql_literal(username),
                                            sql_literal(host))):
                mysql('CREATE USER {}'.format(who))
                self.ledger.add('accounts', [username, host])
            statements += [
                'ALTER USER {} IDENTIFIED BY {}'.format(
                    who, sql_literal(password)),
                'GRANT ALL PRIVILEGES ON {}.* TO {}'.format(
                    sql_ident(database), who)]
        mysql(';\n'.join(statements) + ';\n', secret=True)
        return password

    def relation_removed(self, relation):
        for username, host in (self.ledger.recall(relation.id) or []):
            mysql('REVOKE ALL PRIVILEGES, GRANT OPTION FROM {}'.format(
                account(username, host)), secret=True)


class MySQLRouterDefaultName(MySQLRouter):
    """The same provider under the charm's default application name."""
    application = 'mysql-router'
