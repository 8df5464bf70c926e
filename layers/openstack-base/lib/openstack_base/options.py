"""The options every OpenStack charm shares (the base layer's
config.yaml): the check of each, or why any value is fine.
openstack-origin is checked by the charm, which knows its series."""

from openstack_base import validation

_TIMEOUT = validation.number(1, integer=True)

CHECKS = {
    'region': validation.matching(r'[A-Za-z0-9._-]+', 'a region name '
                                  '(letters, digits, . _ -)', True),
    'worker-multiplier': validation.number(minimum=0),
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
    'rabbit-heartbeat-timeout': validation.number(0, integer=True),
    'database-idle-timeout': validation.number(0, integer=True),
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

# Options usable only together: option -> the option it goes with.
COMPANIONS = {'ssl_cert': 'ssl_key', 'ssl_key': 'ssl_cert'}
