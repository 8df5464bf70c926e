"""rabbitmq-server, backed by the Debian RabbitMQ on port 5672.

It listens on 127.0.0.1 and the host's bridge address (support.LISTEN).

Answers the amqp relation as openstack/charm-rabbitmq-server's
amqp_changed does: for the ``username`` and ``vhost`` a client unit asks
for it creates the vhost, the user and full permissions, and publishes
``password`` with ``hostname`` and ``private-address``.
"""

import os

from local.providers import support
from localjuju.provider import Provider

CONF = '/etc/rabbitmq/rabbitmq.conf'
PORT = 5672
# Loopback and the units' bridge only: nothing beyond this host.
CONF_TEXT = ''.join('listeners.tcp.{} = {}:{}\n'.format(n, host, PORT)
                    for n, host in enumerate(support.LISTEN, 1))


def rabbitmqctl(*args, stdin=None, check=True, secret=False):
    return support.run(['rabbitmqctl', '--quiet'] + list(args), stdin=stdin,
                       check=check, secret=secret)


class RabbitMQ(Provider):
    application = 'rabbitmq-server'
    interface = 'rabbitmq'

    def __init__(self, state_dir):
        super().__init__(state_dir)
        self.ledger = support.Ledger(state_dir)

    # -- service ---------------------------------------------------------
    def ensure(self, progress=print):
        support.ensure_packages(['rabbitmq-server'], progress)
        support.bridge()
        conf_changed = self._write_conf() or (
            support.port_open('127.0.0.1', PORT)
            and not support.listening(PORT))
        running = support.port_open('127.0.0.1', PORT)
        if running and conf_changed:
            progress('restarting rabbitmq-server (new listeners)')
            support.run(['service', 'rabbitmq-server', 'restart'])
        elif not running:
            progress('starting rabbitmq-server')
            support.run(['service', 'rabbitmq-server', 'start'])
            self.ledger.set('started', True)
        if conf_changed or not running:
            rabbitmqctl('await_startup')
        support.wait_until(lambda: support.listening(PORT),
                           'rabbitmq on {} port {}'.format(support.LISTEN,
                                                           PORT))
        progress('rabbitmq-server running on {} port {}'.format(
            ' and '.join(support.LISTEN), PORT))

    def _write_conf(self):
        if os.path.exists(CONF):
            with open(CONF) as current:
                text = current.read()
            if text == support.MANAGED_MARK + '\n' + CONF_TEXT:
                return False
            if not text.startswith(support.MANAGED_MARK):
                return False  # the operator's own file: leave it alone
        support.write_managed(CONF, CONF_TEXT)
        return True

    def destroy(self):
        if support.port_open('127.0.0.1', PORT):
            for user in self.ledger.get('users', []):
                rabbitmqctl('delete_user', user, check=False)
            for vhost in self.ledger.get('vhosts', []):
                rabbitmqctl('delete_vhost', vhost, check=False)
            if self.ledger.get('started'):
                support.run(['service', 'rabbitmq-server', 'stop'],
                            check=False)
        support.remove_managed(CONF)
        support.remove_tree(self.state_dir)

    # -- relation --------------------------------------------------------
    @staticmethod
    def requests(relation):
        """The distinct (username, vhost) pairs the charm units ask for."""
        found = []
        for unit in sorted(relation.charm_units):
            data = relation.charm_units[unit]
            pair = (data.get('username'), data.get('vhost'))
            if all(pair) and pair not in found:
                found.append(pair)
        return found

    def respond(self, relation):
        answer = {'hostname': relation.unit_address,
                  'private-address': relation.unit_address}
        for username, vhost in self.requests(relation):
            # The real charm answers one request per relation; every unit
            # of a client application asks for the same user and vhost.
            answer['password'] = self.grant(username, vhost)
            self.ledger.remember(relation.id, username)
        for unit in relation.provider_units:
            relation.set_unit(unit, answer)

    def grant(self, username, vhost):
        password = support.secret(self.state_dir, 'user-' + username)
        if vhost not in self._names('list_vhosts'):
            rabbitmqctl('add_vhost', vhost)
            self.ledger.add('vhosts', vhost)
        if username in self._names('list_users'):
            rabbitmqctl('change_password', username, stdin=password + '\n',
                        secret=True)
        else:
            rabbitmqctl('add_user', username, stdin=password + '\n',
                        secret=True)
            self.ledger.add('users', username)
        rabbitmqctl('set_permissions', '-p', vhost, username,
                    '.*', '.*', '.*')
        return password

    @staticmethod
    def _names(command):
        """First column of a list_* command: user or vhost names."""
        out = rabbitmqctl(command, '--no-table-headers').stdout
        return {line.split('\t')[0] for line in out.splitlines()
                if line.strip()}

    def relation_removed(self, relation):
        username = self.ledger.recall(relation.id)
        if username:
            rabbitmqctl('delete_user', username, check=False)
