"""Monitoring through nrpe: a process check per daemon, an HTTP check per
API port, rewritten (and nrpe restarted) only when they change."""

from charms.reactive.helpers import data_changed

from openstack_base import init_system

NAGIOS_PLUGINS = '/usr/lib/nagios/plugins/'


def checks(charm):
    """{check name: (description, command)}."""
    found = {}
    for daemon in charm.daemons():
        # The daemon's own log file names it uniquely on the command
        # line, even where several run the same program.
        pattern = ' '.join(daemon.command[1:])
        found[daemon.name] = (
            '{} process'.format(daemon.name),
            [NAGIOS_PLUGINS + 'check_procs', '-c', '1:', '-u', daemon.user,
             '--ereg-argument-array', "'{}$'".format(pattern)])
    tls = ['--ssl'] if charm.tls_enabled else []
    for service, port in charm.public_port_of.items():
        found['{}-http'.format(service)] = (
            '{} answers HTTP on port {}'.format(service, port),
            [NAGIOS_PLUGINS + 'check_http', '-I', '127.0.0.1', '-p',
             str(port), '-u', '/'] + tls)
    return found


def update_checks(charm, nrpe):
    """Write the checks and tell nrpe, when they changed."""
    context = charm.config.get('nagios_context') or 'juju'
    groups = charm.config.get('nagios_servicegroups') or context
    wanted = checks(charm)
    if not data_changed('openstack-base.nrpe-checks',
                        [wanted, context, groups]):
        return False
    for name in nrpe.checks():
        if name not in wanted:
            nrpe.remove_check(name)
    for name, (description, command) in sorted(wanted.items()):
        nrpe.add_check(command, name, description, context, groups)
    nrpe.updated()
    if init_system.defined('nagios-nrpe-server'):
        init_system.restart('nagios-nrpe-server')
    return True
