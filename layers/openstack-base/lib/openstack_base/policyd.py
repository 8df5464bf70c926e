"""Policy overrides, as the official charms have them: with
use-policyd-override, the YAML files of the ``policyd-override``
resource (a zip) go to the service's policy.d, checked first; switched
off, they go away. Bad contents keep what was there and block."""

import os
import zipfile

import yaml
from charmhelpers.core import hookenv

from openstack_base import rendering

OPTION = 'use-policyd-override'
RESOURCE = 'policyd-override'
PREFIX = 'PO: '


class BadOverride(ValueError):
    """The resource cannot be used; the message says why."""


def wanted(charm):
    """{file name: YAML text} the policy.d should hold; BadOverride."""
    if not charm.policyd_dir or not charm.config.get(OPTION):
        return {}
    path = (hookenv.resource_get(RESOURCE) or '').strip()
    if not path or not os.path.isfile(path) or not os.path.getsize(path):
        raise BadOverride('no {} resource attached'.format(RESOURCE))
    if not zipfile.is_zipfile(path):
        raise BadOverride('the {} resource is not a zip file'.format(
            RESOURCE))
    files = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            name = info.filename
            if info.is_dir() or '/' in name or not name.endswith(
                    ('.yaml', '.yml')):
                raise BadOverride('{}: only .yaml files, at the top of the '
                                  'zip'.format(name))
            text = archive.read(info).decode('utf-8', errors='replace')
            try:
                rules = yaml.safe_load(text)
            except yaml.YAMLError:
                raise BadOverride('{}: not YAML'.format(name))
            if not isinstance(rules, dict) or not all(
                    isinstance(k, str) and isinstance(v, str)
                    for k, v in rules.items()):
                raise BadOverride('{}: must map rule names to rules'.format(
                    name))
            files[name] = text
    return files


def problem(charm):
    """Why the overrides cannot be applied, or None."""
    try:
        wanted(charm)
    except BadOverride as error:
        return str(error)
    return None


def apply(charm):
    """Make policy.d hold exactly the wanted files; True when it changed.
    Bad contents change nothing."""
    if not charm.policyd_dir:
        return False
    try:
        files = wanted(charm)
    except BadOverride:
        return False
    changed = False
    for name, text in sorted(files.items()):
        changed |= rendering.write_if_changed(
            os.path.join(charm.policyd_dir, name), text, group=charm.group)
    if os.path.isdir(charm.policyd_dir):
        for name in sorted(set(os.listdir(charm.policyd_dir)) - set(files)):
            changed |= rendering.remove_if_present(
                os.path.join(charm.policyd_dir, name))
    return changed


def active(charm):
    """True while overrides are in force (status says so)."""
    return bool(charm.policyd_dir and charm.config.get(OPTION) and
                os.path.isdir(charm.policyd_dir) and
                os.listdir(charm.policyd_dir))
