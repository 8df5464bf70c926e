"""Packages: where they come from (openstack-origin) and getting them."""

import subprocess

from charmhelpers import fetch
from charmhelpers.core import hookenv

from openstack_base import releases

CLOUD_ARCHIVE_LIST = '/etc/apt/sources.list.d/cloud-archive.list'


def configure_source(origin, series):
    """Point apt at openstack-origin ('distro' changes nothing)."""
    releases.release_from_origin(origin, series)    # refuses a bad one
    if origin.startswith('cloud:'):
        pocket = origin.split(':', 1)[1].split('/')[0]
        pocket_series, release = pocket.split('-')
        fetch.apt_install(['ubuntu-cloud-keyring'], fatal=True)
        with open(CLOUD_ARCHIVE_LIST, 'w') as f:
            f.write('deb {} {}-updates/{} main\n'.format(
                fetch.ubuntu.CLOUD_ARCHIVE_URL, pocket_series, release))
    elif origin != 'distro':
        source, _, key = origin.partition('|')
        fetch.add_source(source, key or None)
    if origin != 'distro':
        fetch.apt_update(fatal=True)


def in_archive(package):
    """True when apt knows the package (some archives lack some)."""
    result = subprocess.run(['apt-cache', 'show', '--no-all-versions',
                             package], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    return result.returncode == 0


def install(packages):
    fetch.apt_install(fetch.filter_installed_packages(packages), fatal=True)


def dist_upgrade(packages):
    """Move every package to the newest the sources offer, keeping the
    config files the charm writes; then install what is missing."""
    fetch.apt_upgrade(fatal=True, dist=True, options=[
        '--option=Dpkg::Options::=--force-confnew',
        '--option=Dpkg::Options::=--force-confdef'])
    install(packages)


def wanted_packages(charm):
    """The payload, the packaged services and what the archive has of the
    optional packages (each one missing logged, with what is lost)."""
    found = [p for p in charm.optional_packages if in_archive(p)]
    for missing in sorted(set(charm.optional_packages) - set(found)):
        hookenv.log('{} is not in this archive: {}'.format(
            missing, charm.optional_packages[missing]), hookenv.WARNING)
    return (list(charm.packages) + list(charm.frontend_services) +
            list(charm.token_cache_packages) + found)
