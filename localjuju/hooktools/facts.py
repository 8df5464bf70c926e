"""config-get, unit-get, network-get, goal-state: what a unit may read
about its configuration, its addresses and its model."""

import time

from localjuju import model as m
from localjuju import network
from localjuju.hooktools.grammar import (
    FLAG, VALUE, ToolError, check_empty, init_error, printing)
from localjuju.hooktools.output import write


def config_get(ctx, opts, args):
    every = opts.get('--all') or opts.get('-a')
    if args and args[0] and every:
        raise init_error('cannot use argument --all together with key '
                         '"{}"'.format(args[0]))
    check_empty(args[1:])
    config = ctx.model.read()['applications'][ctx.app]['config']
    if args and args[0]:
        return write(config.get(args[0]), opts)
    if not every:
        config = {k: v for k, v in config.items() if v is not None}
    write(config, opts)


def unit_get(ctx, opts, args):
    if not args:
        raise init_error('no setting specified')
    if args[0] not in ('private-address', 'public-address'):
        raise init_error('unknown setting "{}"'.format(args[0]))
    check_empty(args[1:])
    write(ctx.model.read()['units'][ctx.unit]['address'], opts)


# network-get's flags: the key each adds to what it prints.
NETWORK_KEYS = (('--bind-address', 'bind-address'),
                ('--ingress-address', 'ingress-address'),
                ('--egress-subnets', 'egress-subnets'))


def network_get(ctx, opts, args):
    state = ctx.model.read()
    if not args:
        raise init_error('no arguments specified')
    if not args[0]:
        raise init_error('no binding name specified')
    check_empty(args[1:])
    if opts.get('-r'):
        ctx.relation(state, opts)
    if args[0] not in state['applications'][ctx.app]['bindings']:
        raise ToolError('no network config found for binding "{}"'.format(
            args[0]))
    address = state['units'][ctx.unit]['address']
    info = network_info(address)
    values = {'bind-address': address, 'ingress-address': address,
              'egress-subnets': info['egress-subnets']}
    keys = [key for flag, key in NETWORK_KEYS if opts.get(flag)]
    if opts.get('--primary-address'):
        if keys:
            raise ToolError('--primary-address must be the only flag '
                            'specified')
        return write(address, opts)
    if len(keys) == 1:
        return write(values[keys[0]], opts)
    write({k: values[k] for k in keys} if keys else info, opts)


def network_info(address):
    """The document Juju 3 prints for a unit on one interface."""
    if network.in_subnet(address):  # a unit's machine on the bridge
        cidr, interface = str(network.SUBNET), 'eth0'
    elif address.startswith('127.'):
        cidr, interface = '127.0.0.0/8', 'lo'
    else:
        cidr, interface = address + '/32', 'eth0'
    return {
        'bind-addresses': [{
            'mac-address': '', 'interface-name': interface,
            'addresses': [{'hostname': '', 'address': address,
                           'value': address, 'cidr': cidr}],
            'macaddress': '', 'interfacename': interface,
        }],
        'egress-subnets': [address + '/32'],
        'ingress-addresses': [address],
    }


def goal_state(ctx, opts, args):
    check_empty(args)
    state = ctx.model.read()
    since = time.strftime('%Y-%m-%d %H:%M:%SZ', time.gmtime())
    units = {u: {'status': 'active', 'since': since}
             for u in state['applications'][ctx.app]['units']}
    relations = {}
    for _rel_id, relation in m.relations_of(state, ctx.app):
        endpoint = m.local_side(relation, ctx.app)['endpoint']
        other = m.remote_app(relation, ctx.app)
        goal = relations.setdefault(endpoint, {})
        if other != ctx.app:
            goal[other] = {'status': 'joined', 'since': since}
        for unit in state['applications'][other]['units']:
            goal[unit] = {'status': 'active', 'since': since}
    write({'units': units, 'relations': relations}, opts)


TOOLS = {
    'config-get': printing(config_get, {'--all': FLAG, '-a': FLAG}),
    'unit-get': printing(unit_get),
    'network-get': printing(network_get, {
        '-r': VALUE, '--primary-address': FLAG, '--bind-address': FLAG,
        '--ingress-address': FLAG, '--egress-subnets': FLAG}),
    'goal-state': printing(goal_state, formats=('yaml', 'json')),
}
