"""The template context, built once per render as plain data.

``options`` holds every charm option (dashes become underscores) and
what the charm derives from them; each relation adapter adds its part
under its ``context_name`` (``amqp``, ``database``, ``identity_service``,
``cluster``). Names follow the official OpenStack charms.
"""

import os

from openstack_base import ip, leadership, services


def build(charm, frontend):
    context = {'options': options(charm, frontend)}
    for adapter in charm.relations.values():
        name = adapter.context_name
        # Two relations may feed one name (shared-db or db): the
        # connected one wins.
        if name and (name not in context or adapter.connected):
            context[name] = adapter.context()
    return context


def options(charm, frontend):
    values = {k.replace('-', '_'): v for k, v in charm.config.items()}
    tls = frontend is not None
    api_ip = '127.0.0.1' if tls else charm.cluster_address
    listen, ports = {}, {}
    for service, by_type in charm.api_ports.items():
        plan = services.port_plan(by_type['public'], tls)
        key = service.replace('-', '_')
        listen[key] = {
            'proto': 'http', 'ip': api_ip, 'port': plan.api,
            'public_port': by_type['public'], 'admin_port': by_type['admin'],
            'int_port': by_type['int'],
            'url': 'http://{}:{}'.format(ip.format_host(api_ip), plan.api)}
        ports[key] = [plan.public, plan.backend]
    values.update({
        'service_listen_info': listen,
        'service_ports': ports,
        'ssl': tls,
        'tls_cn': frontend.cn if tls else None,
        'tls_cert_file': frontend.cert_file if tls else None,
        'tls_key_file': frontend.key_file if tls else None,
        'service_name': charm.name,
        'api_health_path': charm.api_health_path,
        'cluster_address': charm.cluster_address,
        'release': charm.release,
        'log_dirs': log_dirs(charm),
        'haproxy_stat_password': leadership.haproxy_stat_password(),
        'memcache_port': charm.memcache_port,
        'memcache_listen': '127.0.0.1',
        'memcache_secret_key': leadership.memcache_secret_key(),
        'memcached_servers': '127.0.0.1:{}'.format(charm.memcache_port),
    })
    values.update(charm.template_options())
    return values


def log_dirs(charm):
    """[{'path', 'user', 'group'}]: where the daemons write (their
    --log-file (oslo.log), /var/log/<group>, the payload's usual log
    directory, the charm's log_dirs) and as whom. logrotate
    rotates there as that user (``su``): as root it would follow a link
    the user planted."""
    owners = {}
    for daemon in charm.daemons():
        args = daemon.command
        for path in ['/var/log/{}'.format(daemon.group)] + [
                os.path.dirname(args[i + 1]) for i, arg in
                enumerate(args[:-1]) if arg == '--log-file']:
            owners.setdefault(path, (daemon.user, daemon.group))
    for path in charm.log_dirs:
        owners.setdefault(path, (charm.user, charm.group))
    return [{'path': path, 'user': user, 'group': group}
            for path, (user, group) in sorted(owners.items())]
