"""leader-get, leader-set, is-leader: the application's leader settings."""

from localjuju.hooktools.context import key_values, merged, pick
from localjuju.hooktools.grammar import (
    Tool, ToolError, check_empty, init_error, printing)
from localjuju.hooktools.output import write


def leader_get(ctx, opts, args):
    if args and '=' in args[0]:
        raise init_error('invalid key "{}"'.format(args[0]))
    check_empty(args[1:])
    settings = ctx.model.read()['applications'][ctx.app]['leader-settings']
    write(pick(settings, args), opts)


def leader_set(ctx, opts, args):
    settings = {k: v or None for k, v in key_values(args).items()}
    with ctx.model.edit() as state:
        if not ctx.is_leader(state):
            raise ToolError('cannot write leadership settings: cannot '
                            'write settings: not the leader')
        app = state['applications'][ctx.app]
        app['leader-settings'] = merged(app['leader-settings'], settings)


def is_leader(ctx, opts, args):
    check_empty(args)
    write(ctx.is_leader(ctx.model.read()), opts)


TOOLS = {
    'leader-get': printing(leader_get),
    'leader-set': Tool(leader_set),   # no --file: key=value only
    'is-leader': printing(is_leader),
}
