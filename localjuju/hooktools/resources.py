"""resource-get: where the file an operator attached to the application
lies (Juju answers the same way: a path, or an error when none was)."""

import sys

from localjuju.hooktools.grammar import Tool, ToolError


def resource_get(ctx, opts, args):
    if len(args) != 1:
        raise ToolError('resource-get takes exactly one resource name', 2)
    state = ctx.model.read()
    path = state['applications'][ctx.app].get('resources', {}).get(args[0])
    if not path:
        raise ToolError('could not download resource: resource#{}/{} not '
                        'found'.format(ctx.app, args[0]))
    sys.stdout.write(path + '\n')


TOOLS = {'resource-get': Tool(resource_get)}
