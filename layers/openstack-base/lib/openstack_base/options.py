"""The options every OpenStack charm shares (the base layer's
config.yaml): the check of each, or why any value is fine.
openstack-origin is checked by the charm, which knows its series."""

from openstack_base import validation

# The largest value each consumer takes. haproxy refuses a timeout past
# INT_MAX milliseconds ("timer overflow") and stops. PostgreSQL's
# idle_in_transaction_session_timeout is an int of milliseconds (MySQL's
# wait_timeout goes to 31536000 s: the smaller bound serves both). AMQP
# negotiates the heartbeat as an unsigned short of seconds.
HAPROXY_MAX_MS = 2 ** 31 - 1
DATABASE_MAX_S = (2 ** 31 - 1) // 1000
AMQP_MAX_S = 2 ** 16 - 1
# worker-multiplier: charmhelpers multiplies the CPUs by it; the memory
# check bounds it on each unit, this bounds the arithmetic.
MAX_MULTIPLIER = 64

_TIMEOUT = validation.number(1, integer=True, maximum=HAPROXY_MAX_MS,
                             consumer="haproxy's")

CHECKS = {
    'region': validation.matching(r'[A-Za-z0-9._-]+', 'a region name '
                                  '(letters, digits, . _ -)', True),
    'worker-multiplier': validation.number(minimum=0,
                                           maximum=MAX_MULTIPLIER),
    'vip': validation.ip_addresses,
    'vip_iface': validation.matching(r'[A-Za-z0-9._-]{1,15}',
                                     'a network interface name'),
    'vip_cidr': validation.number(1, integer=True, maximum=128),
    'os-public-hostname': validation.HOSTNAME,
    'os-internal-hostname': validation.HOSTNAME,
    'os-admin-hostname': validation.HOSTNAME,
    'os-public-network': validation.network,
    'os-internal-network': validation.network,
    'os-admin-network': validation.network,
    'nagios_context': validation.matching(
        r'[A-Za-z0-9_-]+', 'letters, digits, _ and -', True),
    'nagios_servicegroups': validation.matching(
        r'[A-Za-z0-9_-]+(,[A-Za-z0-9_-]+)*',
        'a comma-separated list of names'),
    'rabbit-heartbeat-timeout': validation.number(
        0, integer=True, maximum=AMQP_MAX_S, consumer="AMQP's"),
    'database-idle-timeout': validation.number(
        0, integer=True, maximum=DATABASE_MAX_S, consumer="PostgreSQL's"),
    'haproxy-server-timeout': _TIMEOUT,
    'haproxy-client-timeout': _TIMEOUT,
    'haproxy-queue-timeout': _TIMEOUT,
    'haproxy-connect-timeout': _TIMEOUT,
    'ssl_cert': validation.base64_pem('CERTIFICATE'),
    'ssl_key': validation.base64_pem('PRIVATE KEY', 'RSA PRIVATE KEY',
                                     'EC PRIVATE KEY'),
    'ssl_ca': validation.base64_pem('CERTIFICATE'),
}

FREE = {
    'action-managed-upgrade': 'a boolean, typed by Juju',
    'debug': 'a boolean, typed by Juju',
    'use-syslog': 'a boolean, typed by Juju',
    'use-policyd-override': 'a boolean, typed by Juju; the resource it '
                            'names is checked on its own',
}

# Options whose value may span lines: what checks each instead.
MULTILINE = {
    'openstack-origin': 'one source line; only a key after | spans lines',
    'ssl_cert': 'base64 PEM, read by openssl',
    'ssl_key': 'base64 PEM, read by openssl',
    'ssl_ca': 'base64 PEM, read by openssl',
}

# Options usable only together: option -> the option it goes with.
COMPANIONS = {'ssl_cert': 'ssl_key', 'ssl_key': 'ssl_cert'}
