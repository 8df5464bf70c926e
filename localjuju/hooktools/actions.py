"""action-get, action-set, action-fail, action-log: a running action's
parameters, results, outcome and progress messages."""

import re
import time

from localjuju.hooktools.grammar import Tool, ToolError
from localjuju.hooktools.output import write

RESERVED_ACTION_KEYS = ('stdout', 'stdout-encoding', 'stderr',
                        'stderr-encoding')
ACTION_KEY = re.compile(r'^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$')


def action_get(ctx, opts, args):
    value = ctx.action_record(ctx.model.read())['params']
    if args:
        for part in args[0].split('.'):
            value = value.get(part) if isinstance(value, dict) else None
    write(value, opts)


def result_pairs(args):
    """``a.b=v`` arguments as ([a, b], v), checked as Juju checks keys."""
    if not args:
        raise ToolError('no key=value pairs specified', 2)
    pairs = []
    for item in args:
        key, eq, value = item.partition('=')
        parts = key.split('.')
        if not eq or not all(ACTION_KEY.match(p) for p in parts):
            raise ToolError(
                'key "{}" must start and end with lowercase alphanumeric, '
                'and contain only lowercase alphanumeric, hyphens and '
                'periods'.format(key), 2)
        if parts[0] in RESERVED_ACTION_KEYS:
            raise ToolError('cannot set reserved action key "{}"'.format(
                parts[0]))
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
    with ctx.model.edit() as state:
        record = ctx.action_record(state)
        record['status'] = 'failed'
        record['message'] = (' '.join(args) if args
                             else 'action failed without reason given')


def action_log(ctx, opts, args):
    if not args:
        raise ToolError('no message specified', 2)
    with ctx.model.edit() as state:
        ctx.action_record(state)['log'].append(
            {'timestamp': time.time(), 'message': ' '.join(args)})


TOOLS = {
    'action-get': Tool(action_get),
    'action-set': Tool(action_set),
    'action-fail': Tool(action_fail),
    'action-log': Tool(action_log),
}
