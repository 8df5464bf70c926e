"""The build files, checked offline: constraints, tox.ini, charmcraft.yaml,
and that src/ is complete on its own.

- requirements/constraints.txt pins (``==``) every package that a tox env
  names in its deps (directly or through the requirements files it
  includes), that tools/prepare installs, and that the charm's wheelhouse
  ships; each env applies it.
- charmcraft.yaml has what `charmcraft pack` needs to build our reactive
  charm: the reactive plugin on src/ with our layer and interface
  directories, platforms matching metadata.yaml's series. (charmcraft's
  own validation of it runs in `tox -e charmcraft-check`:
  unit_tests/charmcraft_check/.)
- src/, the part charmcraft builds, has no link out of itself, and each
  action's entry point runs the dispatcher once built.

Package names compare as PEP 503 normalises them.
"""

import configparser
import glob
import os
import re
import shutil
import subprocess

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONSTRAINTS = os.path.join(ROOT, 'requirements', 'constraints.txt')
TOX_INI = os.path.join(ROOT, 'tox.ini')
CONSTRAINTS_DEP = '-c{toxinidir}/requirements/constraints.txt'

# The envs the README and CI use; each must be parsed with packages in it.
TOX_ENVS = ('pep8', 'py3', 'zaza-offline', 'build', 'charmcraft-check',
            'func-local', 'deploy-local', 'func', 'func-smoke')

# Ubuntu series the charm may name in metadata.yaml, and their releases.
SERIES_CHANNELS = {'focal': '20.04', 'jammy': '22.04', 'noble': '24.04'}
ARCHITECTURES = {'amd64', 'arm64', 'ppc64el', 's390x'}

NAME = re.compile(r'^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$')


def normalise(name):
    """A package name as PEP 503 compares it."""
    return re.sub(r'[-_.]+', '-', name).lower()


def requirement_lines(text):
    """The meaningful lines of a requirements file, comments stripped."""
    for raw in text.splitlines():
        line = re.sub(r'(^|\s)#.*$', '', raw).strip()
        if line:
            yield line


def parse_requirement(line):
    """(normalised name, specifier without markers) of one requirement."""
    match = NAME.match(line.split(';', 1)[0].strip())
    if not match:
        raise ValueError('cannot parse requirement {!r}'.format(line))
    return normalise(match.group(1)), match.group(3).replace(' ', '')


def option_path(line, option, base):
    """The file of a `-r file`/`-c file` line, or None."""
    long_names = {'r': 'requirement', 'c': 'constraint'}
    short, long_ = '-' + option, '--' + long_names[option]
    for prefix in (long_ + '=', long_, short):
        if line.startswith(prefix):
            return os.path.join(base, line[len(prefix):].strip())
    return None


def requirements_of(lines, base, source, root=ROOT):
    """{name: [(specifier, where)]} of requirement lines, following -r
    includes (relative to base); -c lines and other options are skipped.
    `where` is source, or the included file's path relative to root."""
    found = {}
    for line in lines:
        included = option_path(line, 'r', base)
        if included:
            with open(included) as f:
                nested = requirements_of(
                    requirement_lines(f.read()), os.path.dirname(included),
                    os.path.relpath(included, root), root)
            for name, uses in nested.items():
                found.setdefault(name, []).extend(uses)
            continue
        if line.startswith('-'):
            continue
        name, spec = parse_requirement(line)
        found.setdefault(name, []).append((spec, source))
    return found


def read_constraints(path=CONSTRAINTS):
    """{normalised name: version}; every line must be an exact pin."""
    pins = {}
    with open(path) as f:
        for line in requirement_lines(f.read()):
            match = re.match(r'^([A-Za-z0-9][A-Za-z0-9._-]*)==([^=;\s]+)$',
                             line)
            if not match:
                raise ValueError('not a name==version pin: {!r}'.format(line))
            name = normalise(match.group(1))
            if name in pins:
                raise ValueError('pinned twice: {}'.format(name))
            pins[name] = match.group(2)
    return pins


def read_tox(path=TOX_INI):
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(path)
    return parser


def expand(parser, section, key, toxinidir):
    """A multi-line tox value with {[section]key} and {toxinidir} done."""
    value = parser.get(section, key, fallback='')

    def substitute(match):
        return expand(parser, match.group(1), match.group(2), toxinidir)

    value = re.sub(r'\{\[([^\]]+)\]([^}]+)\}', substitute, value)
    return value.replace('{toxinidir}', toxinidir)


def env_sections(parser):
    return {name.split(':', 1)[1]: name for name in parser.sections()
            if name.startswith('testenv:')}


def env_deps(parser, section, toxinidir):
    raw = expand(parser, section, 'deps', toxinidir) if parser.has_option(
        section, 'deps') else expand(parser, 'testenv', 'deps', toxinidir)
    return [line.strip() for line in raw.splitlines() if line.strip()]


def unpinned_packages(tox_ini=TOX_INI, constraints=CONSTRAINTS):
    """[(env, package, where)] that an env installs and nothing pins."""
    toxinidir = os.path.dirname(tox_ini)
    parser = read_tox(tox_ini)
    pins = read_constraints(constraints)
    missing = []
    for env, section in sorted(env_sections(parser).items()):
        deps = env_deps(parser, section, toxinidir)
        for name, uses in sorted(requirements_of(
                deps, toxinidir, 'tox.ini [{}]'.format(section),
                toxinidir).items()):
            if name not in pins:
                missing.append((env, name, uses[0][1]))
    return missing


def wheelhouse_files():
    return sorted(glob.glob(os.path.join(ROOT, 'src', 'wheelhouse.txt')) +
                  glob.glob(os.path.join(ROOT, 'layers', '*',
                                         'wheelhouse.txt')))


def requirement_files():
    return sorted(f for f in glob.glob(os.path.join(ROOT, 'requirements',
                                                    '*.txt'))
                  if f != CONSTRAINTS)


# -- the constraints file ---------------------------------------------------

def test_constraints_are_exact_pins_one_per_package():
    pins = read_constraints()
    assert len(pins) > 50  # the whole resolved set, not a handful
    for tool in ('pip', 'setuptools', 'wheel', 'virtualenv', 'tox'):
        assert tool in pins, tool


def test_every_env_applies_the_constraints():
    parser = read_tox()
    setenv = expand(parser, 'testenv', 'setenv', ROOT)
    path = os.path.join(ROOT, 'requirements', 'constraints.txt')
    for var in ('PIP_CONSTRAINT', 'PIP_BUILD_CONSTRAINT'):
        assert '{} = {}'.format(var, path) in setenv, var
    sections = env_sections(parser)
    assert set(TOX_ENVS) <= set(sections)
    for env, section in sections.items():
        deps = env_deps(parser, section, '{toxinidir}')
        assert CONSTRAINTS_DEP in deps, env
        # the pinned ones replace those the virtualenv seeded
        assert {'pip', 'setuptools'} <= set(deps), env
        if parser.has_option(section, 'setenv'):
            assert '{[testenv]setenv}' in parser.get(section, 'setenv'), env


@pytest.mark.parametrize('env', TOX_ENVS)
def test_env_names_packages(env):
    """Guards the parser: each env's deps yield packages to check."""
    parser = read_tox()
    deps = env_deps(parser, 'testenv:' + env, ROOT)
    assert requirements_of(deps, ROOT, env)


def test_every_package_a_tox_env_installs_is_pinned():
    assert unpinned_packages() == []


def test_an_unpinned_package_is_reported(tmp_path):
    (tmp_path / 'requirements').mkdir()
    (tmp_path / 'requirements' / 'constraints.txt').write_text(
        'pytest==9.0.0\nPyYAML==6.0.2\n')
    (tmp_path / 'requirements' / 'unit.txt').write_text(
        '# comment\npytest  # the runner\npyyaml>=6\nleft_pad[extra]\n')
    (tmp_path / 'tox.ini').write_text(
        '[testenv]\ndeps = ' + CONSTRAINTS_DEP + '\n'
        '[testenv:py3]\ndeps =\n    {[testenv]deps}\n'
        '    -r{toxinidir}/requirements/unit.txt\n'
        '[testenv:lint]\ndeps = Flake8\n')
    assert unpinned_packages(
        str(tmp_path / 'tox.ini'),
        str(tmp_path / 'requirements' / 'constraints.txt')) == [
            ('lint', 'flake8', 'tox.ini [testenv:lint]'),
            ('py3', 'left-pad', 'requirements/unit.txt'),
        ]


def test_every_requirements_file_is_pinned():
    """Also those no tox env names: tools/prepare's and the backends pip
    builds sdists with."""
    pins = read_constraints()
    for path in requirement_files():
        with open(path) as f:
            names = requirements_of(requirement_lines(f.read()),
                                    os.path.dirname(path), path)
        assert sorted(set(names) - set(pins)) == [], path


def test_pins_satisfy_every_requirement():
    specifiers = pytest.importorskip('packaging.specifiers')
    pins = read_constraints()
    sources = requirement_files() + wheelhouse_files()
    for path in sources:
        with open(path) as f:
            found = requirements_of(requirement_lines(f.read()),
                                    os.path.dirname(path), path)
        for name, uses in found.items():
            for spec, where in uses:
                assert specifiers.SpecifierSet(spec).contains(
                    pins[name], prereleases=True), (name, spec, where)


def test_wheelhouse_pins_are_the_constraints():
    pins = read_constraints()
    assert wheelhouse_files()
    for path in wheelhouse_files():
        with open(path) as f:
            for line in requirement_lines(f.read()):
                name, spec = parse_requirement(line)
                assert spec.startswith('=='), (path, line)
                assert spec[2:] == pins.get(name), (path, line)


def test_prepare_installs_pinned_tox():
    with open(os.path.join(ROOT, 'tools', 'prepare')) as f:
        prepare = f.read()
    assert 'requirements/tox.txt' in prepare
    assert 'requirements/constraints.txt' in prepare


# -- charmcraft.yaml ----------------------------------------------------------

@pytest.fixture(scope='module')
def charmcraft():
    with open(os.path.join(ROOT, 'charmcraft.yaml')) as f:
        return yaml.safe_load(f)


@pytest.fixture(scope='module')
def part(charmcraft):
    reactive = [p for p in charmcraft['parts'].values()
                if p.get('plugin') == 'reactive']
    assert len(reactive) == 1
    return reactive[0]


def build_environment(part):
    env = {}
    for entry in part.get('build-environment', []):
        assert isinstance(entry, dict) and len(entry) == 1, entry
        env.update(entry)
    return env


def project_path(value):
    assert value.startswith('$CRAFT_PROJECT_DIR/'), value
    return os.path.join(ROOT, value[len('$CRAFT_PROJECT_DIR/'):])


def includes(layer_dir):
    with open(os.path.join(layer_dir, 'layer.yaml')) as f:
        return (yaml.safe_load(f) or {}).get('includes', [])


def test_charmcraft_type_and_source(charmcraft, part):
    assert charmcraft['type'] == 'charm'
    source = os.path.join(ROOT, part['source'])
    for name in ('metadata.yaml', 'layer.yaml'):
        assert os.path.isfile(os.path.join(source, name)), name


def test_charmcraft_builds_like_build_charm(part):
    with open(os.path.join(ROOT, 'tools', 'build-charm')) as f:
        build_charm = f.read()
    args = part['reactive-charm-build-arguments']
    assert '--binary-wheels' in args and '--binary-wheels' in build_charm
    assert build_environment(part).get('PIP_NO_DEPS') == '1'
    assert 'PIP_NO_DEPS=1' in build_charm
    snaps = [s.split('/')[0] for s in part['build-snaps']]
    assert 'charm' in snaps


def test_charmcraft_layer_dirs_hold_every_include(part):
    env = build_environment(part)
    layers = project_path(env['CHARM_LAYERS_DIR'])
    interfaces = project_path(env['CHARM_INTERFACES_DIR'])
    assert os.path.isdir(layers) and os.path.isdir(interfaces)
    todo, seen = [os.path.join(ROOT, part['source'])], set()
    while todo:
        layer_dir = todo.pop()
        for include in includes(layer_dir):
            kind, name = include.split(':', 1)
            assert kind in ('layer', 'interface'), include
            where = os.path.join(layers if kind == 'layer' else interfaces,
                                 name)
            assert os.path.isdir(where), include
            if kind == 'layer' and include not in seen:
                seen.add(include)
                todo.append(where)
    assert seen  # the base layer at least


def metadata():
    with open(os.path.join(ROOT, 'src', 'metadata.yaml')) as f:
        return yaml.safe_load(f)


def test_charmcraft_names_the_charm_as_metadata_does(charmcraft):
    """The reactive plugin takes charm-build's output from the directory
    named after charmcraft.yaml's name; charm-build names it after
    metadata.yaml's."""
    assert charmcraft['name'] == metadata()['name']
    assert charmcraft['summary'] == metadata()['summary']


def test_charmcraft_platforms_match_metadata_series(charmcraft):
    """One platform per release and architecture, in the multi-base
    shorthand: each builds on and for the base and architecture it names
    (the bases form cannot name 24.04 in charmcraft 4)."""
    assert 'bases' not in charmcraft and 'base' not in charmcraft
    wanted = {'ubuntu@{}:{}'.format(SERIES_CHANNELS[series], arch)
              for series in metadata()['series'] for arch in ARCHITECTURES}
    assert set(charmcraft['platforms']) == wanted
    assert set(charmcraft['platforms'].values()) == {None}


# -- src/ on its own ----------------------------------------------------------

def links_leaving(top):
    """[(path relative to top, link text)] of the symlinks under top that
    do not resolve to something that exists inside top."""
    top = os.path.realpath(top)
    found = []
    for dirpath, dirnames, filenames in os.walk(top):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            if not os.path.islink(path):
                continue
            target = os.path.realpath(path)
            if not (os.path.exists(target) and
                    os.path.commonpath([top, target]) == top):
                found.append((os.path.relpath(path, top), os.readlink(path)))
    return sorted(found)


def test_no_link_under_src_leaves_src():
    """charmcraft's reactive plugin builds a copy of src/ alone (the part's
    `source: src/`), made by craft-parts' local source, which copies links
    as links: one into layers/ dangles there. charm-build then copies what
    each link of a layer resolves to (its CopyTactic: shutil.copy2), and
    fails on a dangling one, such as a link to a file that only the built
    charm has (the base layer's actions/openstack_actions.py)."""
    assert links_leaving(os.path.join(ROOT, 'src')) == []


def test_links_leaving_finds_outside_and_dangling_links(tmp_path):
    top = tmp_path / 'src'
    (top / 'actions').mkdir(parents=True)
    (top / 'actions' / 'entry.py').write_text('')
    (top / 'actions' / 'inside').symlink_to('entry.py')
    (top / 'lib').symlink_to('actions')
    (tmp_path / 'layer.py').write_text('')
    (top / 'actions' / 'outside').symlink_to('../../layer.py')
    (top / 'actions' / 'built-only').symlink_to('openstack_actions.py')
    assert links_leaving(str(top)) == [
        ('actions/built-only', 'openstack_actions.py'),
        ('actions/outside', '../../layer.py'),
    ]


def charm_actions():
    with open(os.path.join(ROOT, 'src', 'actions.yaml')) as f:
        return sorted(yaml.safe_load(f))


@pytest.mark.parametrize('name', charm_actions())
def test_built_action_runs_the_dispatcher_by_its_name(tmp_path, name):
    """The built charm's actions/<name> is a copy of what src/actions/<name>
    resolves to, with the charm's lib/ beside actions/: run there, it must
    activate the hook venv, then hand its own path to
    openstack_base.actions.main (both faked here: they print)."""
    charm = tmp_path / 'mistral'
    lib = charm / 'lib'
    (charm / 'actions').mkdir(parents=True)
    (lib / 'openstack_base').mkdir(parents=True)
    entry = charm / 'actions' / name
    shutil.copy(os.path.join(ROOT, 'src', 'actions', name), str(entry))
    (lib / 'hook_bootstrap.py').write_text(
        'def activate_venv():\n    print("venv")\n')
    (lib / 'openstack_base' / '__init__.py').write_text('')
    (lib / 'openstack_base' / 'actions.py').write_text(
        'import os\n\n\ndef main(argv):\n'
        '    print(os.path.basename(argv[0]))\n    return 0\n')
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    ran = subprocess.run([str(entry)], capture_output=True, text=True,
                         env=env, timeout=60)
    assert (ran.returncode, ran.stdout.split()) == (0, ['venv', name]), \
        ran.stderr
