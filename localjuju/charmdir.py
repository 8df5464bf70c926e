"""What the model needs to know from a charm directory's YAML files.

config.yaml and actions.yaml are read as Juju reads them (yaml.v2,
localjuju.goyaml), and checked as Juju checks them when it takes the
charm: an option's type and default (internal/charm config.go
ReadConfig), each action's params schema (localjuju.actionparams).
"""

import math
import os
import re

import yaml

from localjuju import actionparams, goyaml

ROLES = {'provides': 'provides', 'requires': 'requires', 'peers': 'peer'}
OPPOSITE = {'provides': 'requires', 'requires': 'provides', 'peer': 'peer'}
OPTION_TYPES = ('string', 'secret', 'int', 'float', 'boolean')
# What `juju config APP key=value` accepts for each option type: the
# controller parses the text with strconv (config.go option.parse).
GO_INT = re.compile(r'[-+]?[0-9]+$')                     # ParseInt base 10
GO_FLOAT = re.compile(r'([-+]?(([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?'
                      r'|inf|infinity)|nan)$', re.IGNORECASE)  # ParseFloat
GO_BOOLS = {'1': True, 't': True, 'T': True, 'TRUE': True, 'true': True,
            'True': True, '0': False, 'f': False, 'F': False,
            'FALSE': False, 'false': False, 'False': False}  # ParseBool


def _load(charm_dir, name, load=yaml.safe_load):
    path = os.path.join(charm_dir, name)
    if not os.path.exists(path):
        return {}
    with open(path) as source:
        return load(source.read()) or {}


def go_value(value):
    """A value as Go's %#v prints it in Juju's messages."""
    if isinstance(value, str):
        return '"{}"'.format(value.replace('\\', '\\\\').replace('"', '\\"'))
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return '<nil>' if value is None else str(value)


def parse_option(name, kind, text):
    """``text`` from `juju config` as the option's type."""
    value = None
    if kind in ('string', 'secret'):
        value = text
    elif kind == 'int' and GO_INT.match(text) and \
            -2 ** 63 <= int(text) < 2 ** 63:
        value = int(text)
    elif kind == 'float' and GO_FLOAT.match(text) and not (
            math.isinf(float(text)) and 'inf' not in text.lower()):
        value = float(text)
    elif kind == 'boolean':
        value = GO_BOOLS.get(text)
    if value is None:
        raise ValueError('option "{}" expected {}, got {}'.format(
            name, kind, go_value(text)))
    return value


def check_default(name, kind, default):
    """The option's default as Juju keeps it (a string may stand for an
    int or a boolean), or ValueError as Juju refuses the charm with."""
    if default is None or default == '' and kind in ('string', 'secret'):
        return default
    if kind in ('string', 'secret') and isinstance(default, str) or \
            kind == 'float' and isinstance(default, float) or \
            kind == 'int' and isinstance(default, int) and \
            not isinstance(default, bool) or \
            kind == 'boolean' and isinstance(default, bool):
        return default
    # juju/schema's Int and Bool also take a string they can parse
    if kind == 'int' and isinstance(default, str) and \
            type(goyaml.plain_scalar(default)) is int:  # ParseInt(s, 0, 64)
        return goyaml.plain_scalar(default)
    if kind == 'boolean' and default in GO_BOOLS:
        return GO_BOOLS[default]
    raise ValueError('invalid config default: option "{}" expected {}, '
                     'got {}'.format(name, kind, go_value(default)))


class Charm:
    def __init__(self, charm_dir):
        self.dir = os.path.abspath(charm_dir)
        self.metadata = _load(self.dir, 'metadata.yaml')
        if not self.metadata.get('name'):
            raise ValueError('{}: no charm metadata.yaml with a name'.format(
                self.dir))
        self.name = self.metadata['name']
        self.options = {}
        options = _load(self.dir, 'config.yaml', goyaml.load)
        for name, spec in (options.get('options') or {}).items():
            spec = spec or {}
            kind = spec.get('type') or 'string'
            if kind not in OPTION_TYPES:
                raise ValueError('invalid config: option "{}" has unknown '
                                 'type "{}"'.format(name, kind))
            self.options[name] = dict(spec, type=kind, default=check_default(
                name, kind, spec.get('default')))
        self.action_schemas = actionparams.action_schemas(
            _load(self.dir, 'actions.yaml', goyaml.load))

    def endpoints(self):
        """endpoint name -> {'role', 'interface', 'scope'}."""
        found = {}
        for section, role in ROLES.items():
            for name, spec in (self.metadata.get(section) or {}).items():
                found[name] = {'role': role, 'interface': spec['interface'],
                               'scope': spec.get('scope', 'global')}
        # every charm provides juju-info, unless it says otherwise
        found.setdefault('juju-info', {'role': 'provides',
                                       'interface': 'juju-info',
                                       'scope': 'global'})
        return found

    def peer_endpoints(self):
        return [n for n, e in self.endpoints().items() if e['role'] == 'peer']

    def bindings(self):
        """Names network-get accepts: endpoints and extra-bindings."""
        return sorted(set(self.endpoints())
                      | set(self.metadata.get('extra-bindings') or {}))

    def default_config(self):
        return {name: spec.get('default')
                for name, spec in self.options.items()}

    def upgraded_config(self, config):
        """``config`` carried to this charm, as upgrade-charm does: the
        options it still has keep their values, new ones get their
        defaults, gone ones go. (Juju would also move an option left at
        its old default to a changed default; the model does not record
        which values were set, so those keep the old default.)"""
        return {name: config.get(name, default)
                for name, default in self.default_config().items()}

    def config_changes(self, given, reset=()):
        """Typed values of ``given`` (key -> `juju config` text), and the
        defaults of the ``reset`` keys."""
        defaults = self.default_config()
        for key in list(given) + list(reset):
            if key not in self.options:
                raise ValueError('unknown option "{}"'.format(key))
        changes = {key: parse_option(key, self.options[key]['type'], text)
                   for key, text in given.items()}
        changes.update((key, defaults[key]) for key in reset)
        return changes
