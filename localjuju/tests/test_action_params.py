"""Action params as Juju 3 takes them (localjuju.actionparams), and every
`juju run` example of the operator docs checked against the charm's own
actions.yaml that way. No root, no deployment."""

import copy
import glob
import os
import re
import shlex

import pytest
import yaml

from localjuju import actionparams, goyaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
# layers in the order charm-build stacks them: the charm's on top
LAYERS = ('layers/openstack-base', 'src')
UUID = '3b9fd8c1-1bd6-4b2f-8e8f-0f7c1f2a6f11'   # for any <placeholder>


def deepmerge(dest, src):
    """charmtools.utils.deepmerge, as charm-build merges actions.yaml."""
    for key, value in src.items():
        if dest.get(key) and isinstance(value, dict):
            deepmerge(dest[key], value)
        elif dest.get(key) and isinstance(value, list):
            dest[key].extend(v for v in value if v not in dest[key])
        else:
            dest[key] = copy.deepcopy(value)
    return dest


def charm_actions():
    """actions.yaml as the built charm has it, as Juju reads it."""
    merged = {}
    for layer in LAYERS:
        with open(os.path.join(REPO, layer, 'actions.yaml')) as source:
            deepmerge(merged, goyaml.load(source.read()))
    return merged


def charm_name():
    with open(os.path.join(REPO, 'src', 'metadata.yaml')) as source:
        return yaml.safe_load(source)['name']


def doc_commands():
    """Every `juju run ...` of README.md and docs/*.md: in code blocks
    (comments dropped, continued lines joined) and inline code."""
    found = []
    for path in [os.path.join(REPO, 'README.md')] + sorted(glob.glob(
            os.path.join(REPO, 'docs', '**', '*.md'), recursive=True)):
        with open(path) as source:
            text = source.read()
        lines = re.sub(r'\\\n\s*', ' ', text).splitlines()
        block = False
        for line in lines:
            if line.lstrip().startswith('```'):
                block = not block
                continue
            commands = [line.split(' #')[0].strip()] if block else \
                re.findall(r'`(juju run [^`]*)`', line)
            found.extend((os.path.relpath(path, REPO), c) for c in commands
                         if c.startswith('juju run '))
    return found


def juju_run(command):
    """(application, action, key=value args, --string-args) of a
    `juju run` command line."""
    words = shlex.split(re.sub(r'<[^>]*>', UUID, command))[2:]
    string_args = '--string-args' in words
    words = [w for w in words if not w.startswith('--')]
    unit, action, args = words[0], words[1], words[2:]
    return unit.split('/')[0], action, args, string_args


EXAMPLES = [example for example in doc_commands()
            if juju_run(example[1])[0] == charm_name()]


def test_the_docs_show_the_charms_actions():
    # the test below checks the docs' own examples: there are some, and
    # run-workflow's with an input object among them
    assert any(juju_run(command)[1] == 'run-workflow' and any(
        a.startswith('input={') for a in juju_run(command)[2])
        for _, command in EXAMPLES)


@pytest.mark.parametrize('where, command', EXAMPLES)
def test_docs_juju_run_examples_pass_jujus_checks(where, command):
    _, action, args, string_args = juju_run(command)
    schemas = actionparams.action_schemas(charm_actions())
    assert action in schemas, 'no action {} ({})'.format(action, where)
    params = actionparams.prepare(
        schemas[action], actionparams.parse_args(args, string_args))
    assert set(schemas[action].get('required', ())) <= set(params)


def test_run_workflow_takes_its_input_as_an_object_or_json_text():
    schema = actionparams.action_schemas(charm_actions())['run-workflow']
    given = actionparams.prepare(schema, actionparams.parse_args(
        ['name=clean_tmp', 'input={"hosts": ["10.5.0.21"]}', 'wait=true']))
    assert given == {'name': 'clean_tmp', 'input': {'hosts': ['10.5.0.21']},
                     'wait': True, 'timeout': 300}
    assert actionparams.prepare(schema, actionparams.parse_args(
        ['name=x', 'input=\'{"a": 1}\'']))['input'] == '{"a": 1}'
    assert actionparams.prepare(schema, {'name': 'x'})['input'] == {}
    with pytest.raises(ValueError, match=r'\(root\).input : must be of type '
                       r'\[object,string\], given \[1,2\]'):
        actionparams.prepare(schema, {'name': 'x', 'input': [1, 2]})
    # --string-args makes every value a string: wait is then refused
    with pytest.raises(ValueError, match=r'\(root\).wait : must be of type '
                       r'boolean, given "true"'):
        actionparams.prepare(schema, actionparams.parse_args(
            ['name=x', 'wait=true'], string_args=True))


# -- what `juju run` does with key=value (cmd/juju/action/run.go) --------
@pytest.mark.parametrize('text, value', [
    ('true', True), ('y', True), ('off', False), ('~', None),
    ('300', 300), ('017', 15), ('0x1F', 31), ('1_000', 1000),
    ('1e3', 1000.0), ('3.5', 3.5),
    ('clean_tmp', 'clean_tmp'), ('"true"', 'true'), ("'300'", '300'),
    ('2024-05-01', '2024-05-01'),   # yaml.v2 keeps a date a string
    ('', ''), ('# no document', '# no document'),
    ('[1, b]', [1, 'b']), ('{a: {b: yes}}', {'a': {'b': True}}),
])
def test_each_value_is_read_as_yaml_v2_reads_it(text, value):
    assert actionparams.parse_args(['k=' + text]) == {'k': value}
    assert actionparams.parse_args(['k=' + text], string_args=True) == \
        {'k': text}


def test_dotted_keys_build_nested_maps():
    assert actionparams.parse_args(['a.b=1', 'a.c=x', 'd=2']) == \
        {'a': {'b': 1, 'c': 'x'}, 'd': 2}
    # a value that is no map is replaced by one; so is a map a value
    # brought (yaml.v2's map[interface{}]interface{}, which Juju's
    # addValueToMap does not step into)
    assert actionparams.parse_args(['a=1', 'a.b=2']) == {'a': {'b': 2}}
    assert actionparams.parse_args(['a={x: 1}', 'a.y=2']) == \
        {'a': {'y': 2}}
    assert actionparams.parse_args(['a.y=2'], params={'a': {'x': 1}}) == \
        {'a': {'x': 1, 'y': 2}}


@pytest.mark.parametrize('arg, message', [
    ('name', 'argument "name" must be of the form key.key.key...=value'),
    ('Name=x', 'key "Name" must start and end with lowercase'),
    ('a_b=x', 'key "a_b" must start and end with lowercase'),
    ('a..b=x', 'key "" must start'),
    ('k={1: x}', 'map keyed with non-string value'),
    ('k=[a', 'yaml: line 1'),
])
def test_what_the_client_refuses(arg, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        actionparams.parse_args([arg])


# -- the schema Juju builds from actions.yaml and checks -----------------
TOY = {'hello': {'description': 'Greets.', 'params': {
    'name': {'type': 'string', 'default': 'world'},
    'times': {'type': 'integer'},
    'loud': {'type': 'boolean'},
    'extra': {'type': 'object', 'properties': {
        'mood': {'type': 'string', 'default': 'calm'}}},
    'free': {'type': 'object'}},
    'required': ['times']},
    'open': {'params': {'x': {'type': 'string'}},
             'additionalProperties': True}}


@pytest.fixture
def schemas():
    return actionparams.action_schemas(TOY)


def test_schema_as_juju_builds_it(schemas):
    hello = schemas['hello']
    assert hello['type'] == 'object' and hello['title'] == 'hello'
    assert hello['additionalProperties'] is False
    assert hello['required'] == ['times']
    assert schemas['open']['description'] == 'No description'
    assert schemas['open']['additionalProperties'] is True


@pytest.mark.parametrize('params, message', [
    ({}, '(root) : "times" property is missing and required, given {}'),
    ({'times': 1, 'bogus': 2}, '(root) : additional property "bogus" is '
     'not allowed, given {"bogus":2,"times":1}'),
    ({'times': 'many'}, '(root).times : must be of type integer, '
     'given "many"'),
    ({'times': 1.5}, '(root).times : must be of type integer'),
    ({'times': 1, 'loud': 'yes'}, '(root).loud : must be of type boolean'),
    ({'times': 1, 'name': None}, '(root).name : must be of type string, '
     'given null'),
])
def test_params_that_fail_the_schema_are_refused(schemas, params, message):
    with pytest.raises(ValueError, match='^validation failed: ' +
                       re.escape(message)):
        actionparams.prepare(schemas['hello'], params)


def test_defaults_are_inserted_after_the_check(schemas):
    assert actionparams.prepare(schemas['hello'], {'times': 3.0}) == {
        'times': 3, 'name': 'world', 'extra': {'mood': 'calm'}}
    assert actionparams.prepare(schemas['hello'], {
        'times': 1, 'extra': {'other': 1}})['extra'] == {
            'other': 1, 'mood': 'calm'}
    assert actionparams.prepare(schemas['open'], {'y': 1}) == {'y': 1}


def test_an_object_param_without_properties_refuses_a_map(schemas):
    # Juju's InsertDefaults steps into a given map and panics when the
    # param's schema has no properties: the action is refused
    with pytest.raises(ValueError, match='schema error caused a panic'):
        actionparams.prepare(schemas['hello'], {'times': 1,
                                                'free': {'a': 1}})


@pytest.mark.parametrize('actions, message', [
    ({'Bad': {}}, 'bad action name Bad'),
    ({'a': {'params': {'x': {'$ref': '#/y'}}}},
     'schema key "$ref" not compatible with this version of juju'),
    ({'a': {'required': 'x'}},
     'value for schema key "required" must be a YAML list'),
    ({'a': {'params': ['x']}}, 'params failed to parse as a map'),
    ({'a': {'params': {'x': {'type': 'text'}}}},
     'invalid params schema for action schema a'),
])
def test_actions_yaml_juju_refuses(actions, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        actionparams.action_schemas(actions)
