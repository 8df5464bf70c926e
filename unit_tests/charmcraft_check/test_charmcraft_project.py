"""charmcraft.yaml as charmcraft itself reads it (tox -e charmcraft-check).

`charmcraft pack` first loads and validates the project, then plans one
build per platform, then builds each in an LXD instance of the
platform's Ubuntu release, where the reactive plugin copies src/ and runs
charm-tools on it. Here, with the pinned charmcraft from PyPI
(requirements/charmcraft.txt):

- charmcraft's own loading and validation: `charmcraft expand-extensions`
  reads charmcraft.yaml as pack does (metadata, extensions, the project
  model, which checks the bases and the part against the reactive
  plugin's options) and prints the project with $CRAFT_* expanded;
- the build plan, made by craft-platforms as charmcraft makes it;
- the part's source as the instance gets it: craft-parts' local source
  copy of src/.

Not here: the builds. They need LXD and Ubuntu 22.04/24.04 instances,
which this Debian machine (no LXD, no snapd) cannot run; the same
charm-build on the same layers runs in `tox -e build`. charmcraft from
PyPI needs no snap for this; it needs a state directory and a home,
which each run gets under tmp_path.
"""

import os
import subprocess
import sys

import craft_platforms
import pytest
import yaml
from charmcraft import const
from charmcraft.application.main import APP_METADATA
from craft_parts import ProjectDirs
from craft_parts.sources import LocalSource

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
CHARMCRAFT = os.path.join(os.path.dirname(sys.executable), 'charmcraft')
SERIES_BASES = {'jammy': 'ubuntu@22.04', 'noble': 'ubuntu@24.04'}
ARCHITECTURES = {'amd64', 'arm64', 'ppc64el', 's390x'}


def ubuntu_amd64(channel):
    return {'name': 'ubuntu', 'channel': channel, 'architectures': ['amd64']}


def load_yaml(*path):
    with open(os.path.join(*path)) as f:
        return yaml.safe_load(f)


def charmcraft(project_dir, scratch, *args):
    """Run charmcraft in project_dir, with its state, logs and home under
    scratch (it writes its state into $HOME when the runtime dir is in
    /tmp, and fails when that home is missing)."""
    env = dict(os.environ, CRAFT_STATE_DIR=str(scratch / 'state'))
    for var, name in (('HOME', 'home'), ('XDG_RUNTIME_DIR', 'run'),
                      ('XDG_STATE_HOME', 'xdg-state'),
                      ('XDG_CACHE_HOME', 'cache'),
                      ('XDG_CONFIG_HOME', 'config')):
        (scratch / name).mkdir(mode=0o700, parents=True, exist_ok=True)
        env[var] = str(scratch / name)
    return subprocess.run([CHARMCRAFT] + list(args), cwd=str(project_dir),
                          env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture(scope='module')
def expanded(tmp_path_factory):
    """The project as charmcraft loads it for pack."""
    ran = charmcraft(ROOT, tmp_path_factory.mktemp('charmcraft'),
                     'expand-extensions')
    assert ran.returncode == 0, ran.stderr
    return yaml.safe_load(ran.stdout)


def test_charmcraft_accepts_the_project(expanded):
    assert expanded['type'] == 'charm'
    assert expanded['name'] == load_yaml(ROOT, 'src', 'metadata.yaml')['name']
    assert expanded['parts']['charm']['plugin'] == 'reactive'


@pytest.mark.parametrize('change, refusal', [
    # charmcraft 4's bases form stops at 22.04 (charmcraft.yaml's former form)
    ({'bases': [{'build-on': [ubuntu_amd64('22.04')],
                 'run-on': [ubuntu_amd64('22.04'), ubuntu_amd64('24.04')]}],
      'platforms': None},
     "Base requires 'platforms' definition"),
    # the project model checks the part against the plugin's options
    ({'parts': {'charm': {'plugin': 'reactive', 'source': 'src/',
                          'reactive-charm-build-argument': ['-v']}}},
     'reactive-charm-build-argument'),
    # a platform builds on the base it is for
    ({'platforms': {'noble-amd64': {'build-on': ['ubuntu@22.04:amd64'],
                                    'build-for': ['ubuntu@24.04:amd64']}}},
     'mismatched bases'),
])
def test_charmcraft_refuses_what_it_must(tmp_path, change, refusal):
    """The check above can fail: charmcraft refuses a broken copy."""
    project = load_yaml(ROOT, 'charmcraft.yaml')
    project.update(change)
    project = {k: v for k, v in project.items() if v is not None}
    (tmp_path / 'project').mkdir()
    with open(tmp_path / 'project' / 'charmcraft.yaml', 'w') as f:
        yaml.safe_dump(project, f)
    ran = charmcraft(tmp_path / 'project', tmp_path, 'expand-extensions')
    assert ran.returncode != 0
    assert refusal in ran.stderr


def test_every_platform_builds_on_the_base_it_runs_on():
    """charmcraft's build plan (craft-platforms from the raw YAML, as its
    build-plan service makes it): one build per release and architecture
    of metadata.yaml's series, each on that release (a platform may not
    build on another base), with the reactive plugin allowed on it."""
    plan = craft_platforms.get_build_plan(
        'charmcraft', project_data=load_yaml(ROOT, 'charmcraft.yaml'))
    builds = {(str(b.build_base), str(b.build_on), str(b.build_for))
              for b in plan}
    series = load_yaml(ROOT, 'src', 'metadata.yaml')['series']
    assert builds == {(SERIES_BASES[s], arch, arch)
                      for s in series for arch in ARCHITECTURES}
    assert {base for base, _, _ in builds} <= const.REACTIVE_PLUGIN_BASES


def test_build_environment_names_our_layer_dirs(expanded):
    """charmcraft expands $CRAFT_PROJECT_DIR to the project's directory
    (in the build instance, where the project is mounted), so charm-build
    finds our layers and interfaces there instead of fetching any."""
    env = {}
    for entry in expanded['parts']['charm']['build-environment']:
        env.update(entry)
    assert env['CHARM_LAYERS_DIR'] == os.path.join(ROOT, 'layers', '')
    assert env['CHARM_INTERFACES_DIR'] == os.path.join(ROOT, 'interfaces',
                                                       '')
    assert os.path.isdir(os.path.join(ROOT, 'layers', 'openstack-base'))
    assert env['PIP_NO_DEPS'] == '1'


def test_the_part_source_is_complete_on_its_own(tmp_path, expanded):
    """src/ as the build instance gets it, copied by craft-parts' local
    source with charmcraft's ignore patterns: links stay links, so each
    must resolve inside the copy (charm-build then copies what it
    resolves to), and each action of actions.yaml must be there."""
    source = expanded['parts']['charm']['source']
    copy = tmp_path / 'parts' / 'charm' / 'src'
    LocalSource(os.path.join(ROOT, source), copy,
                cache_dir=tmp_path / 'cache',
                project_dirs=ProjectDirs(work_dir=tmp_path),
                ignore_patterns=['.craft'] +
                list(APP_METADATA.source_ignore_patterns)).pull()
    dangling = []
    for dirpath, dirnames, filenames in os.walk(copy):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            target = os.path.realpath(path)
            if os.path.islink(path) and not (
                    os.path.exists(target) and
                    target.startswith(str(copy) + os.sep)):
                dangling.append((os.path.relpath(path, copy),
                                 os.readlink(path)))
    assert dangling == []
    for action in load_yaml(copy, 'actions.yaml'):
        assert os.path.isfile(copy / 'actions' / action), action


def test_the_dashboards_staged_project_is_accepted_and_complete(tmp_path):
    """mistral-dashboard's project (dashboard/), staged with the layers
    and interfaces as tools/stage-charmcraft lays it out for packing:
    charmcraft accepts it, its dirs hold what its layer.yaml includes,
    and it builds on the bases it runs on, as mistral does."""
    staged = subprocess.run(
        ['bash', os.path.join(ROOT, 'tools', 'stage-charmcraft'),
         'dashboard'], capture_output=True, text=True, check=True,
        env=dict(os.environ, CHARMCRAFT_STAGE_DIR=str(tmp_path / 'stage')),
    ).stdout.strip()
    ran = charmcraft(staged, tmp_path, 'expand-extensions')
    assert ran.returncode == 0, ran.stderr
    project = yaml.safe_load(ran.stdout)
    metadata = load_yaml(staged, 'src', 'metadata.yaml')
    assert project['name'] == metadata['name'] == 'mistral-dashboard'
    assert metadata['subordinate'] is True
    env = {}
    for entry in project['parts']['charm']['build-environment']:
        env.update(entry)
    for include in load_yaml(staged, 'src', 'layer.yaml')['includes']:
        kind, name = include.split(':')
        where = env['CHARM_LAYERS_DIR' if kind == 'layer' else
                    'CHARM_INTERFACES_DIR']
        assert os.path.isdir(os.path.join(where, name)), include
    plan = craft_platforms.get_build_plan(
        'charmcraft', project_data=load_yaml(staged, 'charmcraft.yaml'))
    assert {(str(b.build_base), str(b.build_for)) for b in plan} == {
        (SERIES_BASES[s], arch) for s in metadata['series']
        for arch in ARCHITECTURES}
