"""The Mistral dashboard on a Horizon unit: install it when it suits the
Horizon beside it, tell Horizon, take it out when the unit goes.

The package ships its own ``enabled`` file (Horizon's
``openstack_dashboard/local/enabled/_50_mistral.py``) and the dashboard
package's dpkg trigger collects and compresses the static files, so the
package is all Horizon needs, plus the restart of apache2 that
openstack-dashboard runs when a plugin's settings block appears in its
local_settings.py (the block this charm publishes says what it is).
"""

import os
import subprocess

from charmhelpers.core import hookenv
from charmhelpers import fetch

from mistral_dashboard import release

PACKAGE = 'python3-mistral-dashboard'
ENDPOINT = 'dashboard'
# Where Horizon finds its plugins' enabled files (the package's is here)
ENABLED_DIR = '/usr/lib/python3/dist-packages/openstack_dashboard/local/' \
    'enabled'
KEEP_FILE = '.kept-by-juju'


def installed_version():
    """The installed version of the package, or None."""
    found = subprocess.run(
        ['dpkg-query', '--show', '--showformat=${Status} ${Version}',
         PACKAGE], capture_output=True, text=True).stdout.split()
    return found[-1] if found[:3] == ['install', 'ok', 'installed'] \
        else None


def candidate_version():
    """The version apt would install, or None (not in the sources)."""
    policy = subprocess.run(['apt-cache', 'policy', PACKAGE],
                            capture_output=True, text=True).stdout
    for line in policy.splitlines():
        key, _, value = line.strip().partition(': ')
        if key == 'Candidate' and value != '(none)':
            return value
    return None


def problem(endpoint, installed):
    """(status, message) that stops this unit, or None: nothing from
    Horizon yet, unusable data, no package, a package too new.
    ``installed``: the installed version (None: apt's candidate counts)."""
    refused = endpoint.refused()
    if refused:
        key = sorted(refused)[0]
        return 'blocked', "Invalid relation data: '{}': {}: {}".format(
            ENDPOINT, key, refused[key])
    horizon = endpoint.release
    if not horizon:
        return 'waiting', "Waiting for openstack-dashboard's release on " \
                          "'{}'".format(ENDPOINT)
    why = release.release_problem(horizon)
    if why is None:
        version = installed or candidate_version()
        if version is None:
            why = '{}: apt finds no version in this machine\'s ' \
                  'sources'.format(PACKAGE)
        else:
            why = release.pairing_problem(horizon, version)
    if why:
        return 'blocked', "'{}': {}".format(ENDPOINT, why)
    return None


def settings_block(version):
    """What openstack-dashboard pastes into local_settings.py: a comment
    (the package's enabled file needs no setting); its first appearance
    makes the dashboard restart apache2, which loads the plugin."""
    return '# Workflow (Mistral) dashboard: {} {}, enabled by its ' \
           'package'.format(PACKAGE, release.upstream(version))


def converge(endpoint):
    """Install the package when it suits Horizon, and publish it."""
    version = installed_version()
    if problem(endpoint, version):
        return
    if version is None:
        hookenv.status_set('maintenance', 'Installing ' + PACKAGE)
        fetch.apt_install([PACKAGE], fatal=True)
        version = installed_version()
    endpoint.publish_plugin_info(settings_block(version), None,
                                 conflicting_packages=[],
                                 install_packages=[PACKAGE])


def remove():
    """The unit goes: purge the package and reload apache2 so Horizon's
    processes drop the dashboard (openstack-dashboard does nothing when
    a plugin leaves: it has no -departed hook)."""
    if installed_version() is None:
        return
    hookenv.status_set('maintenance', 'Removing ' + PACKAGE)
    keep_enabled_dir()
    fetch.apt_purge([PACKAGE], fatal=True)
    active = subprocess.run(['systemctl', 'is-active', '--quiet',
                             'apache2']).returncode == 0
    if active:
        subprocess.run(['systemctl', 'reload', 'apache2'], check=True)


def keep_enabled_dir():
    """Horizon imports ``openstack_dashboard.local.enabled``, a directory
    Debian's Horizon packages do not own: dpkg removes it with the last
    plugin's files, and Horizon then fails to start (its dpkg trigger
    first). A file of no package keeps the directory."""
    keep = os.path.join(ENABLED_DIR, KEEP_FILE)
    if os.path.isdir(ENABLED_DIR) and not os.path.islink(ENABLED_DIR) \
            and not os.path.lexists(keep):
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
        os.close(os.open(keep, flags, 0o644))


def assess_status(endpoint):
    """The workload status, from what is there (each hook's end)."""
    if endpoint is None or not endpoint.is_joined:
        hookenv.status_set('blocked', "Missing relation: '{}' (relate to "
                           "openstack-dashboard)".format(ENDPOINT))
        return
    version = installed_version()
    stopped = problem(endpoint, version)
    if stopped:
        hookenv.status_set(*stopped)
        return
    if version is None:
        hookenv.status_set('waiting', 'Waiting to install ' + PACKAGE)
        return
    hookenv.application_version_set(release.upstream(version))
    hookenv.status_set('active', 'Unit is ready')
