"""Which charm class serves which OpenStack release.

Every concrete charm class names the first release it handles
(``release = 'yoga'``); a subclass for a later release overrides only
what changed. The class for a deployment is the newest one whose release
is not newer than the deployed release.
"""

import subprocess

from openstack_base import releases


class CharmRegistry(type):
    """Metaclass recording each concrete charm class by its release."""

    def __init__(cls, name, bases, namespace):
        super().__init__(name, bases, namespace)
        if namespace.get('abstract', False):
            return
        family = cls._family()
        if family is None:
            # The first concrete class roots a family of its own.
            family = cls._classes = {}
        release = cls.release
        releases.release_index(release)     # refuses an unknown release
        if release in family:
            raise RuntimeError('{} and {} both claim release {}'.format(
                family[release].__name__, name, release))
        family[release] = cls

    def merged(cls, declaration):
        """A dict declaration (config_checks, config_free) merged over the
        class hierarchy, subclasses winning."""
        found = {}
        for klass in reversed(cls.__mro__):
            found.update(vars(klass).get(declaration, {}))
        return found

    def family_root(cls):
        """The first concrete class of this family (the one layer.yaml
        names)."""
        for klass in cls.__mro__:
            if '_classes' in vars(klass):
                return klass
        return None

    def _family(cls):
        root = cls.family_root()
        return root._classes if root else None

    def for_release(cls, release):
        """The newest registered class whose release is <= release."""
        family = cls._family()
        if not family:
            raise RuntimeError('no charm class is registered')
        eligible = [r for r in family
                    if release is None or releases.compare(r, release) <= 0]
        if not eligible:
            raise RuntimeError('no charm class handles {}; the oldest is '
                               '{}'.format(release, min(
                                   family, key=releases.release_index)))
        return family[max(eligible, key=releases.release_index)]


def installed_version(package):
    """The installed version of a Debian package, or None."""
    try:
        out = subprocess.check_output(
            ['dpkg-query', '-W', '-f', '${Status}\t${Version}', package],
            stderr=subprocess.DEVNULL, universal_newlines=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    status, _, version = out.partition('\t')
    return version if status.endswith(' installed') and version else None
