"""The charm instance of this hook: which class (layer.yaml), which
release (the installed package), one instance per hook process."""

import contextlib
import importlib

from charmhelpers.core import hookenv

from openstack_base import releases
from openstack_base.registry import installed_version

_current = {}


def charm_class():
    """The charm's base class, named once in layer.yaml:
    ``options: openstack-base: charm-class: package.module.Class``."""
    import hook_bootstrap
    dotted = hook_bootstrap.layer_options(layer='openstack-base')[
        'charm-class']
    module, _, name = dotted.rpartition('.')
    return getattr(importlib.import_module(module), name)


@contextlib.contextmanager
def provide_charm_instance(base=None):
    """The charm instance for this hook, for the deployed release.

    One instance per hook process, so that restarts requested by several
    handlers happen once. ``base`` defaults to the class in layer.yaml.
    """
    base = base or charm_class()
    if base not in _current:
        release = select_release(base)
        _current[base] = base.for_release(release)(release)
    yield _current[base]


def replace_charm_instance(base, charm):
    """After an upgrade, the rest of the hook uses the new release's."""
    _current[base] = charm


def forget_charm_instance():
    """Each hook is a new process; tests start each one afresh."""
    _current.clear()


def installed_release(base):
    """The release of the installed payload (None: not installed, or a
    version the charm has no codename for)."""
    version = installed_version(base.release_pkg)
    return version and releases.release_from_version(
        version, base.package_codenames.get(base.release_pkg, {}))


def select_release(base):
    """The deployed release: from the installed package when there is
    one, else from openstack-origin, else None (the newest class)."""
    release = installed_release(base)
    if release:
        return release
    try:
        from charmhelpers.core.host import lsb_release
        series = lsb_release()['DISTRIB_CODENAME']
        return releases.release_from_origin(
            hookenv.config().get('openstack-origin', 'distro'), series)
    except (releases.InvalidOrigin, KeyError, OSError):
        return None


def related_endpoints():
    """{relation name: Endpoint or None} for every relation the charm
    declares."""
    from charms.reactive import endpoint_from_name
    meta = hookenv.metadata()
    names = [n for section in ('requires', 'provides', 'peers')
             for n in meta.get(section, {})]
    return {n: endpoint_from_name(n) for n in names}
