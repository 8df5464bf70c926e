"""open-port, close-port, opened-ports: the unit's opened ports."""

import re

from localjuju.hooktools.grammar import (
    FLAG, VALUE, Tool, check_empty, init_error, printing)
from localjuju.hooktools.output import write

PORT_SPEC = re.compile(r'^(\d+)(?:-(\d+))?(?:/(tcp|udp))?$')


def port_spec(text):
    """Normalise ``8989``, ``8989/TCP``, ``8000-8010/udp``, ``icmp``."""
    text = text.lower()
    if text == 'icmp':
        return text
    match = PORT_SPEC.match(text)
    if not match:
        raise init_error('invalid port "{}"'.format(text))
    low, high, proto = match.groups()
    if not 0 < int(low) < 65536 or (high and int(high) < int(low)):
        raise init_error('invalid port range "{}"'.format(text))
    return '{}{}/{}'.format(low, '-' + high if high else '', proto or 'tcp')


def change_ports(ctx, args, opening):
    if not args:
        raise init_error('no port or range specified')
    spec = port_spec(args[0])
    check_empty(args[1:])
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
    check_empty(args)
    ports = ctx.model.read()['units'][ctx.unit]['ports']
    # --endpoints shows each range's endpoints; every range is opened for
    # all of them here ("*"): open-port --endpoints is not recorded
    write(['{} (*)'.format(p) for p in ports] if opts.get('--endpoints')
          else ports, opts)


# open-port and close-port keep a deprecated --format that does nothing
PORT_FLAGS = {'--endpoints': VALUE, '--format': VALUE}

TOOLS = {
    'open-port': Tool(open_port, PORT_FLAGS),
    'close-port': Tool(close_port, PORT_FLAGS),
    'opened-ports': printing(opened_ports, {'--endpoints': FLAG}),
}
