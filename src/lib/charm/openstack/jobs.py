"""Scheduled jobs from Juju: the workflows and cron triggers an operator
declares in the ``workflows`` option, which the leader makes Mistral
hold, touching nothing else.

The option's YAML::

    workflows:                 # name: a Mistral v2 definition of it
      nightly_report: |
        version: '2.0'
        nightly_report: ...
    cron-triggers:             # name: when to run which workflow
      nightly:
        workflow: nightly_report
        pattern: '0 3 * * *'
        input: {}                      # optional
        params: {}                     # optional
        first-execution-time: '2027-01-01 03:00'   # optional, UTC
        remaining-executions: 10       # optional

Workflows go to Mistral's namespace ``juju``, apart from users'; the
leader records in leader settings what it made (with a digest of each),
so it updates and deletes its own and never a user's. Everything is
checked before anything changes: the structure here, the definitions by
Mistral's own validation, the workflow each trigger names.
"""

import hashlib
import json
import re

import yaml
from charmhelpers.core import hookenv

from openstack_base import grammar

OPTION = 'workflows'
NAMESPACE = 'juju'
RECORD = 'managed-jobs'         # leader setting, JSON
PROBLEM = 'managed-jobs-problem'    # leader setting: why it could not
TRIGGER_KEYS = {'workflow': str, 'pattern': str, 'input': dict,
                'params': dict, 'first-execution-time': str,
                'remaining-executions': int}
REQUIRED = ('workflow', 'pattern')
# Bounds of the option's YAML: the whole text, the nesting of its (and
# each definition's) collections, and each trigger's input and params as
# JSON, as Mistral stores them. Aliases are refused: a few lines of them
# expand to megabytes in Mistral ("billion laughs").
MAX_TEXT = 256 * 1024
MAX_DEPTH = 32
MAX_JSON = 64 * 1024
MAX_INT = 2 ** 31 - 1       # Mistral's Integer columns
# Workflow and cron trigger names: they go into Mistral's API paths.
NAME = re.compile(r'[A-Za-z0-9][A-Za-z0-9_.-]{0,79}')
# Five cron fields (minute hour day month weekday), as Mistral's croniter.
PATTERN = re.compile(r'\s*(\S+\s+){4}\S+\s*')


class Invalid(ValueError):
    """The option cannot be applied: ``item`` says where, then why."""

    def __init__(self, item, reason):
        super().__init__('{}: {}'.format(item, reason))


class _BoundedLoader(yaml.SafeLoader):
    """safe_load with no aliases and bounded nesting: refused as the
    parser meets them, before anything is built."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise yaml.YAMLError('aliases (*name) are not accepted')
        self._depth = getattr(self, '_depth', 0) + 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.YAMLError('nested deeper than {} levels'.format(
                    MAX_DEPTH))
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def load_yaml(text, item):
    """The data of a YAML text within the bounds above; Invalid."""
    if len(text or '') > MAX_TEXT:
        raise Invalid(item, 'is longer than {} KiB'.format(MAX_TEXT // 1024))
    try:
        return yaml.load(text or '', Loader=_BoundedLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, 'problem_mark', None)
        problem = getattr(error, 'problem', None) or (
            None if mark else str(error))
        raise Invalid(item, 'does not parse{}{}'.format(
            ': ' + problem if problem else '',
            ' (line {})'.format(mark.line + 1) if mark else ''))


def parse(text):
    """(workflows {name: definition}, triggers {name: spec}); Invalid."""
    data = load_yaml(text, 'YAML') or {}
    if not isinstance(data, dict) or set(data) - {'workflows',
                                                  'cron-triggers'}:
        raise Invalid('YAML', "holds only 'workflows' and 'cron-triggers'")
    workflows = data.get('workflows') or {}
    triggers = data.get('cron-triggers') or {}
    if not isinstance(workflows, dict) or not isinstance(triggers, dict):
        raise Invalid('YAML', 'workflows and cron-triggers are mappings')
    for kind, names in (('workflows', workflows),
                        ('cron-triggers', triggers)):
        for name in names:
            if not isinstance(name, str) or not NAME.fullmatch(name):
                raise Invalid(kind, 'name {} is not letters, digits, _ . - '
                              '(80 at most)'.format(grammar.shown(name)))
    for name, definition in workflows.items():
        check_workflow(name, definition)
    for name, spec in triggers.items():
        check_trigger(name, spec)
    return workflows, triggers


def check_workflow(name, definition):
    item = 'workflows.{}'.format(name)
    if not isinstance(definition, str):
        raise Invalid(item, 'must be the text of a workflow definition')
    parsed = load_yaml(definition, item + ' (the definition)')
    if not isinstance(parsed, dict) or name not in parsed:
        raise Invalid(item, 'the definition must define {}'.format(name))


def check_trigger(name, spec):
    item = 'cron-triggers.{}'.format(name)
    if not isinstance(spec, dict):
        raise Invalid(item, 'must be a mapping')
    for key in REQUIRED:
        if key not in spec:
            raise Invalid(item, '{} is required'.format(key))
    for key, value in spec.items():
        kind = TRIGGER_KEYS.get(key)
        if kind is None:
            raise Invalid(item, 'unknown key {}'.format(key))
        if not isinstance(value, kind) or isinstance(value, bool):
            raise Invalid(item, '{} must be a {}'.format(key, kind.__name__))
    if not PATTERN.fullmatch(spec['pattern']) or \
            grammar.one_line(spec['pattern'], 200):
        raise Invalid(item, 'pattern must have five cron fields')
    for key in ('workflow', 'first-execution-time'):
        if key in spec and grammar.one_line(spec[key], 255):
            raise Invalid(item, '{} must be one line'.format(key))
    for key in ('input', 'params'):
        if len(json.dumps(spec.get(key, {}))) > MAX_JSON:
            raise Invalid(item, '{} is larger than {} KiB as JSON'.format(
                key, MAX_JSON // 1024))
    if not 1 <= spec.get('remaining-executions', 1) <= MAX_INT:
        raise Invalid(item, 'remaining-executions must be from 1 to '
                      '{}'.format(MAX_INT))


def config_check(value):
    """The config check: the structure, without asking Mistral."""
    try:
        parse(value)
    except Invalid as error:
        return str(error)
    return None


def digest(value):
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()
                          ).hexdigest()[:16]


def recorded():
    return json.loads(hookenv.leader_get(RECORD) or '{}')


def reconcile(text, api):
    """Make Mistral hold what ``text`` declares (leader only). Raises
    Invalid before changing anything when something cannot be applied."""
    workflows, triggers = parse(text)
    record = recorded()
    if record.get('config') == digest(text):
        if hookenv.leader_get(PROBLEM):
            hookenv.leader_set({PROBLEM: ''})   # back to what was applied
        return record
    owned_wfs = record.get('workflows', {})
    owned_cts = record.get('cron-triggers', {})
    for name, definition in sorted(workflows.items()):
        error = api.validate(definition)
        if error:
            raise Invalid('workflows.{}'.format(name), error)
    users = api.workflows('')
    existing_cts = api.cron_triggers()
    for name, spec in sorted(triggers.items()):
        wanted = spec['workflow']
        if wanted not in workflows and wanted not in users:
            raise Invalid('cron-triggers.{}'.format(name),
                          'names unknown workflow {}'.format(wanted))
        if name in existing_cts and name not in owned_cts:
            raise Invalid('cron-triggers.{}'.format(name),
                          'a cron trigger of that name exists and was not '
                          'made by the charm')
    # Valid: triggers of what goes or changes first, then workflows.
    specs = {n: digest(s) for n, s in triggers.items()}
    for name in sorted(owned_cts):
        if specs.get(name) != owned_cts[name] and name in existing_cts:
            api.delete_cron_trigger(name)
    ours = api.workflows(NAMESPACE)
    for name, definition in sorted(workflows.items()):
        if owned_wfs.get(name) != digest(definition) or name not in ours:
            api.put_workflow(definition, NAMESPACE, new=name not in ours)
    for name in sorted(set(owned_wfs) - set(workflows)):
        if name in ours:
            api.delete_workflow(name, NAMESPACE)
    ours = api.workflows(NAMESPACE)
    for name, spec in sorted(triggers.items()):
        if owned_cts.get(name) != specs[name] or name not in existing_cts:
            api.create_cron_trigger(cron_trigger(name, spec, ours))
    record = {'config': digest(text),
              'workflows': {n: digest(d) for n, d in workflows.items()},
              'cron-triggers': specs}
    hookenv.leader_set({RECORD: json.dumps(record, sort_keys=True),
                        PROBLEM: ''})
    return record


def cron_trigger(name, spec, ours):
    """Mistral's cron trigger for a spec; a workflow of the charm's is
    named by id (it lives in the charm's namespace)."""
    found = {'name': name, 'pattern': spec['pattern'],
             'workflow_input': spec.get('input', {}),
             'workflow_params': spec.get('params', {})}
    workflow = spec['workflow']
    if workflow in ours:
        found['workflow_id'] = ours[workflow]['id']
    else:
        found['workflow_name'] = workflow
    if 'first-execution-time' in spec:
        found['first_execution_time'] = spec['first-execution-time']
    if 'remaining-executions' in spec:
        found['remaining_executions'] = spec['remaining-executions']
    return found


def summary():
    """'2 workflows, 1 cron trigger from config', or '' for none."""
    record = recorded()
    counts = [(len(record.get(k, {})), word) for k, word in (
        ('workflows', 'workflow'), ('cron-triggers', 'cron trigger'))]
    if not any(n for n, _ in counts):
        return ''
    return ', '.join('{} {}{}'.format(n, word, '' if n == 1 else 's')
                     for n, word in counts) + ' from config'
