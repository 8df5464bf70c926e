"""The hook tools' command line, as Juju's jujuc commands parse it.

juju/cmd's Main: a flag gnuflag refuses, or an argument the command's
Init refuses, prints ``ERROR <reason>`` and exits 2; a failure while the
command runs exits 1. Each tool declares the flags its Juju command
defines (besides -h/--help): only those that print have --format and
-o/--output (cmd.Output), a few keep a deprecated --format that takes
any value.
"""

import collections
import json

# Whether a flag takes a value.
VALUE, FLAG = True, False
HELP = {'--help': FLAG, '-h': FLAG}
ALIASES = {'--relation': '-r', '--log-level': '-l', '-o': '--output'}
FORMATS = ('smart', 'json', 'yaml')  # cmd.DefaultFormatters; first: default
OUTPUT = {'--format': VALUE, '--output': VALUE}

# A tool: the function run(ctx, opts, args), the flags it accepts
# (name -> VALUE or FLAG), its own help text if any, and the formats it
# prints in (None: it formats nothing; a deprecated --format is ignored).
Tool = collections.namedtuple('Tool', 'run options usage formats')
Tool.__new__.__defaults__ = ({}, None, None)


def printing(run, options=(), usage=None, formats=FORMATS):
    """A tool with cmd.Output's flags."""
    return Tool(run, dict(OUTPUT, **dict(options)), usage, formats)


class ToolError(Exception):
    def __init__(self, message, code=1):
        super().__init__(message)
        self.code = code


def init_error(message):
    """What a command's Init refuses: exit 2."""
    return ToolError(message, 2)


def check_empty(args):
    """cmd.CheckEmpty: arguments left over are refused."""
    if args:
        raise init_error('unrecognized args: [{}]'.format(
            ' '.join(json.dumps(a) for a in args)))


def parse(tool, argv):
    """Split argv into (options, positionals) the way gnuflag does:
    options may come before or after positional arguments, a value may
    follow ``=`` or come as the next argument."""
    accepted = dict(tool.options, **HELP)
    opts, args = {}, []
    items = iter(argv)
    for item in items:
        if item == '--':
            args.extend(items)
            break
        if not item.startswith('-') or item == '-':
            args.append(item)
            continue
        name, eq, value = item.partition('=')
        name = ALIASES.get(name, name)
        if name not in accepted:
            raise init_error('flag provided but not defined: {}'.format(
                item.partition('=')[0]))
        if accepted[name] is VALUE and not eq:
            value = next(items, None)
            if value is None:
                raise init_error('flag needs an argument: ' + name)
        opts[name] = value if accepted[name] is VALUE else True
    if tool.formats:
        fmt = opts.setdefault('--format', tool.formats[0])
        if fmt not in tool.formats:
            raise init_error('invalid value "{0}" for flag --format: '
                             'unknown format "{0}"'.format(fmt))
    return opts, args


def usage(name, tool):
    if tool.usage:
        return tool.usage
    return ('Usage: {} [options] ...\noptions: {}\n').format(
        name, ' '.join(sorted(tool.options)))
