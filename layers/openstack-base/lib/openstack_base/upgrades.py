"""OpenStack release upgrades: what openstack-origin asks of the
installed release, and moving the payload there.

One release at a time and never backwards, as the official charms and
the Charmed OpenStack Upgrader go: a refused origin is a config problem
(blocked, nothing written, apt never reached); an upgrade that fails
leaves the old release serving and the unit blocked saying why until an
upgrade succeeds or openstack-origin changes (a fixed mirror, say).
"""

import time

from charmhelpers.core import hookenv

from openstack_base import apt, releases, services, state
from openstack_base.instance import replace_charm_instance


def target_release(charm):
    """The release openstack-origin asks for (None: a raw apt line
    naming none)."""
    return releases.release_from_origin(
        charm.config.get('openstack-origin', 'distro'), charm.series)


def refusal(installed, target):
    """Why openstack-origin may not move ``installed`` to ``target``, or
    None."""
    if target is None or installed is None:
        return None
    step = releases.release_index(target) - releases.release_index(installed)
    if step < 0:
        return '{} is older than the installed {}: OpenStack is never ' \
            'downgraded'.format(target, installed)
    if step > 1:
        skipped = releases.RELEASES[releases.release_index(installed) + 1:
                                    releases.release_index(target)]
        return '{} skips {}: upgrade one release at a time'.format(
            target, ', '.join(skipped))
    return None


def pending(charm):
    """The release an upgrade would move this unit to, or None."""
    try:
        target = target_release(charm)
    except releases.InvalidOrigin:
        return None
    if target is None or refusal(charm.release, target):
        return None
    return target if releases.compare(target, charm.release) > 0 else None


def awaits_action(charm):
    """An upgrade is pending and the operator runs it (openstack-upgrade
    on each unit)."""
    return bool(charm.config.get('action-managed-upgrade')) and \
        pending(charm) is not None


def failure(charm):
    """Why the last upgrade from this openstack-origin failed, or None."""
    target, failed = pending(charm), state.upgrade_failure()
    if target and failed and failed[0] == charm.config.get(
            'openstack-origin'):
        return 'Upgrade to {} failed: {} (still running {})'.format(
            target, failed[1], charm.release)
    return None


class UpgradeFailed(RuntimeError):
    """The payload did not move; the message says why."""


def upgrade(charm):
    """Move the payload to the pending release and return that release's
    charm instance, which the rest of the hook uses: it migrates the
    database (leader) and starts the services in its converge(). On
    failure the old release's services are started again, the failure
    is remembered for the status, and UpgradeFailed says why."""
    target = pending(charm)
    hookenv.status_set('maintenance', 'Upgrading to {}'.format(target))
    hookenv.log('Upgrading from {} to {}'.format(charm.release, target),
                hookenv.INFO)
    upgraded = type(charm).for_release(target)(target, charm.config,
                                               charm.endpoints)
    try:
        apt.configure_source(charm.config.get('openstack-origin'),
                             charm.series)
        services.stop_all(charm.services)
        apt.upgrade(upgraded.all_packages())    # the new release's list
        landed = charm.installed_release()
        if landed != target:
            raise UpgradeFailed('apt left {} at {}, not {}'.format(
                charm.release_pkg, landed or 'no known release', target))
    except (apt.AptFailed, UpgradeFailed) as error:
        hookenv.log('Upgrade to {} failed: {}'.format(target, error),
                    hookenv.ERROR)
        state.set_upgrade_failure((charm.config.get('openstack-origin'),
                                   str(error)))
        charm.run_or_stop_services()    # the old release serves on
        raise UpgradeFailed(str(error))
    state.set_upgrade_failure(None)
    replace_charm_instance(type(charm).family_root(), upgraded)
    return upgraded


def run(charm):
    """Upgrade and converge on the new release: (from, to, seconds)."""
    started, old = time.monotonic(), charm.release
    upgraded = upgrade(charm)
    upgraded.converge()
    return old, upgraded.release, round(time.monotonic() - started)
