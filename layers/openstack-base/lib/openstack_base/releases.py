"""OpenStack releases: their order, where they come from, how to spot one.

charmhelpers 1.2.1 (the newest on PyPI) stops at yoga, so the base layer
keeps its own table. Everything here is data plus a few pure functions.
"""

import re

from openstack_base import grammar

# After '|' in openstack-origin (charmhelpers' add_source): a key ID
# (short, long or fingerprint), or one armoured public key, the only text
# that may span lines.
APT_KEY = re.compile(
    r'(?:[0-9A-Fa-f]{8}){1,2}|[0-9A-Fa-f]{40}|'
    r'-----BEGIN PGP PUBLIC KEY BLOCK-----\n'
    r'[ -~\n\t]{1,65536}?\n-----END PGP PUBLIC KEY BLOCK-----')

# Oldest first; the position is the release's order.
RELEASES = (
    'ussuri', 'victoria', 'wallaby', 'xena', 'yoga', 'zed', 'antelope',
    'bobcat', 'caracal', 'dalmatian', 'epoxy', 'flamingo', 'gazpacho',
)

# Release of the distribution archive ('openstack-origin: distro').
DISTRO_RELEASE = {
    'focal': 'ussuri',
    'jammy': 'yoga',
    'noble': 'caracal',
    'bookworm': 'zed',      # Debian 12: what our local deployment runs
}

# Ubuntu Cloud Archive pockets: the releases each series can move to.
CLOUD_ARCHIVE = {
    'focal': ('victoria', 'wallaby', 'xena', 'yoga'),
    'jammy': ('zed', 'antelope', 'bobcat', 'caracal'),
    'noble': ('dalmatian', 'epoxy', 'flamingo', 'gazpacho'),
}


class InvalidOrigin(ValueError):
    """openstack-origin names no source this charm can install from."""


def release_index(release):
    try:
        return RELEASES.index(release)
    except ValueError:
        raise ValueError('unknown OpenStack release {!r}'.format(release))


def compare(a, b):
    """-1, 0 or 1 as release a is older than, the same as or newer than b."""
    ia, ib = release_index(a), release_index(b)
    return (ia > ib) - (ia < ib)


def release_from_origin(origin, series):
    """The release an openstack-origin value installs on a series.

    Accepts 'distro', 'cloud:<series>-<release>[/proposed|/staging]' and
    raw apt lines ('deb ...', 'ppa:...', optionally '|<key>'): the
    release a line names (as in '.../jammy-updates/antelope main'), or
    None when it names none (then only the installed packages tell).
    """
    origin = (origin or '').strip()
    line, bar, key = origin.partition('|')
    reason = grammar.one_line(line, 1024)
    if reason:
        raise InvalidOrigin('its source line ' + reason)
    if bar and not APT_KEY.fullmatch(key.strip()):
        raise InvalidOrigin('the key after | must be a key ID or one '
                            'ASCII-armoured public key block')
    if origin == 'distro':
        if series not in DISTRO_RELEASE:
            raise InvalidOrigin(
                'series {!r} has no known OpenStack release'.format(series))
        return DISTRO_RELEASE[series]
    cloud = cloud_origin(origin)
    if cloud:
        pocket_series, release, _ = cloud
        if pocket_series != series:
            raise InvalidOrigin(
                '{} is for {}, this machine runs {}'.format(
                    grammar.shown(origin), pocket_series, series))
        if release not in CLOUD_ARCHIVE.get(series, ()):
            raise InvalidOrigin(
                'the cloud archive has no {!r} for {}'.format(
                    release, series))
        return release
    if re.match(r'(deb |ppa:)', origin.split('|')[0]):
        return named_release(origin.split('|')[0])
    raise InvalidOrigin(
        '{} is not distro, cloud:<series>-<release>, a deb line or a '
        'ppa'.format(grammar.shown(origin)))


def cloud_origin(origin):
    """(series, release, pocket) of 'cloud:<series>-<release>[/<pocket>]'
    (pocket 'updates' when none is named), or None."""
    match = re.fullmatch(
        r'cloud:([a-z]+)-([a-z]+)(?:/(updates|proposed|staging))?', origin)
    if not match:
        return None
    series, release, pocket = match.groups()
    return series, release, pocket or 'updates'


def named_release(line):
    """The one release a source line names as a word of its own."""
    words = set(re.split(r'[^a-z]+', line.lower()))
    named = [r for r in RELEASES if r in words]
    return named[0] if len(named) == 1 else None


def release_from_version(version, codenames):
    """The release of an installed package version ('2:15.0.0-1' -> zed).

    codenames maps the upstream major version to the release.
    """
    upstream = version.split(':', 1)[-1]
    major = upstream.split('.', 1)[0]
    return codenames.get(major)
