"""What the model needs to know from a charm directory's YAML files."""

import os

import yaml

ROLES = {'provides': 'provides', 'requires': 'requires', 'peers': 'peer'}
OPPOSITE = {'provides': 'requires', 'requires': 'provides', 'peer': 'peer'}
CONFIG_TYPES = {
    'string': str,
    'int': int,
    'float': float,
    'boolean': lambda text: {'true': True, 'false': False}[text.lower()],
}


def _load(charm_dir, name):
    path = os.path.join(charm_dir, name)
    if not os.path.exists(path):
        return {}
    with open(path) as source:
        return yaml.safe_load(source) or {}


class Charm:
    def __init__(self, charm_dir):
        self.dir = os.path.abspath(charm_dir)
        self.metadata = _load(self.dir, 'metadata.yaml')
        if not self.metadata.get('name'):
            raise ValueError('{}: no charm metadata.yaml with a name'.format(
                self.dir))
        self.name = self.metadata['name']
        self.options = _load(self.dir, 'config.yaml').get('options') or {}
        self.actions = _load(self.dir, 'actions.yaml')

    def endpoints(self):
        """endpoint name -> {'role', 'interface', 'scope'}."""
        found = {}
        for section, role in ROLES.items():
            for name, spec in (self.metadata.get(section) or {}).items():
                found[name] = {'role': role, 'interface': spec['interface'],
                               'scope': spec.get('scope', 'global')}
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

    def parse_config(self, key, text):
        """Convert ``key=text`` from the CLI to the option's type."""
        if key not in self.options:
            raise ValueError('unknown option "{}"'.format(key))
        kind = self.options[key].get('type', 'string')
        try:
            return CONFIG_TYPES[kind](text)
        except (KeyError, ValueError):
            raise ValueError('option "{}" expects {}, got "{}"'.format(
                key, kind, text))

    def config_changes(self, given, reset=()):
        """Typed values of ``given`` (key -> CLI text), and the defaults
        of the ``reset`` keys."""
        changes = {key: self.parse_config(key, text)
                   for key, text in given.items()}
        defaults = self.default_config()
        for key in reset:
            if key not in defaults:
                raise ValueError('unknown option "{}"'.format(key))
            changes[key] = defaults[key]
        return changes

    def action_params(self, action, given):
        """Defaults from actions.yaml overlaid with ``given``."""
        if action not in self.actions:
            raise ValueError('action "{}" not defined by {}'.format(
                action, self.name))
        schema = self.actions[action] or {}
        params = {name: spec['default']
                  for name, spec in (schema.get('params') or {}).items()
                  if isinstance(spec, dict) and 'default' in spec}
        for key, text in given.items():
            params[key] = yaml.safe_load(text) if text else text
        missing = [r for r in schema.get('required') or []
                   if r not in params]
        if missing:
            raise ValueError('action "{}" requires {}'.format(
                action, ', '.join(missing)))
        return params
