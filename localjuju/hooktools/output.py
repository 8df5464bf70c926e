"""What a hook tool prints: Juju's smart, json and yaml formats."""

import json
import sys


def smart(value):
    if value is None:
        return ''
    if isinstance(value, bool):
        return 'True' if value else 'False'
    if isinstance(value, (str, int, float)):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return '\n'.join(value)
    return as_yaml(value).rstrip('\n')


def as_yaml(value):
    import yaml  # only when asked: it costs a few ms per tool call
    text = yaml.safe_dump(value, default_flow_style=False)
    return text[:-len('...\n')] if text.endswith('\n...\n') else text


def write(value, opts):
    fmt = opts.get('--format', 'smart')
    if fmt == 'json':
        text = json.dumps(value) + '\n'
    elif fmt == 'yaml':
        text = as_yaml(value)
    else:
        text = smart(value)
        text = text + '\n' if text else ''
    if opts.get('--output'):
        with open(opts['--output'], 'w') as out:
            out.write(text)
    else:
        sys.stdout.write(text)
