"""Checks of config values: each returns None, or why the value is bad.

Charms list them per option in ``config_checks``; the status names the
option and the reason.
"""

import base64
import binascii
import ipaddress
import math
import re

from openstack_base import grammar


def problems(config, checks, companions, multiline=()):
    """[(option, reason)] for every set option whose value is unusable,
    and every option set without the one it goes with. Every value is
    one line of bounded length unless its option is in ``multiline``
    (which then bounds it itself)."""
    found = []
    for option, check in sorted(checks.items()):
        if option in config:
            value = config[option]
            reason = ((option not in multiline and grammar.one_line(value))
                      or guarded(check, value))
            if reason:
                found.append((option, reason))
    for option, other in sorted(companions.items()):
        if config.get(other) and not config.get(option):
            found.append((option, 'must be set together with {}'.format(
                other)))
    return found


def guarded(check, value):
    """What ``check`` says of ``value``; a check that fails on it (a
    value built to make it fail) refuses it, the option still named."""
    try:
        return check(value)
    except Exception as error:  # the last line: never out of a hook
        return 'cannot be checked ({})'.format(type(error).__name__)


def number(minimum=None, integer=False, maximum=None, consumer=None):
    """A number within bounds; ``consumer`` names what sets the maximum
    (e.g. "haproxy's"), said in the reason."""
    def check(value):
        if value is None or value == '':
            return None
        try:
            parsed = int(value) if integer else float(value)
            if not integer and not math.isfinite(parsed):
                raise ValueError(value)
        except (TypeError, ValueError, OverflowError):
            return 'must be {}'.format('an integer' if integer else
                                       'a number')
        if integer and isinstance(value, float) and value != parsed:
            return 'must be an integer'
        if minimum is not None and parsed < minimum:
            return 'must be at least {}'.format(minimum)
        if maximum is not None and parsed > maximum:
            return 'must be at most {}{}'.format(
                maximum, ' ({} limit)'.format(consumer) if consumer else '')
        return None
    return check


def matching(pattern, what, required=False):
    """A value all of which matches ``pattern``; ``what`` names the
    expected form in the reason. Empty is fine unless required."""
    compiled = re.compile(pattern)

    def check(value):
        if value is None or value == '':
            return 'must be set' if required else None
        if not compiled.fullmatch(str(value)):
            return 'must be {}'.format(what)
        return None
    return check


HOSTNAME = matching(
    r'(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*'
    r'[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?', 'a host name')


def ip_addresses(value):
    for word in (value or '').split():
        try:
            ipaddress.ip_address(word)
        except ValueError:
            return '{} is not an IP address'.format(grammar.shown(word))
    return None


def words_from(*choices):
    """A comma-separated list, each word one of ``choices``."""
    def check(value):
        for word in (value or '').split(','):
            if word.strip() and word.strip() not in choices:
                return '{} is not one of {}'.format(
                    grammar.shown(word.strip()), ', '.join(choices))
        return None
    return check


def base64_pem(*labels):
    """A base64-encoded PEM block whose label is one of ``labels``
    (e.g. 'CERTIFICATE', 'PRIVATE KEY'); empty means unset."""
    def check(value):
        if not value:
            return None
        text = decode_base64(value)
        if text is None:
            return 'must be base64-encoded PEM'
        if not any('-----BEGIN {}-----'.format(label) in text
                   for label in labels):
            return 'must be base64-encoded PEM ({})'.format(
                ' or '.join(labels))
        return None
    return check


def decode_base64(value):
    """The text ``value`` encodes, or None when it is not base64."""
    try:
        return base64.b64decode(''.join(str(value).split()),
                                validate=True).decode()
    except (binascii.Error, ValueError):
        return None


PORT = number(1, integer=True, maximum=65535)


def host(value):
    """An IP address or a host name."""
    if ip_addresses(value) is None and len(str(value).split()) == 1 \
            and str(value) == str(value).strip():
        return None
    return HOSTNAME(value) and 'must be an IP address or a host name'


def one_of(*choices):
    def check(value):
        if value not in choices:
            return 'must be one of {}'.format(', '.join(choices))
        return None
    return check


def network(value):
    """A network in CIDR form ('10.5.0.0/16'); empty is unset."""
    if not value:
        return None
    try:
        if '/' in str(value):
            ipaddress.ip_network(str(value), strict=False)
            return None
    except ValueError:
        pass
    return 'must be a network in CIDR form, e.g. 10.5.0.0/16'
