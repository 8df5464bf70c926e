"""Checks of config values: each returns None, or why the value is bad.

Charms list them per option in ``config_checks``; the status names the
option and the reason.
"""

import ipaddress


def number(minimum=None, integer=False):
    def check(value):
        if value is None or value == '':
            return None
        try:
            parsed = int(value) if integer else float(value)
        except (TypeError, ValueError):
            return 'must be {}'.format('an integer' if integer else
                                       'a number')
        if integer and isinstance(value, float) and value != parsed:
            return 'must be an integer'
        if minimum is not None and parsed < minimum:
            return 'must be at least {}'.format(minimum)
        return None
    return check


def ip_addresses(value):
    for word in (value or '').split():
        try:
            ipaddress.ip_address(word)
        except ValueError:
            return '{!r} is not an IP address'.format(word)
    return None


def one_of(*choices):
    def check(value):
        if value not in choices:
            return 'must be one of {}'.format(', '.join(choices))
        return None
    return check
