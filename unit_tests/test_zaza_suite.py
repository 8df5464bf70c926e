"""Offline checks of the zaza suite in src/tests (no Juju controller).

zaza itself validates nothing: it loads tests.yaml with a bare
yaml.safe_load and hands the bundles to Juju.  A typo in a key, a bundle
name, an endpoint or a class path would only show hours into a real run,
so these checks catch it here.

The structural checks need only PyYAML.  Those marked as needing zaza
(importing the test classes the way zaza does) skip when zaza is absent,
unless ZAZA_OFFLINE_STRICT is set, as the zaza-offline tox env does.
To check a modified copy of the charm layer instead of src/, point
ZAZA_SUITE_CHARM_SRC at it (the build output is then expected at
<copy>/../build/mistral).
"""

import ast
import importlib
import importlib.util
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import unittest

import jinja2
import pytest
import yaml

REPO = pathlib.Path(__file__).resolve().parents[1]
SRC = pathlib.Path(os.environ.get('ZAZA_SUITE_CHARM_SRC', REPO / 'src'))
TESTS_DIR = SRC / 'tests'
BUNDLE_DIR = TESTS_DIR / 'bundles'
BUILD_OUTPUT = SRC.parent / 'build' / 'mistral'
LAYERS_DIR = REPO / 'layers'
SYSTEM_PYTHON = '/usr/bin/python3'

BUNDLE_KEYS = ('gate_bundles', 'smoke_bundles', 'dev_bundles')
# Every top-level key zaza 2024.1.1 reads from tests.yaml
# (zaza/charm_lifecycle/{utils,deploy,before_deploy}.py).
ZAZA_KEYS = {'charm_name', 'configure', 'configure_options',
             'before_deploy', 'tests', 'target_deploy_status',
             'tests_options', *BUNDLE_KEYS}
STATUS_KEYS = {'workload-status', 'workload-status-message-prefix',
               'workload-status-message-regex', 'num-expected-units'}
# tests_options keys zaza itself reads; our test classes read none.
TESTS_OPTIONS_KEYS = {'force_deploy', 'trust', 'ignore_hard_deploy_errors'}

# The peer charms' endpoints the bundles use, as their metadata declares
# them: endpoint -> (interface, role).  Subordinates deploy no units.
PEER_CHARMS = {
    'keystone': {
        'endpoints': {'identity-service': ('keystone', 'provides'),
                      'shared-db': ('mysql-shared', 'requires'),
                      'certificates': ('tls-certificates', 'requires')}},
    'rabbitmq-server': {
        'endpoints': {'amqp': ('rabbitmq', 'provides')}},
    'mysql-router': {
        'subordinate': True,
        'endpoints': {'shared-db': ('mysql-shared', 'provides'),
                      'db-router': ('mysql-router', 'requires')}},
    'mysql-innodb-cluster': {
        'endpoints': {'db-router': ('mysql-router', 'provides')}},
    'postgresql': {
        'endpoints': {'db': ('pgsql', 'provides')}},
    'hacluster': {
        'subordinate': True,
        'endpoints': {'ha': ('hacluster', 'provides')}},
    'vault': {
        'endpoints': {'certificates': ('tls-certificates', 'provides'),
                      'shared-db': ('mysql-shared', 'requires')}},
}
COUNTERPART = {'requires': 'provides', 'provides': 'requires'}
MISTRAL_REQUIRED = ('amqp', 'identity-service')
DATABASE_ENDPOINTS = ('shared-db', 'db')


def load_yaml(path):
    with open(path) as f:
        return yaml.safe_load(f)


def included_layers(layer_dir, seen=None):
    """The directories of our layers a layer includes, recursively."""
    seen = [] if seen is None else seen
    layer_yaml = pathlib.Path(layer_dir) / 'layer.yaml'
    if not layer_yaml.exists():
        return seen
    for include in load_yaml(layer_yaml).get('includes', []):
        kind, _, name = include.partition(':')
        path = LAYERS_DIR / name
        if kind == 'layer' and path.is_dir() and path not in seen:
            seen.append(path)
            included_layers(path, seen)
    return seen


def charm_files(name):
    """The named YAML of the charm layer and of every layer it includes."""
    dirs = [SRC] + included_layers(SRC)
    return [load_yaml(d / name) for d in dirs if (d / name).exists()]


def mistral_metadata():
    return load_yaml(SRC / 'metadata.yaml')


def mistral_endpoints():
    """endpoint -> (interface, role), merged as charm-build merges them."""
    endpoints = {}
    for meta in reversed(charm_files('metadata.yaml')):
        for role in ('requires', 'provides', 'peers'):
            for name, spec in (meta.get(role) or {}).items():
                endpoints[name] = (spec['interface'], role)
    return endpoints


def load_tests_yaml():
    return load_yaml(TESTS_DIR / 'tests.yaml')


def bundle_names():
    return sorted(p.stem for p in BUNDLE_DIR.glob('*.yaml'))


def listed_bundles():
    """Bundle names of all *_bundles lists, model aliases resolved."""
    names = set()

    def collect(item):
        if isinstance(item, str):
            names.add(item)
        elif isinstance(item, dict):
            for value in item.values():
                collect(value)
        elif isinstance(item, list):
            for value in item:
                collect(value)

    for key in BUNDLE_KEYS:
        collect(load_tests_yaml().get(key, []))
    return names


def load_bundle(name):
    return load_yaml(BUNDLE_DIR / '{}.yaml'.format(name))


def charm_of(app_spec):
    """The charm's name for a bundle application ('ch:x' -> 'x')."""
    charm = app_spec['charm']
    if charm.startswith(('.', '/')):
        return 'local'
    return charm.split(':', 1)[-1]


def mistral_apps(bundle):
    return {name: spec for name, spec in bundle['applications'].items()
            if charm_of(spec) == 'local'}


def endpoints_of(bundle, app):
    """endpoint table of an application of the bundle, or None."""
    spec = bundle['applications'].get(app)
    if spec is None:
        return None
    charm = charm_of(spec)
    if charm == 'local':
        return mistral_endpoints()
    return PEER_CHARMS.get(charm, {}).get('endpoints')


def relation_problems(bundle):
    problems = []
    for pair in bundle.get('relations', []):
        if len(pair) != 2:
            problems.append('{}: not a pair'.format(pair))
            continue
        sides = []
        for side in pair:
            app, _, endpoint = side.partition(':')
            table = endpoints_of(bundle, app)
            if table is None:
                problems.append('{}: unknown application or charm'.format(
                    side))
            elif endpoint not in table:
                problems.append('{}: no such endpoint'.format(side))
            else:
                sides.append(table[endpoint])
        if len(sides) != 2:
            continue
        (iface_a, role_a), (iface_b, role_b) = sides
        if iface_a != iface_b:
            problems.append('{}: interfaces {} and {} differ'.format(
                pair, iface_a, iface_b))
        if COUNTERPART.get(role_a) != role_b:
            problems.append('{}: roles {} and {} do not pair'.format(
                pair, role_a, role_b))
    return problems


def related_endpoints(bundle, app):
    found = []
    for pair in bundle.get('relations', []):
        for side in pair:
            name, _, endpoint = side.partition(':')
            if name == app:
                found.append(endpoint)
    return found


@pytest.fixture(params=bundle_names())
def bundle_name(request):
    return request.param


def test_bundles_exist():
    assert {'noble-caracal', 'jammy-yoga',
            'noble-caracal-pgsql'} <= set(bundle_names())


def test_bundle_parses_with_applications_and_relations(bundle_name):
    bundle = load_bundle(bundle_name)
    assert isinstance(bundle, dict)
    assert bundle['applications'] and bundle['relations']
    for app, spec in bundle['applications'].items():
        assert spec.get('charm'), app
        assert charm_of(spec) in PEER_CHARMS or charm_of(spec) == 'local', (
            '{}: charm {} has no endpoint table here'.format(
                app, spec['charm']))


def test_bundle_relations_name_matching_endpoints(bundle_name):
    assert relation_problems(load_bundle(bundle_name)) == []


def test_bundle_deploys_one_mistral_from_the_build_output(bundle_name):
    apps = mistral_apps(load_bundle(bundle_name))
    assert list(apps) == [mistral_metadata()['name']]
    for spec in apps.values():
        resolved = (BUNDLE_DIR / spec['charm']).resolve()
        assert resolved == BUILD_OUTPUT.resolve()


def test_bundle_disables_zazas_local_overlay(bundle_name):
    # Enabled, zaza would overlay `charm: src/`, the unbuilt layer.
    assert load_bundle(bundle_name).get('local_overlay_enabled') is False


def test_bundle_series_is_supported_by_the_charm(bundle_name):
    bundle = load_bundle(bundle_name)
    for spec in mistral_apps(bundle).values():
        series = spec.get('series', bundle.get('series'))
        assert series in mistral_metadata()['series']


def test_bundle_gives_mistral_its_required_relations(bundle_name):
    bundle = load_bundle(bundle_name)
    for app in mistral_apps(bundle):
        endpoints = related_endpoints(bundle, app)
        for required in MISTRAL_REQUIRED:
            assert required in endpoints, (app, required)
        databases = [e for e in endpoints if e in DATABASE_ENDPOINTS]
        assert len(databases) == 1, (app, databases)


def test_pgsql_bundle_uses_postgresql():
    bundle = load_bundle('noble-caracal-pgsql')
    assert ['mistral:db', 'postgresql:db'] in [
        sorted(p) for p in bundle['relations']]


def test_bundle_units_match_subordinate_charms(bundle_name):
    for app, spec in load_bundle(bundle_name)['applications'].items():
        subordinate = PEER_CHARMS.get(charm_of(spec), {}).get('subordinate')
        if subordinate:
            assert 'num_units' not in spec, app
        else:
            assert spec.get('num_units', 0) >= 1, app


def test_bundle_mistral_options_exist_in_charm_config(bundle_name):
    configs = charm_files('config.yaml')
    if not configs:
        pytest.skip('the charm has no config.yaml yet')
    known = set()
    for config in configs:
        known.update((config.get('options') or {}).keys())
    for app, spec in mistral_apps(load_bundle(bundle_name)).items():
        unknown = set(spec.get('options') or {}) - known
        assert unknown == set(), (app, unknown)


def test_tests_yaml_uses_only_keys_zaza_reads():
    assert set(load_tests_yaml()) - ZAZA_KEYS == set()


def test_tests_yaml_names_the_charm():
    assert load_tests_yaml()['charm_name'] == mistral_metadata()['name']


def test_every_listed_bundle_exists():
    config = load_tests_yaml()
    for key in ('gate_bundles', 'smoke_bundles'):
        assert config.get(key), key
    assert listed_bundles() - set(bundle_names()) == set()


def test_every_bundle_is_listed():
    assert set(bundle_names()) - listed_bundles() == set()


def test_target_deploy_status_names_bundle_applications():
    apps = set()
    for name in bundle_names():
        apps.update(load_bundle(name)['applications'])
    status = load_tests_yaml().get('target_deploy_status') or {}
    assert set(status) - apps == set()
    for app, expected in status.items():
        assert set(expected) - STATUS_KEYS == set(), app
        if 'workload-status-message-regex' in expected:
            re.compile(expected['workload-status-message-regex'])


def test_tests_options_only_keys_that_are_read():
    options = load_tests_yaml().get('tests_options') or {}
    assert set(options) - TESTS_OPTIONS_KEYS == set()
    for key in TESTS_OPTIONS_KEYS & set(options):
        assert set(options[key]) - set(bundle_names()) == set(), key


def suite_constants(suffix):
    """Module-level string constants of the suite's modules ending in
    suffix.

    Read from their source so that this check needs no zaza.
    """
    found = {}
    for module in ('suite_base.py', 'tests_mistral.py'):
        found.update(module_constants(TESTS_DIR / module, suffix))
    return found


def module_constants(path, suffix):
    tree = ast.parse(path.read_text())
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            name = getattr(node.targets[0], 'id', '')
            if name.endswith(suffix):
                found[name] = ast.literal_eval(node.value)
    return found


def test_actions_the_suite_runs_exist_in_the_charm():
    used = set(suite_constants('_ACTION').values())
    assert {'pause', 'resume'} <= used
    actions = charm_files('actions.yaml')
    if not actions:
        pytest.skip('the charm has no actions.yaml yet')
    known = set()
    for entry in actions:
        known.update(entry or {})
    assert used - known == set()


def test_options_the_suite_changes_exist_in_the_charm():
    used = set(suite_constants('_OPTION').values())
    assert 'debug' in used
    configs = charm_files('config.yaml')
    if not configs:
        pytest.skip('the charm has no config.yaml yet')
    known = set()
    for config in configs:
        known.update((config.get('options') or {}).keys())
    assert used - known == set()


def load_workflows_module():
    """src/tests/mistral_workflows.py is plain data: load it by path."""
    spec = importlib.util.spec_from_file_location(
        'zaza_suite_workflows', TESTS_DIR / 'mistral_workflows.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PARSE_WORKFLOWS = """
import json, sys
from mistral.lang import parser
for text in json.load(sys.stdin):
    specs = parser.get_workflow_list_spec_from_yaml(text)
    print(json.dumps([w.get_name() for w in specs.get_workflows()]))
"""


def system_mistral_available():
    if not os.path.exists(SYSTEM_PYTHON):
        return False
    probe = subprocess.run([SYSTEM_PYTHON, '-c', 'import mistral.lang'],
                           capture_output=True)
    return probe.returncode == 0


def test_workflow_definitions_pass_mistrals_own_parser():
    if not system_mistral_available():
        pytest.skip('python3-mistral (Mistral DSL parser) not installed')
    workflows = load_workflows_module()
    names = list(workflows.ALL_DEFINITIONS)
    result = subprocess.run(
        [SYSTEM_PYTHON, '-c', PARSE_WORKFLOWS],
        input=json.dumps([workflows.ALL_DEFINITIONS[n] for n in names]),
        capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    parsed = [json.loads(line) for line in result.stdout.splitlines()]
    assert parsed == [[name] for name in names]


# --- checks that import the suite the way zaza does -----------------------

def require(module):
    if os.environ.get('ZAZA_OFFLINE_STRICT'):
        return importlib.import_module(module)
    return pytest.importorskip(module)


@pytest.fixture
def zaza_in_src(monkeypatch):
    """zaza's lifecycle utils, run from src/ as `tox -e func` runs it."""
    utils = require('zaza.charm_lifecycle.utils')
    require('mistralclient')
    monkeypatch.chdir(SRC)
    # An absolute test dir keeps zaza's tests.yaml cache per checked tree.
    monkeypatch.setattr(utils, 'base_test_dir', str(TESTS_DIR))
    before = set(sys.modules)
    yield utils
    for name in set(sys.modules) - before:
        if name == 'tests' or name.startswith('tests.'):
            del sys.modules[name]


def test_zaza_reads_the_bundle_lists(zaza_in_src):
    for key in BUNDLE_KEYS:
        deploys = zaza_in_src.get_environment_deploys(key)
        bundles = {d.bundle for deploy in deploys
                   for d in deploy.model_deploys}
        assert bundles <= set(bundle_names()), key


def test_every_test_class_imports_through_zaza(zaza_in_src):
    steps = zaza_in_src.get_test_steps()
    classes = [c for alias in steps.values() for c in alias]
    assert classes
    for path in classes:
        cls = zaza_in_src.get_class(path)
        assert issubclass(cls, unittest.TestCase), path
        tests = unittest.defaultTestLoader.getTestCaseNames(cls)
        assert tests, '{} has no tests'.format(path)


def test_every_configure_step_imports_through_zaza(zaza_in_src):
    for steps in zaza_in_src.get_config_steps().values():
        for path in steps:
            assert callable(zaza_in_src.get_class(path)), path


def suite_module(zaza_in_src):
    cls = zaza_in_src.get_class('tests.tests_mistral.MistralBaseTest')
    return sys.modules[cls.__module__]


def test_endpoint_urls_reads_a_keystone_catalog(zaza_in_src):
    access = require('keystoneauth1.access')
    suite = suite_module(zaza_in_src)
    body = {'token': {'catalog': [
        {'type': 'workflowv2', 'name': 'mistral', 'endpoints': [
            {'interface': i, 'region': 'RegionOne',
             'url': 'http://10.0.0.5:8989/v2'}
            for i in ('public', 'internal', 'admin')]},
        {'type': 'identity', 'name': 'keystone', 'endpoints': [
            {'interface': 'public', 'region': 'RegionOne',
             'url': 'http://10.0.0.9:5000/v3'}]}]}}
    catalog = access.create(body=body).service_catalog
    assert suite.endpoint_urls(catalog) == {
        'public': 'http://10.0.0.5:8989/v2',
        'internal': 'http://10.0.0.5:8989/v2',
        'admin': 'http://10.0.0.5:8989/v2'}
    assert suite.endpoint_urls(catalog, 'nothing') == {}


def test_cron_firing_check_accepts_one_per_minute(zaza_in_src):
    suite = suite_module(zaza_in_src)
    assert suite.cron_firing_problems([
        '2024-05-01 10:02:01', '2024-05-01 10:00:00',
        '2024-05-01 10:01:02']) == []


@pytest.mark.parametrize('created_at', [
    # fired twice in one minute (two units or workers)
    ['2024-05-01 10:00:00', '2024-05-01 10:00:01', '2024-05-01 10:01:00'],
    # skipped a minute
    ['2024-05-01 10:00:00', '2024-05-01 10:02:00'],
])
def test_cron_firing_check_rejects_duplicates_and_gaps(zaza_in_src,
                                                       created_at):
    assert suite_module(zaza_in_src).cron_firing_problems(created_at)


def test_zaza_runner_cli_loads():
    """`functest-run-suite --help` is what the charms' func-noop runs."""
    require('zaza')
    runner = shutil.which('functest-run-suite',
                          path=os.path.dirname(sys.executable))
    if runner is None:
        pytest.skip('functest-run-suite not next to this python')
    result = subprocess.run([runner, '--help'], capture_output=True,
                            text=True, cwd=SRC)
    assert result.returncode == 0, result.stderr[-2000:]
    assert '--smoke' in result.stdout


def test_ha_bundle_three_units_behind_hacluster_with_tls():
    bundle = load_bundle('noble-caracal-ha')
    assert bundle['applications']['mistral']['num_units'] == 3
    pairs = [sorted(p) for p in bundle['relations']]
    assert ['mistral-hacluster:ha', 'mistral:ha'] in pairs
    assert ['mistral:certificates', 'vault:certificates'] in pairs
    hacluster = bundle['applications']['mistral-hacluster']
    assert hacluster['options']['cluster_count'] == 3
    # zaza renders the bundle's overlay with the test cloud's VIP
    overlay = (BUNDLE_DIR / 'overlays' / 'noble-caracal-ha.yaml.j2')
    rendered = jinja2.Template(overlay.read_text()).render(
        OS_VIP00='10.5.100.1')
    assert yaml.safe_load(rendered) == {
        'applications': {'mistral': {'options': {'vip': '10.5.100.1'}}}}
