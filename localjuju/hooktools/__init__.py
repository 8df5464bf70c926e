"""The hook tools: one function per tool, grouped by family, dispatched
by program name.

Families: ``facts`` (config-get, unit-get, network-get, goal-state),
``relations``, ``leadership``, ``status`` (status-*, juju-log,
application-version-set), ``ports``, ``actions``, ``resources``;
``grammar`` parses the command line, ``output`` prints, ``context`` says
which unit a tool serves; ``install`` puts them on a hook's PATH. Keep
imports light:
charms.reactive calls dozens of tools per hook.
"""

import os
import sys
import time

from localjuju.hooktools import (
    actions, facts, leadership, ports, relations, resources, status)
from localjuju.hooktools.context import Context
from localjuju.hooktools.grammar import ToolError, parse, usage

# tool name -> grammar.Tool
TOOLS = {}
for _family in (facts, relations, leadership, status, ports, actions,
                resources):
    TOOLS.update(_family.TOOLS)


def main(tool, argv, environ=os.environ):
    trace = environ.get('LOCAL_JUJU_TRACE')
    if trace:  # measuring: record each call's duration
        started = time.monotonic()
        code = run(tool, argv, environ)
        with open(trace, 'a') as out:
            out.write('{} {:.4f}\n'.format(tool, time.monotonic() - started))
        return code
    return run(tool, argv, environ)


def run(tool, argv, environ):
    spec = TOOLS[tool]
    try:
        opts, args = parse(spec, argv)
        if opts.get('--help') or opts.get('-h'):
            sys.stdout.write(usage(tool, spec))
            return 0
        spec.run(Context(environ), opts, args)
    except ToolError as error:
        sys.stderr.write('ERROR {}\n'.format(error))
        return error.code
    return 0
