"""layer:hook-bootstrap: config flags, venv decisions, apt, a real venv.

The hook tools and apt are replaced by small scripts on PATH, so the real
charmhelpers/charms.reactive code and the real subprocess calls run.
"""

import base64
import hashlib
import json
import os
import subprocess
import sys
import textwrap
import zipfile

import pytest
from charmhelpers.core import hookenv, unitdata
from charms.reactive import get_flags
from relation_sim import open_unit_state

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAYER = os.path.join(ROOT, 'layers', 'hook-bootstrap')
sys.path.insert(0, os.path.join(LAYER, 'lib'))

import hook_bootstrap  # noqa: E402

CONFIG_YAML = """\
options:
  debug: {type: boolean, default: false, description: d}
  region: {type: string, default: RegionOne, description: r}
  vip: {type: string, description: v}
"""


def write_tool(bin_dir, name, body):
    path = os.path.join(str(bin_dir), name)
    with open(path, 'w') as tool:
        tool.write('#!/bin/sh\n' + textwrap.dedent(body))
    os.chmod(path, 0o755)
    return path


# --- config.changed flags -------------------------------------------------

class FakeUnit:
    """A charm dir, a unit state db and a config-get reading a JSON file."""

    def __init__(self, tmp_path, monkeypatch):
        self.charm = tmp_path / 'charm'
        self.charm.mkdir()
        (self.charm / 'config.yaml').write_text(CONFIG_YAML)
        bin_dir = tmp_path / 'bin'
        bin_dir.mkdir()
        self.config_file = tmp_path / 'config.json'
        write_tool(bin_dir, 'config-get',
                   'cat "{}"\n'.format(self.config_file))
        write_tool(bin_dir, 'juju-log', 'exit 0\n')
        monkeypatch.setenv('PATH', '{}:{}'.format(bin_dir,
                                                  os.environ['PATH']))
        monkeypatch.setenv('CHARM_DIR', str(self.charm))
        monkeypatch.setenv('UNIT_STATE_DB', str(tmp_path / 'state.db'))
        monkeypatch.setattr(hookenv, '_cache_config', None)
        self.state_db = str(tmp_path / 'state.db')
        self.unit_state = open_unit_state(self.state_db)
        monkeypatch.setattr(unitdata, 'kv', lambda: self.unit_state)
        monkeypatch.setattr(hookenv, '_atstart', [])
        monkeypatch.setattr(hookenv, '_atexit', [])

    def run_hook(self, config):
        """What the hook template does around charms.reactive's dispatch;
        returns the flags seen by handlers and those left afterwards."""
        # `config-get --all` lists unset options too, as null.
        config = dict({'debug': None, 'region': None, 'vip': None}, **config)
        self.config_file.write_text(json.dumps(config))
        hookenv._cache_config = None
        hookenv.cache.clear()
        # each hook reopens the state db
        self.unit_state = open_unit_state(self.state_db)
        hookenv.atstart(hook_bootstrap.init_config_states)
        hookenv.atexit(hook_bootstrap.clear_config_states)
        hookenv._run_atstart()
        during = set(get_flags())
        hookenv._run_atexit()
        self.unit_state = open_unit_state(self.state_db)
        return during, set(get_flags())


def config_flags(flags, kind):
    prefix = 'config.{}.'.format(kind)
    return {flag[len(prefix):] for flag in flags if flag.startswith(prefix)}


def test_first_hook_sees_every_set_option_as_changed(tmp_path, monkeypatch):
    unit = FakeUnit(tmp_path, monkeypatch)
    during, after = unit.run_hook({'debug': False, 'region': 'RegionOne'})
    assert 'config.changed' in during
    assert config_flags(during, 'changed') == {'debug', 'region', 'vip'}
    assert config_flags(during, 'set') == {'region'}
    assert config_flags(during, 'default') == {'debug', 'region', 'vip'}
    # cleared at exit; set/default describe the values and stay
    assert 'config.changed' not in after
    assert config_flags(after, 'changed') == set()
    assert config_flags(after, 'set') == {'region'}


def test_later_hooks_flag_only_what_changed(tmp_path, monkeypatch):
    unit = FakeUnit(tmp_path, monkeypatch)
    unit.run_hook({'debug': False, 'region': 'RegionOne'})

    during, _ = unit.run_hook({'debug': False, 'region': 'RegionOne'})
    assert not any(f.startswith('config.changed') for f in during)

    during, after = unit.run_hook({'debug': True, 'region': 'RegionOne',
                                   'vip': '10.0.0.100'})
    assert 'config.changed' in during
    assert config_flags(during, 'changed') == {'debug', 'vip'}
    assert config_flags(after, 'set') == {'debug', 'region', 'vip'}
    assert config_flags(after, 'default') == {'region'}

    during, after = unit.run_hook({'debug': False, 'region': 'RegionTwo'})
    assert config_flags(during, 'changed') == {'debug', 'region', 'vip'}
    assert config_flags(after, 'set') == {'region'}
    assert config_flags(after, 'default') == {'debug', 'vip'}


def test_clear_removes_flags_of_options_no_longer_defined(tmp_path,
                                                          monkeypatch):
    unit = FakeUnit(tmp_path, monkeypatch)
    unit.run_hook({'debug': False})
    from charms.reactive import set_flag
    set_flag('config.changed.gone')
    set_flag('config.changedness')     # not one of ours: must survive
    hook_bootstrap.clear_config_states()
    assert 'config.changed.gone' not in get_flags()
    assert 'config.changedness' in get_flags()


# --- the venv decision ------------------------------------------------------

@pytest.fixture
def charm(tmp_path, monkeypatch):
    """A unit dir: charm/ with a wheelhouse, the venv path beside it."""
    charm_dir = tmp_path / 'unit' / 'charm'
    (charm_dir / 'wheelhouse').mkdir(parents=True)
    (charm_dir / 'wheelhouse' / 'a-1.0-py3-none-any.whl').write_bytes(b'a')
    monkeypatch.setenv('CHARM_DIR', str(charm_dir))
    monkeypatch.delenv('JUJU_HOOK_NAME', raising=False)
    return charm_dir


@pytest.fixture
def actions(monkeypatch):
    """Records what bootstrap_charm_deps decided instead of doing it."""
    done = []
    monkeypatch.setattr(hook_bootstrap, 'build_venv',
                        lambda charm, venv, wanted: done.append('build'))
    monkeypatch.setattr(hook_bootstrap, 'reexec_in',
                        lambda venv: done.append('exec ' + venv))
    return done


def stamp_current(charm_dir):
    venv = hook_bootstrap.venv_dir(str(charm_dir))
    os.makedirs(venv, exist_ok=True)
    with open(os.path.join(venv, hook_bootstrap.STAMP_NAME), 'w') as out:
        json.dump(hook_bootstrap.wanted_state(str(charm_dir)), out)
    return venv


def test_venv_lives_beside_the_charm_dir(charm):
    assert hook_bootstrap.venv_dir() == str(charm.parent / '.venv')


def test_first_hook_builds_then_reexecs(charm, actions):
    hook_bootstrap.bootstrap_charm_deps('install')
    assert actions == ['build', 'exec ' + str(charm.parent / '.venv')]


def test_bootstrapped_unit_only_reexecs(charm, actions):
    venv = stamp_current(charm)
    hook_bootstrap.bootstrap_charm_deps('update-status')
    assert actions == ['exec ' + venv]


@pytest.mark.parametrize('hook', ['upgrade-charm', 'post-series-upgrade'])
def test_upgrade_hooks_rebuild(charm, actions, hook, monkeypatch):
    stamp_current(charm)
    monkeypatch.setenv('JUJU_HOOK_NAME', hook)
    hook_bootstrap.bootstrap_charm_deps()
    assert actions[0] == 'build'


def test_actions_never_force_a_rebuild(charm, actions, monkeypatch):
    venv = stamp_current(charm)
    monkeypatch.setenv('JUJU_HOOK_NAME', 'upgrade-charm')
    hook_bootstrap.activate_venv()
    assert actions == ['exec ' + venv]


def test_changed_wheelhouse_rebuilds(charm, actions):
    stamp_current(charm)
    (charm / 'wheelhouse' / 'b-2.0-py3-none-any.whl').write_bytes(b'b')
    hook_bootstrap.bootstrap_charm_deps('update-status')
    assert actions[0] == 'build'


def test_new_python_minor_rebuilds(charm, actions, tmp_path, monkeypatch):
    stamp_current(charm)
    newer = tmp_path / 'python3.99'
    newer.write_text('')
    link = tmp_path / 'python3'
    link.symlink_to(newer)
    monkeypatch.setattr(hook_bootstrap, 'SYSTEM_PYTHON', str(link))
    hook_bootstrap.bootstrap_charm_deps('update-status')
    assert actions[0] == 'build'


def test_inside_the_venv_nothing_happens(charm, actions, monkeypatch):
    venv = stamp_current(charm)
    monkeypatch.setattr(sys, 'prefix', venv)
    hook_bootstrap.bootstrap_charm_deps('upgrade-charm')
    assert actions == []


def test_corrupt_stamp_counts_as_not_bootstrapped(charm, actions):
    venv = stamp_current(charm)
    with open(os.path.join(venv, hook_bootstrap.STAMP_NAME), 'w') as out:
        out.write('{not json')
    hook_bootstrap.bootstrap_charm_deps('update-status')
    assert actions[0] == 'build'


def test_layer_options_reads_the_built_layer_yaml(tmp_path):
    (tmp_path / 'layer.yaml').write_text(
        'options:\n  hook-bootstrap:\n    packages: [jq, git]\n'
        '  other: {x: 1}\n')
    assert hook_bootstrap.layer_options(str(tmp_path)) == {
        'packages': ['jq', 'git']}
    assert hook_bootstrap.layer_options(str(tmp_path), 'other') == {'x': 1}
    assert hook_bootstrap.layer_options(str(tmp_path / 'nowhere')) == {}


def test_built_layer_yaml_defaults_packages_to_empty():
    import yaml
    with open(os.path.join(LAYER, 'layer.yaml')) as src:
        defines = yaml.safe_load(src)['defines']
    assert defines['packages']['default'] == []


# --- apt --------------------------------------------------------------------

@pytest.fixture
def fake_apt(tmp_path, monkeypatch):
    """dpkg-query knows a fixed set; apt-get logs its calls and fails as
    many times as the file `failures` says."""
    bin_dir = tmp_path / 'apt-bin'
    bin_dir.mkdir()
    log = tmp_path / 'apt.log'
    failures = tmp_path / 'failures'
    failures.write_text('0')
    write_tool(bin_dir, 'dpkg-query', """\
        for p in "$@"; do
            case "$p" in
                -*) ;;
                python3-yaml|python3-venv) echo "$p install ok installed" ;;
                python3-gone) echo "$p deinstall ok config-files" ;;
                *) echo "dpkg-query: no packages found matching $p" >&2 ;;
            esac
        done
        exit 1
        """)
    write_tool(bin_dir, 'apt-get', """\
        echo "$DEBIAN_FRONTEND $*" >> "{log}"
        n=$(cat "{failures}")
        if [ "$1" = install ] && [ "$n" -gt 0 ]; then
            echo $((n - 1)) > "{failures}"; exit 100
        fi
        """.format(log=log, failures=failures))
    monkeypatch.setenv('PATH', '{}:{}'.format(bin_dir, os.environ['PATH']))
    monkeypatch.setattr(hook_bootstrap, 'APT_RETRY_SECONDS', 0)
    return log, failures


def test_apt_installs_only_missing_packages(fake_apt):
    log, _ = fake_apt
    installed = hook_bootstrap.apt_install(
        ['python3-yaml', 'python3-psutil', 'python3-gone'])
    assert installed == ['python3-psutil', 'python3-gone']
    calls = log.read_text().splitlines()
    assert len(calls) == 1
    assert calls[0].startswith('noninteractive install --yes')
    assert calls[0].endswith(' python3-psutil python3-gone')


def test_apt_not_called_when_all_installed(fake_apt):
    log, _ = fake_apt
    assert hook_bootstrap.apt_install(['python3-yaml', 'python3-venv']) == []
    assert not log.exists()


def test_apt_retries_after_update(fake_apt):
    log, failures = fake_apt
    failures.write_text('2')
    assert hook_bootstrap.apt_install(['jq']) == ['jq']
    verbs = [line.split()[1] for line in log.read_text().splitlines()]
    assert verbs == ['install', 'update', 'install', 'update', 'install']


def test_apt_gives_up(fake_apt):
    _, failures = fake_apt
    failures.write_text('99')
    with pytest.raises(RuntimeError, match='jq'):
        hook_bootstrap.apt_install(['jq'])


# --- a real venv from a local wheelhouse (slow: a few seconds) --------------

def system_python_has_venv():
    python = hook_bootstrap.SYSTEM_PYTHON
    return os.path.exists(python) and subprocess.call(
        [python, '-c', 'import venv, ensurepip'],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) == 0


def make_wheel(wheelhouse, name, version):
    """A minimal pure-Python wheel whose module reports its version."""
    dist = '{}-{}'.format(name, version)
    files = {
        name + '.py': 'VERSION = {!r}\n'.format(version),
        dist + '.dist-info/METADATA':
            'Metadata-Version: 2.1\nName: {}\nVersion: {}\n'.format(
                name, version),
        dist + '.dist-info/WHEEL':
            'Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n'
            'Tag: py3-none-any\n',
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(
            hashlib.sha256(text.encode()).digest()).rstrip(b'=').decode()
        record.append('{},sha256={},{}'.format(path, digest, len(text)))
    record.append(dist + '.dist-info/RECORD,,')
    files[dist + '.dist-info/RECORD'] = '\n'.join(record) + '\n'
    path = os.path.join(str(wheelhouse), dist + '-py3-none-any.whl')
    with zipfile.ZipFile(path, 'w') as whl:
        for name_in_zip, text in files.items():
            whl.writestr(name_in_zip, text)
    return path


HOOK = """\
#!{python}
import json, os, sys
sys.path.append(os.path.join(
    os.path.dirname(os.path.dirname(os.path.realpath(__file__))), 'lib'))
import hook_bootstrap
hook_bootstrap.bootstrap_charm_deps()
import tinypkg
print(json.dumps({{'prefix': sys.prefix, 'tinypkg': tinypkg.VERSION,
                  'argv': sys.argv, 'venv': os.environ.get('VIRTUAL_ENV')}}))
"""


@pytest.mark.skipif(not system_python_has_venv(),
                    reason='system python3 cannot create venvs')
def test_real_bootstrap_builds_venv_and_reexecs(tmp_path):
    charm_dir = tmp_path / 'unit' / 'charm'
    for sub in ('lib', 'hooks', 'wheelhouse'):
        (charm_dir / sub).mkdir(parents=True)
    with open(os.path.join(LAYER, 'lib', 'hook_bootstrap.py')) as src:
        (charm_dir / 'lib' / 'hook_bootstrap.py').write_text(src.read())
    for hook in ('install', 'update-status', 'upgrade-charm'):
        write_tool(charm_dir / 'hooks', hook, '')   # then overwritten
        (charm_dir / 'hooks' / hook).write_text(
            HOOK.format(python=hook_bootstrap.SYSTEM_PYTHON))
    make_wheel(charm_dir / 'wheelhouse', 'tinypkg', '1.0')
    (charm_dir / 'layer.yaml').write_text(
        'options:\n  hook-bootstrap:\n    packages: [python3-extra]\n')

    # apt: everything is "installed"; apt-get must not run at all.
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    write_tool(bin_dir, 'dpkg-query', """\
        for p in "$@"; do
            case "$p" in -*) ;; *) echo "$p install ok installed" ;; esac
        done
        """)
    write_tool(bin_dir, 'apt-get', 'echo apt-get "$@" >&2; exit 1\n')
    env = {'PATH': '{}:/usr/bin:/bin'.format(bin_dir),
           'CHARM_DIR': str(charm_dir), 'PIP_NO_INDEX': '1'}
    venv = str(tmp_path / 'unit' / '.venv')
    stamp = os.path.join(venv, hook_bootstrap.STAMP_NAME)

    def run(hook):
        out = subprocess.run(
            [str(charm_dir / 'hooks' / hook), 'arg'], env=env,
            cwd=str(charm_dir), stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, universal_newlines=True, timeout=300)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout.splitlines()[-1])

    first = run('install')
    assert os.path.realpath(first['prefix']) == os.path.realpath(venv)
    assert first['venv'] == venv
    assert first['tinypkg'] == '1.0'
    assert first['argv'][1:] == ['arg']
    with open(stamp) as f:
        recorded = json.load(f)
    assert recorded['wheels'] == [['tinypkg-1.0-py3-none-any.whl',
                                   os.path.getsize(str(
                                       charm_dir / 'wheelhouse' /
                                       'tinypkg-1.0-py3-none-any.whl'))]]
    assert recorded['apt_installed'] == []

    # Bootstrapped: the venv is reused as is.
    marker = os.path.join(venv, 'marker')
    open(marker, 'w').close()
    assert run('update-status')['tinypkg'] == '1.0'
    assert os.path.exists(marker)

    # A charm upgrade with a new wheel: rebuilt from scratch.
    os.remove(str(charm_dir / 'wheelhouse' / 'tinypkg-1.0-py3-none-any.whl'))
    make_wheel(charm_dir / 'wheelhouse', 'tinypkg', '2.0')
    upgraded = run('upgrade-charm')
    assert upgraded['tinypkg'] == '2.0'
    assert not os.path.exists(marker)
