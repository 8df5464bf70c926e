"""OpenStack release upgrades: whether openstack-origin asks for a newer
release, and moving the payload there."""

from charmhelpers.core import hookenv

from openstack_base import apt, releases, services
from openstack_base.instance import replace_charm_instance


def target_release(charm):
    """The release openstack-origin asks for (None: a raw apt line, whose
    release shows only once installed)."""
    return releases.release_from_origin(
        charm.config.get('openstack-origin', 'distro'), charm.series)


def available(charm):
    target = target_release(charm)
    return bool(target) and releases.compare(target, charm.release) > 0


def upgrade(charm):
    """Move the payload to the release openstack-origin names.

    Services stop and packages move; the new release's charm instance,
    which this returns and the rest of the hook uses, migrates the
    database (leader) and restarts in its converge().
    """
    target = target_release(charm)
    hookenv.status_set('maintenance', 'Upgrading to {}'.format(target))
    apt.configure_source(charm.config.get('openstack-origin', 'distro'),
                         charm.series)
    services.stop_all(charm.services)
    apt.dist_upgrade(charm.all_packages())
    upgraded = type(charm).for_release(target)(target, charm.config,
                                               charm.endpoints)
    replace_charm_instance(type(charm).family_root(), upgraded)
    return upgraded
