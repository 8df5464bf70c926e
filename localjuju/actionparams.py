"""An action's parameters as Juju 3 takes them, before the action runs.

The client (`juju run`, cmd/juju/action/run.go) reads each
``key.key=value`` argument: every key part must match the action name
rule, the value is read as YAML by yaml.v2 (a string as given with
--string-args), dotted keys build nested maps. The controller then
checks the whole map against the action's JSON schema and inserts its
defaults (state PrepareActionPayload -> ActionSpec.ValidateParams and
InsertDefaults, with juju/gojsonschema, JSON schema draft 4). The
schema is built from actions.yaml as internal/charm ReadActionsYaml
builds it: ``params`` become the ``properties`` of an object whose
``additionalProperties`` is false unless the action says otherwise;
``required``, ``title`` and any other key go to that object as given.
"""

import json
import re

import jsonschema

from localjuju import goyaml

# charm.GetActionNameRule(): action names, and each key of `juju run`.
NAME_RULE = re.compile(r'^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$')
PROHIBITED_KEYS = ('$ref', '$schema')

# gojsonschema counts a float with no fraction as an integer (the params
# travel as JSON, where 3 and 3.0 are one number); draft 4 alone not.
Validator = jsonschema.validators.extend(
    jsonschema.Draft4Validator,
    type_checker=jsonschema.Draft4Validator.TYPE_CHECKER.redefine(
        'integer', lambda checker, value: not isinstance(value, bool) and (
            isinstance(value, int)
            or isinstance(value, float) and value.is_integer())))


def parse_args(args, string_args=False, params=None):
    """``key.key=value`` arguments into the params map `juju run` sends
    (over ``params``, e.g. a --params file's)."""
    params = dict(params or {})
    parsed_maps = set()  # maps a value brought: not stepped into
    for arg in args:
        key, eq, text = arg.partition('=')
        if not eq:
            raise ValueError('argument "{}" must be of the form '
                             'key.key.key...=value'.format(arg))
        keys = key.split('.')
        for part in keys:
            if not NAME_RULE.match(part):
                raise ValueError(
                    'key "{}" must start and end with lowercase '
                    'alphanumeric, and contain only lowercase alphanumeric '
                    'and hyphens'.format(part))
        value = text if string_args else goyaml.load(text)
        node = params
        for part in keys[:-1]:
            # addValueToMap steps only into maps it made: a map read
            # from a value is still yaml.v2's map[interface{}]interface{}
            if not isinstance(node.get(part), dict) or \
                    id(node[part]) in parsed_maps:
                node[part] = {}
            node = node[part]
        node[keys[-1]] = value
        if isinstance(value, dict):
            parsed_maps.add(id(value))
    _check_keys(params)
    return params


def _check_keys(value):
    """ConformYAML: every map keyed by strings."""
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise ValueError('map keyed with non-string value')
        for item in value.values():
            _check_keys(item)
    elif isinstance(value, list):
        for item in value:
            _check_keys(item)


def action_schemas(actions):
    """{action: JSON schema} from actions.yaml's content, or ValueError
    with the reason Juju refuses the charm for."""
    schemas = {}
    for name, spec in (actions or {}).items():
        if not NAME_RULE.match(name):
            raise ValueError('bad action name {}'.format(name))
        schema = {'description': 'No description', 'type': 'object',
                  'title': name, 'properties': {},
                  'additionalProperties': False}
        for key, value in (spec or {}).items():
            kind = {'description': str, 'title': str, 'required': list,
                    'parallel': bool, 'execution-group': str,
                    'params': dict}.get(key)
            if key == 'params' and not isinstance(value, dict):
                raise ValueError('params failed to parse as a map')
            if kind and not isinstance(value, kind):
                raise ValueError('value for schema key "{}" must be a {}'
                                 .format(key, {str: 'string',
                                               list: 'YAML list',
                                               bool: 'bool'}[kind]))
            if key in ('parallel', 'execution-group'):
                continue  # how the action runs, not its params
            _cleanse(value)
            schema['properties' if key == 'params' else key] = value
        try:
            Validator.check_schema(schema)
        except jsonschema.SchemaError as error:
            raise ValueError('invalid params schema for action schema {}: '
                             '{}'.format(name, error.message))
        schemas[name] = schema
    return schemas


def _cleanse(value):
    if isinstance(value, dict):
        for key, item in value.items():
            if key in PROHIBITED_KEYS:
                raise ValueError('schema key "{}" not compatible with this '
                                 'version of juju'.format(key))
            if not isinstance(key, str):
                raise ValueError('map keyed with non-string value')
            _cleanse(item)
    elif isinstance(value, list):
        for item in value:
            _cleanse(item)


def prepare(schema, params):
    """The params the action gets: ``params`` checked against the schema,
    then its defaults inserted; ValueError with Juju's message if not."""
    try:  # the API carries the params as JSON
        params = json.loads(json.dumps(params, allow_nan=False))
    except ValueError:
        raise ValueError('json: unsupported value: NaN or Inf')
    errors = sorted(_go_errors(schema, params))
    if errors:
        raise ValueError('validation failed: ' + '; '.join(errors))
    _insert_defaults(schema['properties'], params)
    return params


def _go_errors(schema, params):
    """gojsonschema's messages: "<context> : <description>, given <value>"
    (an additional property each, where jsonschema lists them at once)."""
    for error in Validator(schema).iter_errors(params):
        context = '.'.join(['(root)'] + [str(p) for p in error.path])
        if error.validator == 'type':
            types = error.validator_value
            described = 'must be of type {}'.format(
                types if isinstance(types, str)
                else '[{}]'.format(','.join(types)))
        elif error.validator == 'required':
            missing = error.message.rsplit(' is a required', 1)[0]
            described = '"{}" property is missing and required'.format(
                missing[1:-1])
        elif error.validator == 'additionalProperties':
            for extra in sorted(set(error.instance)
                                - set(error.schema.get('properties', {}))):
                yield '{} : additional property "{}" is not allowed, ' \
                    'given {}'.format(context, extra, _json(error.instance))
            continue
        else:
            described = error.message
        yield '{} : {}, given {}'.format(
            context, described, _json(error.instance))


def _json(value):
    return json.dumps(value, separators=(',', ':'), sort_keys=True)


PANIC = ('schema error caused a panic: interface conversion: interface {} '
         'is nil, not map[string]interface {}')


def _insert_defaults(properties, into):
    """gojsonschema's InsertDefaults (juju's fork): a missing param takes
    its default, an object param is stepped into for its properties'
    defaults. A map given for a param whose schema has no ``properties``
    makes it panic, and Juju refuses the action with that panic."""
    for name, spec in properties.items():
        if name in into:
            if isinstance(into[name], dict):
                if not isinstance(spec.get('properties'), dict):
                    raise ValueError(PANIC)
                _insert_defaults(spec['properties'], into[name])
        elif 'default' in spec:
            into[name] = json.loads(json.dumps(spec['default']))
        elif isinstance(spec.get('properties'), dict):
            inner = {}
            _insert_defaults(spec['properties'], inner)
            if inner:
                into[name] = inner
