"""Offline checks of the zaza suite in src/tests (no Juju controller).

zaza itself validates nothing: it loads tests.yaml with a bare
yaml.safe_load and hands the bundles to Juju.  A typo in a key, a bundle
name, an endpoint or a class path would only show hours into a real run,
so these checks catch it here.

The structural checks need only PyYAML.  Those marked as needing zaza
(importing the test classes the way zaza does) skip when zaza is absent,
unless ZAZA_OFFLINE_STRICT is set, as the zaza-offline tox env does.
To check a modified copy of the charm layer instead of src/, point
ZAZA_SUITE_CHARM_SRC at it (the packed charm is then expected at
<copy>/../mistral.charm).

The Mojo spec (mojo/) is checked here too: its manifest's files, its
bundle against the zaza HA bundle, its endpoint helpers.
"""

import ast
import configparser
import importlib
import importlib.util
import json
import os
import pathlib
import re
import shutil
import stat
import subprocess
import sys
import types
import unittest

import jinja2
import pytest
import yaml

REPO = pathlib.Path(__file__).resolve().parents[1]
SRC = pathlib.Path(os.environ.get('ZAZA_SUITE_CHARM_SRC', REPO / 'src'))
TESTS_DIR = SRC / 'tests'
BUNDLE_DIR = TESTS_DIR / 'bundles'
# Where OpenStack's CI packs the charm: `charmcraft pack` at the
# repository root, renamed <charm>.charm (charm-aodh's rename.sh and its
# bundles' `charm: ../../../aodh.charm`).
PACKED_CHARM = SRC.parent / 'mistral.charm'
OVERLAY_DIR = BUNDLE_DIR / 'overlays'
TOX_INI = REPO / 'tox.ini'
MOJO_SPEC = REPO / 'mojo' / 'specs' / 'features' / 'mistral_ha' / 'caracal'
VAULT_STEP = 'tests.vault_setup.auto_initialize'
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


def test_bundle_deploys_one_mistral_packed_where_ci_puts_it(bundle_name):
    apps = mistral_apps(load_bundle(bundle_name))
    assert list(apps) == [mistral_metadata()['name']]
    for spec in apps.values():
        # relative to the bundle, as Juju reads it: any checkout works
        assert not os.path.isabs(spec['charm'])
        resolved = (BUNDLE_DIR / spec['charm']).resolve()
        assert resolved == PACKED_CHARM.resolve()


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


# --- zaza as OpenStack's CI runs it ---------------------------------------

def tox_env(name):
    """An env's settings in tox.ini, with {[section]key} and {toxinidir}
    resolved as tox 4 resolves them."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(TOX_INI)

    def value(section, key):
        return re.sub(r'\{\[([^\]]+)\]([^}]+)\}',
                      lambda found: value(found.group(1), found.group(2)),
                      parser.get(section, key)).replace(
                          '{toxinidir}', str(REPO))

    section = 'testenv:' + name
    return {key: value(section, key) for key in parser.options(section)}


@pytest.mark.parametrize('env, command', [
    ('func', 'functest-run-suite --keep-model {posargs}'),
    ('func-smoke', 'functest-run-suite --keep-model --smoke {posargs}'),
    # tox -e func-target -- <bundle>, as charm-aodh's src/tox.ini
    ('func-target', 'functest-run-suite --keep-model --bundle {posargs}'),
])
def test_func_envs_run_zaza_from_src_as_the_official_charms(env, command):
    settings = tox_env(env)
    assert settings['commands'].strip() == command
    assert pathlib.Path(settings['changedir']) == REPO / 'src'
    assert '-r{}/requirements/zaza.txt'.format(REPO) in settings['deps']
    # zaza renders the overlays with these (the HA bundle's OS_VIP00,
    # the local overlay's TEST_MISTRAL_CHARM)
    passed = {name.strip() for name in settings['passenv'].split(',')}
    assert {'OS_*', 'TEST_*'} <= passed


@pytest.fixture
def zaza_overlays(zaza_in_src, monkeypatch):
    """zaza's overlay rendering, with a cloud type instead of a
    controller's."""
    deploy = require('zaza.charm_lifecycle.deploy')
    monkeypatch.setattr('zaza.controller.get_cloud_type', lambda: 'lxd')
    monkeypatch.delenv('TEST_MISTRAL_CHARM', raising=False)
    return deploy


@pytest.mark.parametrize('given, deployed', [
    (None, PACKED_CHARM),
    # the development switch: charm-build's output
    ('build/mistral', SRC.parent / 'build' / 'mistral'),
])
def test_local_overlay_keeps_the_packed_charm_or_takes_test_mistral_charm(
        zaza_overlays, monkeypatch, tmp_path, given, deployed):
    if given:
        monkeypatch.setenv('TEST_MISTRAL_CHARM', given)
    for name in bundle_names():
        assert zaza_overlays.should_render_local_overlay(
            str(BUNDLE_DIR / '{}.yaml'.format(name))), name
    rendered = yaml.safe_load(pathlib.Path(
        zaza_overlays.render_local_overlay(str(tmp_path))).read_text())
    charm = rendered['applications'][mistral_metadata()['name']]['charm']
    # absolute: Juju reads it relative to the rendered overlay's directory
    assert os.path.isabs(charm)
    assert pathlib.Path(charm).resolve() == deployed.resolve()


def bundles_with(app):
    return [name for name in bundle_names()
            if app in load_bundle(name)['applications']]


def test_bundles_with_vault_are_initialised_by_a_configure_step():
    assert 'noble-caracal-ha' in bundles_with('vault')
    config = load_tests_yaml()
    # one configure list for every bundle: the step skips those without
    assert config.get('configure') == [VAULT_STEP]
    # the deploy settles with vault waiting, before the configure step
    assert config['target_deploy_status']['vault'] == {
        'workload-status': 'blocked',
        'workload-status-message-prefix': 'Vault needs to be initialized'}


class FakeVault:
    """Vault's HTTP API behind every vault unit's address: one storage
    (initialised once), a seal per server."""

    ROOT, KEY = 'root-token', 'unseal-key'

    def __init__(self):
        self.initialised = 0
        self.sealed = {}
        self.tokens = []

    @staticmethod
    def answer(body):
        return types.SimpleNamespace(json=lambda: body,
                                     raise_for_status=lambda: None)

    @staticmethod
    def split(url):
        server, _, path = url.partition('/v1')
        return server, path

    def get(self, url, timeout):
        assert timeout
        server, path = self.split(url)
        return self.answer({
            '/sys/init': {'initialized': bool(self.initialised)},
            '/sys/seal-status': {'sealed': self.sealed.get(server, True)},
        }[path])

    def put(self, url, json, timeout):
        assert timeout
        server, path = self.split(url)
        if path == '/sys/init':
            assert not self.initialised
            self.initialised += 1
            return self.answer({'keys': [self.KEY], 'root_token': self.ROOT})
        assert path == '/sys/unseal' and json == {'key': self.KEY}
        self.sealed[server] = False
        return self.answer({'sealed': False})

    def post(self, url, json, headers, timeout):
        assert timeout and self.split(url)[1] == '/auth/token/create'
        assert headers == {'X-Vault-Token': self.ROOT}
        self.tokens.append('token-{}-{}'.format(len(self.tokens), json['ttl']))
        return self.answer({'auth': {'client_token': self.tokens[-1]}})


class FakeModel:
    """What the vault step asks of zaza.model, recorded."""

    CA = '-----BEGIN CERTIFICATE-----\nroot\n-----END CERTIFICATE-----\n'

    def __init__(self, apps):
        self.apps = apps
        self.root_ca = ''
        self.calls = []

    def get_status(self, model_name=None):
        return types.SimpleNamespace(applications=self.apps)

    def get_units(self, app, model_name=None):
        return [types.SimpleNamespace(public_address=a)
                for a in ('10.5.0.21', '10.5.0.22')]

    def run_action_on_leader(self, app, action, model_name=None,
                             action_params=None, raise_on_failure=False):
        self.calls.append((app, action, action_params))
        if action == 'generate-root-ca':
            self.root_ca = self.CA
        output = {'get-root-ca': self.root_ca,
                  'generate-root-ca': self.root_ca}.get(action)
        return types.SimpleNamespace(data={
            'status': 'completed',
            'results': {} if output is None else {'output': output}})

    def block_until_file_has_contents(self, app, path, contents,
                                      model_name=None, timeout=None):
        self.calls.append(('ca', app, path, contents))

    def wait_for_application_states(self, model_name=None, states=None,
                                    timeout=None):
        self.calls.append(('settled', states))


@pytest.fixture
def vault_step(zaza_in_src, monkeypatch, tmp_path):
    """The configure step, its module's zaza.model, requests and zaza's
    directory for the model replaced by fakes."""
    step = zaza_in_src.get_class(VAULT_STEP)
    module = sys.modules[step.__module__]
    vault = FakeVault()
    model = FakeModel({
        'vault': {'relations': {'certificates': ['keystone', 'mistral'],
                                'shared-db': ['vault-mysql-router']}},
        'keystone': {}, 'mistral': {}})
    monkeypatch.setattr(module, 'requests', vault)
    for name in ('get_status', 'get_units', 'run_action_on_leader',
                 'block_until_file_has_contents',
                 'wait_for_application_states'):
        monkeypatch.setattr(module.zaza.model, name, getattr(model, name))
    monkeypatch.setattr(module.deployment_env, 'get_tmpdir',
                        lambda model_name=None: str(tmp_path))
    return types.SimpleNamespace(run=step, vault=vault, model=model,
                                 keys=tmp_path / module.KEYS_FILE)


def test_vault_step_initialises_unseals_authorizes_and_waits_for_its_ca(
        vault_step):
    states = load_tests_yaml()['target_deploy_status']
    vault_step.run(states=states)
    vault, model = vault_step.vault, vault_step.model
    assert vault.initialised == 1
    assert vault.sealed == {'http://10.5.0.21:8200': False,
                            'http://10.5.0.22:8200': False}
    # the charm gets a short-lived token, never the root token
    assert model.calls[:3] == [
        ('vault', 'authorize-charm', {'token': 'token-0-10m'}),
        ('vault', 'get-root-ca', {}),
        ('vault', 'generate-root-ca', {})]
    ca = model.CA.strip()
    assert model.calls[3:] == [
        ('ca', 'keystone',
         '/usr/local/share/ca-certificates/vault_juju_ca_cert.crt', ca),
        ('ca', 'mistral', '/usr/local/share/ca-certificates/mistral_ca.crt',
         ca),
        ('settled', states)]
    # the keys are for their owner only, and a rerun on a kept model
    # unseals with them and keeps the CA
    assert stat.S_IMODE(vault_step.keys.stat().st_mode) == 0o600
    vault.sealed.clear()
    del model.calls[:]
    vault_step.run(states=states)
    assert vault.initialised == 1 and set(vault.sealed.values()) == {False}
    assert ('vault', 'generate-root-ca', {}) not in model.calls


def test_vault_step_leaves_a_model_without_vault_alone(vault_step):
    del vault_step.model.apps['vault']
    vault_step.run(states={})
    assert vault_step.model.calls == []
    assert not vault_step.vault.initialised


PEM = '-----BEGIN CERTIFICATE-----\nvault\n-----END CERTIFICATE-----\n'


@pytest.fixture
def keystone_in_model(zaza_in_src, monkeypatch, tmp_path):
    """A model whose Keystone told Mistral its URL (protocol set by the
    test; the VIP, not its unit's own address) and whose keystone units
    trust vault's CA."""
    juju_utils = require('zaza.utilities.juju')
    model = require('zaza.model')
    identity = {'service_protocol': 'https', 'service_host': '10.5.0.9',
                'service_port': '5000', 'auth_port': '35357'}
    ran = []

    def run_on_unit(unit, command, model_name=None):
        ran.append((unit, command))
        if command == ('cat /usr/local/share/ca-certificates/'
                       'vault_juju_ca_cert.crt'):
            return {'Code': '0', 'Stdout': PEM}
        return {'Code': '1', 'Stdout': ''}

    monkeypatch.setattr(model, 'get_lead_unit_name',
                        lambda app, model_name=None: app + '/1')
    monkeypatch.setattr(
        juju_utils, 'get_relation_from_unit',
        lambda unit, remote, endpoint, model_name=None:
        dict(identity) if (unit, remote, endpoint) == (
            'mistral/1', 'keystone', 'identity-service') else None)
    monkeypatch.setattr(model, 'get_application_config',
                        lambda app, model_name=None:
                        {'admin-password': {'value': ''}})
    monkeypatch.setattr(juju_utils, 'leader_get',
                        lambda app, key, model_name=None: 'admin-secret')
    monkeypatch.setattr(juju_utils, 'get_application_ip',
                        lambda app, model_name=None: '10.5.0.31')
    monkeypatch.setattr(model, 'get_status', lambda model_name=None:
                        types.SimpleNamespace(applications={'keystone': {
                            'relations': {'certificates': ['vault'],
                                          'shared-db': ['router']}}}))
    monkeypatch.setattr(model, 'run_on_unit', run_on_unit)
    monkeypatch.setattr('zaza.utilities.deployment_env.get_tmpdir',
                        lambda model_name=None: str(tmp_path))
    return types.SimpleNamespace(identity=identity, ran=ran)


@pytest.fixture
def base_test(zaza_in_src, monkeypatch):
    cls = zaza_in_src.get_class('tests.tests_mistral.MistralBaseTest')
    monkeypatch.setattr(cls, 'application_name', 'mistral', raising=False)
    monkeypatch.setattr(cls, 'model_name', 'zaza-test', raising=False)
    return cls


def test_the_suite_logs_in_where_keystone_said_with_its_ca(
        base_test, keystone_in_model):
    session = base_test.admin_session()
    assert session.auth.auth_url == 'https://10.5.0.9:5000/v3'
    assert pathlib.Path(session.verify).read_text() == PEM
    assert keystone_in_model.ran == [(
        'keystone/1',
        'cat /usr/local/share/ca-certificates/vault_juju_ca_cert.crt')]


def test_the_suite_logs_in_over_http_with_no_ca_when_keystone_says_so(
        base_test, keystone_in_model):
    keystone_in_model.identity.update(service_protocol='http',
                                      service_host='fd00::9')
    session = base_test.admin_session()
    assert session.auth.auth_url == 'http://[fd00::9]:5000/v3'
    assert session.verify is True
    assert keystone_in_model.ran == []


# --- the Mojo spec ---------------------------------------------------------

def manifest_phases():
    """(phase, {option: value}) of each directive of the manifest."""
    found = []
    for line in (MOJO_SPEC / 'manifest').read_text().splitlines():
        words = line.split()
        if words and not words[0].startswith('#'):
            found.append((words[0], dict(w.split('=', 1) for w in words[1:])))
    return found


def test_mojo_manifest_runs_files_of_its_spec():
    phases = manifest_phases()
    assert [p for p, _ in phases if p == 'bundle'] == ['bundle']
    assert {p for p, _ in phases} == {'script', 'bundle', 'verify'}
    for phase, options in phases:
        path = MOJO_SPEC / options['config']
        assert path.is_file(), path   # links resolve in the repository
        if phase != 'bundle':
            text = path.read_text()
            assert text.startswith('#!/usr/bin/env python3\n'), path
            assert os.access(path, os.X_OK), path
            compile(text, str(path), 'exec')


def render_mojo_bundle(**variables):
    template = jinja2.Template((MOJO_SPEC / 'mistral-ha.yaml').read_text(),
                               undefined=jinja2.StrictUndefined)
    return yaml.safe_load(template.render(variables))


def test_mojo_bundle_is_the_ha_bundle_with_charm_and_vip_from_the_env():
    mojo = render_mojo_bundle(MISTRAL_CHARM='/srv/mistral.charm',
                              MOJO_OS_VIP01='10.5.100.1')
    expected = load_bundle('noble-caracal-ha')
    del expected['local_overlay_enabled']
    mistral = expected['applications']['mistral']
    mistral['charm'] = '/srv/mistral.charm'
    mistral['options']['vip'] = '10.5.100.1'
    assert mojo == expected
    assert relation_problems(mojo) == []


def mojo_module(name):
    spec = importlib.util.spec_from_file_location(
        'mojo_' + name, MOJO_SPEC / (name + '.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_mojo_openrc_round_trips_and_wins_over_mojos_own_os_variables(
        tmp_path):
    endpoint = mojo_module('mistral_endpoint')
    admin = {'OS_AUTH_URL': 'https://10.5.0.9:5000/v3',
             'OS_USERNAME': 'admin', 'OS_PASSWORD': "it's $ecret",
             'OS_PROJECT_NAME': 'admin', 'OS_CACERT': '/tmp/m/ca.crt'}
    openrc = tmp_path / 'admin-openrc'
    endpoint.write_openrc(str(openrc), admin)
    assert stat.S_IMODE(openrc.stat().st_mode) == 0o600
    assert endpoint.read_openrc(str(openrc)) == admin
    sourced = subprocess.run(
        ['bash', '-c', '. "$0" && printf %s "$OS_PASSWORD"', str(openrc)],
        capture_output=True, text=True, check=True).stdout
    assert sourced == admin['OS_PASSWORD']
    undercloud = {'OS_AUTH_URL': 'http://undercloud:5000/v3',
                  'OS_REGION_NAME': 'RegionOne', 'HOME': '/root'}
    assert endpoint.credentials(dict(
        undercloud, MISTRAL_OPENRC=str(openrc))) == dict(
            admin, OS_REGION_NAME='RegionOne')
    with pytest.raises(SystemExit, match='OS_USERNAME, OS_PASSWORD'):
        endpoint.credentials(undercloud)


def test_mojo_endpoint_takes_the_interface_and_region_asked():
    endpoint = mojo_module('mistral_endpoint')
    catalog = [{'type': 'workflowv2', 'endpoints': [
        {'interface': i, 'region': r, 'url': '{}-{}'.format(i, r)}
        for i in ('public', 'internal') for r in ('One', 'Two')]}]
    assert endpoint.catalog_url(catalog, 'workflowv2', 'internal',
                                'Two') == 'internal-Two'
    assert endpoint.catalog_url(catalog, 'workflowv2', 'public') == \
        'public-One'
    with pytest.raises(LookupError):
        endpoint.catalog_url(catalog, 'identity', 'public')
