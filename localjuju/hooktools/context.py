"""The unit a hook tool serves, and helpers on the data tools read and set.

A tool is a short-lived process started by the charm; it learns its unit
from the JUJU_* environment the runner set and reads or edits the model.
"""

import sys
import time

from localjuju import model as m
from localjuju.hooktools.grammar import ToolError, init_error


class Context:
    """The unit a tool serves, as told by the runner's environment."""

    def __init__(self, environ):
        self.unit = environ.get('JUJU_UNIT_NAME')
        if not self.unit:
            raise ToolError('JUJU_UNIT_NAME not set: not running in a hook')
        self.app = m.app_of(self.unit)
        self.model = m.Model(environ.get('JUJU_MODEL_NAME', m.DEFAULT_MODEL),
                             environ.get('LOCAL_JUJU_STATE'))
        self.relation_id = environ.get('JUJU_RELATION_ID') or None
        self.remote_unit = environ.get('JUJU_REMOTE_UNIT') or None
        self.remote_app = environ.get('JUJU_REMOTE_APP') or None
        self.endpoint = environ.get('JUJU_RELATION') or None
        self.action = environ.get('JUJU_ACTION_UUID') or None
        self.context_id = environ.get('JUJU_CONTEXT_ID') or None
        self.hook = (environ.get('JUJU_HOOK_NAME')
                     or environ.get('JUJU_ACTION_NAME') or None)

    def is_leader(self, state):
        return state['applications'][self.app].get('leader') == self.unit

    def relation(self, state, opts):
        """The numeric relation id from -r or the hook's own relation."""
        text = opts.get('-r') or self.relation_id
        if not text:
            raise init_error('no relation id specified')
        rel_id = m.parse_relation_id(state, self.app, text)
        if rel_id is None:
            raise ToolError('invalid value "{}" for option -r: relation '
                            'not found'.format(text), 2)
        return rel_id

    def pending(self, state, rel_id):
        """This hook's unpublished relation changes for ``rel_id``."""
        if not self.context_id:
            return None
        contexts = state.setdefault('contexts', {})
        ctx = contexts.setdefault(self.context_id,
                                  {'unit': self.unit, 'relations': {}})
        return ctx['relations'].setdefault(str(rel_id),
                                           {'unit': {}, 'app': {}})

    def action_record(self, state):
        if not self.action or self.action not in state['actions']:
            raise ToolError('not running an action')
        return state['actions'][self.action]

    def log(self, level, message):
        stamp = time.strftime('%H:%M:%S')
        where = ' ' + self.relation_id if self.relation_id else ''
        with open(m.unit_log(self.model.root, self.unit), 'a') as out:
            out.write('{}: {} {} juju-log{}: {}\n'.format(
                'unit-' + m.unit_tag(self.unit), stamp, level, where,
                message))


def merged(data, changes):
    """``data`` with ``changes`` applied; a None value deletes its key."""
    result = dict(data)
    for key, value in changes.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
    return result


def pick(data, args):
    """Whole dict for no key or ``-``; else the value (None if unset)."""
    if not args or args[0] == '-':
        return data
    return data.get(args[0])


def key_values(args):
    """keyvalues.Parse(args, allowEmptyValues=true), which leader-set and
    relation-set take their arguments with."""
    settings = {}
    for item in args:
        key, eq, value = item.partition('=')
        if not eq or not key:
            raise init_error('expected "key=value", got "{}"'.format(item))
        if key in settings:
            raise init_error('key "{}" specified more than once'.format(key))
        settings[key] = value
    return settings


def read_settings(opts, args):
    """relation-set's settings: --file's YAML map of strings (yaml.v2:
    a list or a map as a value is refused), overridden by key=value
    arguments; an empty value (or a null) deletes its key (None)."""
    given = key_values(args)
    settings = {}
    if opts.get('--file'):
        from localjuju import goyaml
        if opts['--file'] == '-':
            text = sys.stdin.read()
        else:
            with open(opts['--file']) as source:
                text = source.read()
        try:
            settings = goyaml.load_string_map(text)
        except ValueError as error:
            raise ToolError(str(error))
    settings.update(given)
    return {k: v or None for k, v in settings.items()}
