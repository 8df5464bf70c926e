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


def go_numbers(value):
    """Numbers as Go prints them (encoding/json, yaml.v2): a float with
    no fraction shows none, so a float option set to 1 reads back 1."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return int(value)
    if isinstance(value, dict):
        return {k: go_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [go_numbers(v) for v in value]
    return value


def write(value, opts):
    value = go_numbers(value)
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
