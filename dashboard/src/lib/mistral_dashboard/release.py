"""Which OpenStack release a mistral-dashboard package is made for, and
whether it suits the Horizon it plugs into."""

import re

# OpenStack's releases in order (the codenames restart at antelope,
# 2023.1).
RELEASES = ('ussuri', 'victoria', 'wallaby', 'xena', 'yoga', 'zed',
            'antelope', 'bobcat', 'caracal', 'dalmatian', 'epoxy',
            'flamingo', 'gazpacho')
# mistral-dashboard's major version -> the release it was made for (its
# upstream tags: 13.0.0 in xena ... 18.0.0 in caracal). Ubuntu's archive
# ships the one before the series' own (jammy: 13.0.0 next to yoga;
# noble: 17.0.0 next to caracal).
MADE_FOR = {str(major): name for major, name in
            zip(range(10, 10 + len(RELEASES)), RELEASES)}

VERSION = re.compile(r'^(?:\d+:)?(\d+)\.[0-9A-Za-z.+~:-]*$')


def made_for(version):
    """The release a package version (Debian syntax, epoch allowed) was
    made for, or None when unknown."""
    found = VERSION.match(version or '')
    return MADE_FOR.get(found.group(1)) if found else None


def upstream(version):
    """The upstream part of a Debian version: 1:15.0.0-2 -> 15.0.0."""
    return version.split(':', 1)[-1].rsplit('-', 1)[0]


def release_problem(horizon):
    """Why ``horizon`` (the dashboard's ``release``) is unusable, or
    None."""
    if horizon not in RELEASES:
        return "release {!r} is not an OpenStack release this charm " \
               "knows ({}...{})".format(horizon[:40], RELEASES[0],
                                        RELEASES[-1])
    return None


def pairing_problem(horizon, version):
    """Why the package ``version`` must not plug into Horizon of release
    ``horizon``, or None: a plugin newer than its Horizon uses Horizon
    APIs that do not exist yet."""
    plugin = made_for(version)
    if plugin is None:
        return '{} is not a mistral-dashboard version this charm ' \
               'knows'.format(upstream(version))
    if RELEASES.index(plugin) > RELEASES.index(horizon):
        return 'python3-mistral-dashboard {} is for {}, newer than ' \
               "Horizon's {}: upgrade openstack-dashboard first".format(
                   upstream(version), plugin, horizon)
    return None
