"""action-get, action-set, action-fail, action-log: a running action's
parameters, results, outcome and progress messages."""

import re
import time

from localjuju.hooktools.grammar import (
    Tool, check_empty, init_error, printing)
from localjuju.hooktools.output import write

RESERVED_ACTION_KEYS = ('stdout', 'stdout-encoding', 'stderr',
                        'stderr-encoding')
ACTION_KEY = re.compile(r'^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$')


def action_get(ctx, opts, args):
    check_empty(args[1:])
    value = ctx.action_record(ctx.model.read())['params']
    if args:
        for part in args[0].split('.'):
            value = value.get(part) if isinstance(value, dict) else None
    write(value, opts)


def result_pairs(args):
    """``a.b=v`` arguments as ([a, b], v), checked as Juju checks keys
    (none at all is fine)."""
    pairs = []
    for item in args:
        key, eq, value = item.partition('=')
        if not eq:
            raise init_error('argument "{}" must be of the form key...=value'
                             .format(item))
        parts = key.split('.')
        for part in parts:
            if not ACTION_KEY.match(part):
                raise init_error(
                    'key "{}" must start and end with lowercase '
                    'alphanumeric, and contain only lowercase alphanumeric, '
                    'hyphens and periods'.format(part))
            if part in RESERVED_ACTION_KEYS:
                raise init_error('cannot set reserved action key "{}"'
                                 .format(part))
        pairs.append((parts, value))
    return pairs


def action_set(ctx, opts, args):
    pairs = result_pairs(args)
    with ctx.model.edit() as state:
        results = ctx.action_record(state)['results']
        for parts, value in pairs:
            node = results
            for part in parts[:-1]:
                if not isinstance(node.get(part), dict):
                    node[part] = {}
                node = node[part]
            node[parts[-1]] = value


def action_fail(ctx, opts, args):
    check_empty(args[1:])   # the message is one argument
    with ctx.model.edit() as state:
        record = ctx.action_record(state)
        record['status'] = 'failed'
        record['message'] = args[0] if args else (
            'action failed without reason given, check action for errors')


def action_log(ctx, opts, args):
    if not args:
        raise init_error('no message specified')
    with ctx.model.edit() as state:
        ctx.action_record(state)['log'].append(
            {'timestamp': time.time(), 'message': ' '.join(args)})


TOOLS = {
    'action-get': printing(action_get),
    'action-set': Tool(action_set),
    'action-fail': Tool(action_fail),
    'action-log': Tool(action_log),
}
