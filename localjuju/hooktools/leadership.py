"""leader-get, leader-set, is-leader: the application's leader settings."""

from localjuju.hooktools.context import merged, pick, read_settings
from localjuju.hooktools.grammar import VALUE, Tool, ToolError
from localjuju.hooktools.output import write


def leader_get(ctx, opts, args):
    settings = ctx.model.read()['applications'][ctx.app]['leader-settings']
    write(pick(settings, args), opts)


def leader_set(ctx, opts, args):
    settings = read_settings(opts, args, 'leader-set')
    with ctx.model.edit() as state:
        if not ctx.is_leader(state):
            raise ToolError('cannot write leadership settings: cannot '
                            'write settings: not the leader')
        app = state['applications'][ctx.app]
        app['leader-settings'] = merged(app['leader-settings'], settings)


def is_leader(ctx, opts, args):
    write(ctx.is_leader(ctx.model.read()), opts)


TOOLS = {
    'leader-get': Tool(leader_get),
    'leader-set': Tool(leader_set, {'--file': VALUE}),
    'is-leader': Tool(is_leader),
}
