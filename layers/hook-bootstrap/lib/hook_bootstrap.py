"""Hook bootstrap for reactive charms: our stand-in for layer:basic.

Every hook and action starts here under the machine's own python3. The
first time (and again after upgrade-charm or post-series-upgrade) we
apt-install the Python packages the charm relies on, build a virtualenv
beside the charm directory from the charm's wheelhouse without touching
any package index, and record what we did in a stamp file. Then, and on
every later hook, the process re-executes itself under the venv's python.

This module runs before any third-party package is importable, so it
imports only the standard library at module level.
"""

import json
import os
import shutil
import subprocess
import sys
import time

# The interpreter the apt python3-* packages belong to; the venv is built
# on it so that they stay importable (--system-site-packages).
SYSTEM_PYTHON = '/usr/bin/python3'

# What the charm libraries need from the system: venv/pip to build the
# venv, setuptools for the distutils that charmhelpers imports (gone from
# the standard library in 3.12), pkg_resources that charms.reactive
# imports, and dependencies that are compiled
# (PyYAML, MarkupSafe, netifaces, psutil) or packaged everywhere, so the
# wheelhouse can stay pure Python. charmhelpers.contrib imports netifaces
# and psutil at module level (and would apt-install them itself).
SYSTEM_PACKAGES = (
    'python3-venv',
    'python3-pip',
    'python3-setuptools',
    'python3-pkg-resources',
    'python3-yaml',
    'python3-jinja2',
    'python3-netaddr',
    'python3-netifaces',
    'python3-pbr',
    'python3-six',
    'python3-psutil',
)

# Hooks after which the charm code or the system python may have changed.
REBUILD_HOOKS = frozenset(('upgrade-charm', 'post-series-upgrade'))

LAYER_NAME = 'hook-bootstrap'
STAMP_NAME = '.hook-bootstrap.json'
WHEEL_SUFFIXES = ('.whl', '.tar.gz', '.zip')

# Another apt/dpkg user (cloud-init, a subordinate charm) may hold the lock.
APT_ATTEMPTS = 5
APT_RETRY_SECONDS = 10


def log(message):
    """Juju records a hook's stderr in the unit log."""
    print('hook-bootstrap: ' + message, file=sys.stderr, flush=True)


def charm_dir():
    """The charm root: Juju's CHARM_DIR, else the parent of this lib/."""
    return (os.environ.get('CHARM_DIR')
            or os.environ.get('JUJU_CHARM_DIR')
            or os.path.dirname(os.path.dirname(os.path.realpath(__file__))))


def venv_dir(charm=None):
    """The venv lives beside the charm so that upgrade-charm keeps it."""
    return os.path.normpath(
        os.path.join(charm or charm_dir(), os.pardir, '.venv'))


def hook_name():
    """Same rule as charmhelpers.core.hookenv.hook_name()."""
    return (os.environ.get('JUJU_HOOK_NAME')
            or os.path.basename(sys.argv[0]))


def running_in(venv):
    return os.path.realpath(sys.prefix) == os.path.realpath(venv)


def wheelhouse_files(charm):
    """Sorted paths of the distributions shipped in the charm's wheelhouse."""
    wheelhouse = os.path.join(charm, 'wheelhouse')
    if not os.path.isdir(wheelhouse):
        return []
    return sorted(os.path.join(wheelhouse, name)
                  for name in os.listdir(wheelhouse)
                  if name.endswith(WHEEL_SUFFIXES))


def wanted_state(charm):
    """What a current venv must have been built from; cheap to compute.

    The wheel list catches a charm whose wheelhouse changed without an
    upgrade-charm hook; the interpreter name catches a python3 that moved
    to a new minor version under an existing venv.
    """
    return {
        'python': os.path.basename(os.path.realpath(SYSTEM_PYTHON)),
        'wheels': [[os.path.basename(path), os.path.getsize(path)]
                   for path in wheelhouse_files(charm)],
    }


def read_stamp(venv):
    try:
        with open(os.path.join(venv, STAMP_NAME)) as stamp:
            return json.load(stamp)
    except (OSError, ValueError):
        return None


def rebuild_reason(stamp, wanted, hook):
    """Why the venv must be (re)built, or '' when it can be used as is."""
    if stamp is None:
        return 'no bootstrapped venv yet'
    if hook in REBUILD_HOOKS:
        return 'the {} hook'.format(hook)
    recorded = {key: stamp.get(key) for key in wanted}
    if recorded != wanted:
        return 'the wheelhouse or python3 changed'
    return ''


def bootstrap_charm_deps(hook=None):
    """Make sure this process runs in an up-to-date charm venv.

    Returns only when already running inside the venv; otherwise it
    (re)builds the venv if needed and replaces the process with the same
    command under the venv's python, which comes back here and returns.
    """
    charm = charm_dir()
    venv = venv_dir(charm)
    if running_in(venv):
        return
    hook = hook_name() if hook is None else hook
    wanted = wanted_state(charm)
    reason = rebuild_reason(read_stamp(venv), wanted, hook)
    if reason:
        log('building {} because of {}'.format(venv, reason))
        build_venv(charm, venv, wanted)
    reexec_in(venv)


def activate_venv():
    """Entry for actions: like a hook, but an action never forces a rebuild.

    Actions may run before the install hook finished; then this builds the
    venv just as the first hook would.
    """
    bootstrap_charm_deps(hook='')


def build_venv(charm, venv, wanted):
    started = time.monotonic()
    installed = apt_install(SYSTEM_PACKAGES)
    installed += apt_install(layer_options(charm).get('packages') or ())
    if os.path.lexists(venv):
        shutil.rmtree(venv)
    # No pip of its own (ensurepip costs ~10s): apt's pip, visible through
    # the system site-packages, installs into the venv it runs under.
    subprocess.check_call([SYSTEM_PYTHON, '-m', 'venv',
                           '--system-site-packages', '--without-pip', venv])
    wheels = wheelhouse_files(charm)
    if wheels:
        subprocess.check_call(pip_install_command(venv, charm, wheels))
    # Written last: a venv without a stamp is rebuilt by the next hook.
    stamp = dict(wanted, apt_installed=installed,
                 seconds=round(time.monotonic() - started, 1))
    with open(os.path.join(venv, STAMP_NAME), 'w') as out:
        json.dump(stamp, out, indent=1)
    log('venv ready in {}s'.format(stamp['seconds']))


def pip_install_command(venv, charm, wheels):
    """Install exactly the shipped files; dependencies must be satisfied
    by them or by the system packages, since no index is ever consulted."""
    return [os.path.join(venv, 'bin', 'python'), '-m', 'pip', 'install',
            '--no-index', '--no-cache-dir', '--disable-pip-version-check',
            '--find-links', os.path.join(charm, 'wheelhouse')] + wheels


def reexec_in(venv):
    python = os.path.join(venv, 'bin', 'python')
    env = dict(os.environ, VIRTUAL_ENV=venv,
               PATH=os.pathsep.join((os.path.join(venv, 'bin'),
                                     os.environ.get('PATH', ''))))
    # Unflushed output would be lost when the process image is replaced.
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(python, [python] + sys.argv, env)


def missing_packages(packages):
    """The packages dpkg does not report as installed."""
    if not packages:
        return []
    query = subprocess.run(
        ['dpkg-query', '-W', '-f=${Package} ${Status}\n'] + list(packages),
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        universal_newlines=True)
    installed = {line.split()[0] for line in query.stdout.splitlines()
                 if line.endswith(' install ok installed')}
    return [name for name in packages if name not in installed]


def apt_install(packages):
    """apt-get install what is missing; returns what was installed."""
    missing = missing_packages(packages)
    if not missing:
        return []
    command = ['apt-get', 'install', '--yes', '--no-install-recommends',
               '--option=Dpkg::Options::=--force-confold'] + missing
    env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
    for attempt in range(1, APT_ATTEMPTS + 1):
        if subprocess.call(command, env=env) == 0:
            return missing
        if attempt == APT_ATTEMPTS:
            raise RuntimeError('apt-get could not install ' +
                               ' '.join(missing))
        log('apt-get failed (attempt {}); retrying'.format(attempt))
        time.sleep(APT_RETRY_SECONDS)
        # Stale package lists are the other usual cause on a new machine.
        subprocess.call(['apt-get', 'update'], env=env)


def layer_options(charm=None, layer=LAYER_NAME):
    """The options of one layer from the built charm's layer.yaml.

    charm-build fills in the defaults its `defines` schema declares.
    """
    import yaml  # apt's python3-yaml, installed before this is called
    try:
        with open(os.path.join(charm or charm_dir(), 'layer.yaml')) as src:
            data = yaml.safe_load(src) or {}
    except FileNotFoundError:
        return {}
    return (data.get('options') or {}).get(layer) or {}


# The config.* flags, set before handlers run and partly cleared after.

def config_defaults(charm=None):
    """Defaults of every option declared in the charm's config.yaml."""
    import yaml
    try:
        with open(os.path.join(charm or charm_dir(), 'config.yaml')) as src:
            options = (yaml.safe_load(src) or {}).get('options') or {}
    except FileNotFoundError:
        return {}
    return {name: (spec or {}).get('default')
            for name, spec in options.items()}


def init_config_states():
    """Set config.changed[.<opt>], toggle config.set/default.<opt>.

    Changes are relative to the previous hook's values, which charmhelpers
    keeps in $CHARM_DIR/.juju-persistent-config; on the first hook every
    option counts as changed.
    """
    from charmhelpers.core import hookenv
    from charms.reactive import set_flag, toggle_flag
    config = hookenv.config()
    defaults = config_defaults()
    for option in sorted(set(defaults) | set(config)):
        value = config.get(option)
        if config.changed(option):
            set_flag('config.changed')
            set_flag('config.changed.' + option)
        toggle_flag('config.set.' + option, bool(value))
        toggle_flag('config.default.' + option,
                    option in defaults and value == defaults[option])


def clear_config_states():
    """Drop the per-hook config.changed flags (registered via atexit)."""
    from charmhelpers.core import unitdata
    from charms.reactive import clear_flag, get_flags
    for flag in get_flags():
        if flag == 'config.changed' or flag.startswith('config.changed.'):
            clear_flag(flag)
    unitdata.kv().flush()
