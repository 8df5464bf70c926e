"""Packages: where they come from (openstack-origin) and getting them."""

import contextlib
import os
import subprocess

from charmhelpers import fetch

from openstack_base import releases

# Where openstack-origin's source goes; 'distro' removes it.
ORIGIN_LIST = '/etc/apt/sources.list.d/openstack-origin.list'
# The pockets a cloud: origin names, as charmhelpers' add_source writes
# them (fetch/ubuntu.py: CLOUD_ARCHIVE_POCKETS, _add_cloud_staging):
# updates and proposed are suites of the cloud archive; staging, where
# packages land before proposed, is a PPA of the Ubuntu OpenStack team.
CLOUD_SUITE = '{series}-{pocket}/{release}'
STAGING_PPA = 'ppa:ubuntu-cloud-archive/{release}-staging'


def configure_source(origin, series):
    """Point apt at openstack-origin and refresh its indexes ('distro'
    changes nothing)."""
    releases.release_from_origin(origin, series)    # refuses a bad one
    if origin == 'distro':
        remove_origin_list()
        return
    line, _, key = origin.partition('|')
    cloud = releases.cloud_origin(origin)
    if cloud:
        pocket_series, release, pocket = cloud
        if pocket == 'staging':
            line = STAGING_PPA.format(release=release)
        else:
            fetch.apt_install(['ubuntu-cloud-keyring'], fatal=True)
            line = 'deb {} {} main'.format(
                fetch.ubuntu.CLOUD_ARCHIVE_URL, CLOUD_SUITE.format(
                    series=pocket_series, pocket=pocket, release=release))
    if line.startswith('ppa:'):
        # add-apt-repository writes the PPA's own list, and its key
        fetch.add_source(line, key or None)
        remove_origin_list()        # a previous origin's line would stay
    else:
        if key:
            fetch.import_key(key)
        with open(ORIGIN_LIST, 'w') as f:
            f.write(line + '\n')
    update()


def remove_origin_list():
    if os.path.exists(ORIGIN_LIST):
        os.remove(ORIGIN_LIST)


class AptFailed(RuntimeError):
    """apt refused; the message is apt's own reason (its last E: line)."""


def _apt(*args):
    """Run apt-get with args; AptFailed with apt's reason on failure."""
    done = subprocess.run(
        ['apt-get', '--assume-yes', '--quiet'] + list(args),
        env=dict(os.environ, DEBIAN_FRONTEND='noninteractive'),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        universal_newlines=True)
    if done.returncode:
        errors = [line[2:].strip() for line in done.stdout.splitlines()
                  if line.startswith('E:')]
        raise AptFailed(errors[-1] if errors else 'apt-get {} exited {}'
                        .format(args[-1], done.returncode))


def update():
    """Refresh the package indexes; a source that cannot be reached is
    apt's warning, not a failure (the others still count)."""
    _apt('update')


def in_archive(package):
    """True when apt knows the package (some archives lack some)."""
    result = subprocess.run(['apt-cache', 'show', '--no-all-versions',
                             package], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    return result.returncode == 0


def not_installed(packages):
    """The packages dpkg has not installed, asked of dpkg itself
    (charmhelpers' filter_installed_packages loads apt's whole cache for
    this: 9 s a hook)."""
    if not packages:
        return []       # dpkg-query without names lists every package
    found = subprocess.run(
        ['dpkg-query', '--show', '--showformat=${Package} ${Status}\n'] +
        list(packages), capture_output=True, text=True).stdout
    installed = {line.split()[0] for line in found.splitlines()
                 if line.endswith(' installed')}
    return [p for p in packages if p not in installed]


def install(packages):
    missing = not_installed(packages)
    if missing:
        fetch.apt_install(missing, fatal=True)


# While it exists, invoke-rc.d starts nothing (exit 101: "action
# forbidden"): packages' maintainer scripts would start new code against
# the old schema before the leader migrates it.
POLICY_RC_D = '/usr/sbin/policy-rc.d'


@contextlib.contextmanager
def no_service_starts():
    if os.path.exists(POLICY_RC_D):     # someone else's: leave it be
        yield
        return
    with open(POLICY_RC_D, 'w') as f:
        f.write('#!/bin/sh\n# the charm is upgrading packages\nexit 101\n')
    os.chmod(POLICY_RC_D, 0o755)
    try:
        yield
    finally:
        os.remove(POLICY_RC_D)


def upgrade(packages):
    """Move the payload to the newest the sources offer: the packages
    and what they depend on, keeping the config files the charm wrote
    (confold), and starting no service (the charm starts them once
    migrated). Nothing is removed: a source lacking a package apt would
    need fails here, whole, instead of leaving a half-upgraded unit."""
    with no_service_starts():
        _apt('--no-remove', '--option=Dpkg::Options::=--force-confold',
             '--option=Dpkg::Options::=--force-confdef', 'install',
             *packages)


def wanted_packages(charm):
    """The payload, the packaged services and what the archive has of the
    optional packages (the status log says what is missing)."""
    found = [p for p in charm.optional_packages if in_archive(p)]
    return (list(charm.packages) + list(charm.packaged_services) +
            list(charm.token_cache_packages) + found)
