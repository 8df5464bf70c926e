"""config-get, unit-get, network-get, goal-state: what a unit may read
about its configuration, its addresses and its model."""

import time

from localjuju import model as m
from localjuju import network
from localjuju.hooktools.grammar import FLAG, VALUE, Tool, ToolError
from localjuju.hooktools.output import write


def config_get(ctx, opts, args):
    config = ctx.model.read()['applications'][ctx.app]['config']
    if args:
        return write(config.get(args[0]), opts)
    if not opts.get('--all') and not opts.get('-a'):
        config = {k: v for k, v in config.items() if v is not None}
    write(config, opts)


def unit_get(ctx, opts, args):
    if len(args) != 1 or args[0] not in ('private-address',
                                         'public-address'):
        raise ToolError('unknown setting "{}"'.format(' '.join(args)))
    write(ctx.model.read()['units'][ctx.unit]['address'], opts)


def network_get(ctx, opts, args):
    state = ctx.model.read()
    if len(args) != 1:
        raise ToolError('no endpoint specified' if not args
                        else 'unrecognized args: {}'.format(args[1:]), 2)
    if opts.get('-r'):
        ctx.relation(state, opts)
    if args[0] not in state['applications'][ctx.app]['bindings']:
        raise ToolError('no network config found for binding "{}"'.format(
            args[0]))
    address = state['units'][ctx.unit]['address']
    info = network_info(address)
    for flag, value in (('--primary-address', address),
                        ('--bind-address', address),
                        ('--ingress-address', address),
                        ('--egress-subnets', info['egress-subnets'])):
        if opts.get(flag):
            return write(value, opts)
    write(info, opts)


def network_info(address):
    """The document Juju 3 prints for a unit on one interface."""
    if network.in_subnet(address):  # a unit host on the bridge
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
    'config-get': Tool(config_get, {'--all': FLAG, '-a': FLAG}),
    'unit-get': Tool(unit_get),
    'network-get': Tool(network_get, {
        '-r': VALUE, '--primary-address': FLAG, '--bind-address': FLAG,
        '--ingress-address': FLAG, '--egress-subnets': FLAG}),
    'goal-state': Tool(goal_state),
}
