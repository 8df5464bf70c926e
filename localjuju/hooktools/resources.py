"""resource-get: where the file an operator attached to the application
lies. As Juju's, it prints the bare path, no newline (charmhelpers uses
the output as it is), or fails when none was attached."""

import sys

from localjuju.hooktools.grammar import (
    Tool, ToolError, check_empty, init_error)


def resource_get(ctx, opts, args):
    if not args:
        raise init_error('missing required resource name')
    check_empty(args[1:])
    state = ctx.model.read()
    path = state['applications'][ctx.app].get('resources', {}).get(args[0])
    if not path:
        raise ToolError('could not download resource: resource#{}/{} not '
                        'found'.format(ctx.app, args[0]))
    sys.stdout.write(path)


TOOLS = {'resource-get': Tool(resource_get)}
