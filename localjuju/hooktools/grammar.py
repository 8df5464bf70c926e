"""The hook tools' command line: flags, errors and usage, as Juju's gnuflag.

Errors go to stderr prefixed with ``ERROR`` and exit 1; a bad flag
exits 2. Every tool also accepts --format, --output and --help.
"""

import collections

# Whether a flag takes a value.
VALUE, FLAG = True, False
COMMON = {'--format': VALUE, '--output': VALUE, '--help': FLAG, '-h': FLAG}
ALIASES = {'--relation': '-r', '--log-level': '-l', '-o': '--output'}
FORMATS = ('smart', 'json', 'yaml')

# A tool: the function run(ctx, opts, args), the flags it accepts beyond
# COMMON (name -> VALUE or FLAG) and, optionally, its own help text.
Tool = collections.namedtuple('Tool', 'run options usage')
Tool.__new__.__defaults__ = ({}, None)


class ToolError(Exception):
    def __init__(self, message, code=1):
        super().__init__(message)
        self.code = code


def parse(options, argv):
    """Split argv into (options, positionals) the way Juju's gnuflag does:
    options may come before or after positional arguments."""
    accepted = dict(options, **COMMON)
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
            raise ToolError('flag provided but not defined: {}'.format(
                item.partition('=')[0]), 2)
        if accepted[name] is VALUE and not eq:
            value = next(items, None)
            if value is None:
                raise ToolError('flag needs an argument: ' + name, 2)
        opts[name] = value if accepted[name] is VALUE else True
    if opts.get('--format', 'smart') not in FORMATS:
        raise ToolError('invalid value "{}" for flag --format'.format(
            opts['--format']), 2)
    return opts, args


def usage(name, tool):
    if tool.usage:
        return tool.usage
    return ('Usage: {} [options] ...\noptions: {} --format '
            '(json|yaml|smart)\n').format(name,
                                          ' '.join(sorted(tool.options)))
