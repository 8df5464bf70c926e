"""`juju config` as Juju 3 takes it: each value parsed as its option's
type from config.yaml, and a charm whose config.yaml Juju refuses is
refused. No root, no deployment."""

import json
import os
import shutil

import pytest

from localjuju import cli, goyaml
from localjuju.charmdir import Charm
from localjuju.errors import OperationError
from localjuju.testing import TOY_CHARM
from localjuju.tests.test_action_params import LAYERS, REPO, deepmerge


def charm_with(tmp_path, options):
    charm = tmp_path / 'toy'
    shutil.copytree(TOY_CHARM, str(charm))
    (charm / 'config.yaml').write_text('options:\n' + options)
    return str(charm)


TYPED = '''\
  name: {type: string, default: toy}
  port: {type: int, default: 8989}
  ratio: {type: float, default: 0.25}
  debug: {type: boolean, default: false}
  plain: {default: x}
'''


@pytest.mark.parametrize('key, text, value', [
    ('name', '8080', '8080'), ('name', '', ''), ('plain', 'yes', 'yes'),
    ('port', '9000', 9000), ('port', '-1', -1), ('port', '+7', 7),
    ('ratio', '1', 1.0), ('ratio', '.5', 0.5), ('ratio', '1e3', 1000.0),
    ('debug', 'true', True), ('debug', 'True', True), ('debug', '1', True),
    ('debug', 'f', False), ('debug', 'FALSE', False),
])
def test_values_are_typed_by_config_yaml(tmp_path, key, text, value):
    changes = Charm(charm_with(tmp_path, TYPED)).config_changes({key: text})
    assert changes == {key: value}
    assert type(changes[key]) is type(value)


@pytest.mark.parametrize('key, text, message', [
    ('port', 'abc', 'option "port" expected int, got "abc"'),
    ('port', '9000.0', 'option "port" expected int, got "9000.0"'),
    ('port', '0x10', 'option "port" expected int, got "0x10"'),
    ('port', '1_000', 'option "port" expected int, got "1_000"'),
    ('port', '', 'option "port" expected int, got ""'),
    ('port', '9223372036854775808', 'expected int'),
    ('ratio', 'half', 'option "ratio" expected float, got "half"'),
    ('ratio', '1e400', 'expected float'),
    ('debug', 'yes', 'option "debug" expected boolean, got "yes"'),
    ('debug', 'on', 'expected boolean'),
    ('bogus', 'x', 'unknown option "bogus"'),
])
def test_values_juju_refuses(tmp_path, key, text, message):
    with pytest.raises(ValueError, match=message):
        Charm(charm_with(tmp_path, TYPED)).config_changes({key: text})


def test_reset_takes_the_default_typed(tmp_path):
    charm = Charm(charm_with(tmp_path, TYPED))
    assert charm.config_changes({}, ['port', 'plain']) == {
        'port': 8989, 'plain': 'x'}
    with pytest.raises(ValueError, match='unknown option "nope"'):
        charm.config_changes({}, ['nope'])


@pytest.mark.parametrize('options, message', [
    ('  a: {type: text}\n', 'invalid config: option "a" has unknown type '
     '"text"'),
    ('  a: {type: float, default: 1}\n', 'invalid config default: option '
     '"a" expected float, got 1'),
    ('  a: {type: int, default: "many"}\n', 'expected int, got "many"'),
    ('  a: {type: string, default: yes}\n', 'expected string, got true'),
    ('  a: {type: boolean, default: "maybe"}\n', 'expected boolean'),
])
def test_config_yaml_juju_refuses(tmp_path, options, message):
    with pytest.raises(ValueError, match=message):
        Charm(charm_with(tmp_path, options))


def test_defaults_juju_coerces(tmp_path):
    charm = Charm(charm_with(tmp_path, '  a: {type: int, default: "0x10"}\n'
                                       '  b: {type: boolean, default: "t"}\n'
                                       '  c: {type: string, default: ""}\n'))
    assert charm.default_config() == {'a': 16, 'b': True, 'c': ''}


def test_the_cli_reads_at_files_and_comma_separated_resets(tmp_path):
    jobs = tmp_path / 'jobs.yaml'
    jobs.write_text('workflows: {}\n')
    assert cli.read_at_file('workflows=@' + str(jobs)) == \
        'workflows=workflows: {}\n'
    assert cli.read_at_file('a=b@c') == 'a=b@c'
    assert cli.reset_keys(['a,b,', 'c']) == ['a', 'b', 'c']
    with pytest.raises(OperationError, match='--reset accepts a comma'):
        cli.reset_keys(['a=1'])


def test_the_charms_own_config_yaml_is_one_juju_takes(tmp_path):
    merged = {}
    for layer in LAYERS:  # as charm-build merges them, as Juju reads them
        with open(os.path.join(REPO, layer, 'config.yaml')) as source:
            deepmerge(merged, goyaml.load(source.read()))
    charm = charm_with(tmp_path, '')
    with open(os.path.join(charm, 'config.yaml'), 'w') as out:
        json.dump(merged, out)  # YAML whose every string is quoted
    assert 'openstack-origin' in Charm(charm).options
