"""open-port, close-port, opened-ports: the unit's opened ports."""

import re

from localjuju.hooktools.grammar import FLAG, VALUE, Tool, ToolError
from localjuju.hooktools.output import write

PORT_SPEC = re.compile(r'^(\d+)(?:-(\d+))?(?:/(tcp|udp))?$')


def port_spec(text):
    """Normalise ``8989``, ``8989/TCP``, ``8000-8010/udp``, ``icmp``."""
    text = text.lower()
    if text == 'icmp':
        return text
    match = PORT_SPEC.match(text)
    if not match:
        raise ToolError('invalid port "{}"'.format(text), 2)
    low, high, proto = match.groups()
    if not 0 < int(low) < 65536 or (high and int(high) < int(low)):
        raise ToolError('invalid port range "{}"'.format(text), 2)
    return '{}{}/{}'.format(low, '-' + high if high else '', proto or 'tcp')


def change_ports(ctx, args, opening):
    if len(args) != 1:
        raise ToolError('expected one port or range', 2)
    spec = port_spec(args[0])
    with ctx.model.edit() as state:
        ports = set(state['units'][ctx.unit]['ports'])
        if opening:
            ports.add(spec)
        else:
            ports.discard(spec)
        state['units'][ctx.unit]['ports'] = sorted(ports)


def open_port(ctx, opts, args):
    change_ports(ctx, args, opening=True)


def close_port(ctx, opts, args):
    change_ports(ctx, args, opening=False)


def opened_ports(ctx, opts, args):
    write(ctx.model.read()['units'][ctx.unit]['ports'], opts)


TOOLS = {
    'open-port': Tool(open_port, {'--endpoints': VALUE}),
    'close-port': Tool(close_port, {'--endpoints': VALUE}),
    'opened-ports': Tool(opened_ports, {'--endpoints': FLAG}),
}
