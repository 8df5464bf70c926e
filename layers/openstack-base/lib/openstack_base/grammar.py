"""What each place a value goes accepts: one function per destination,
used by the config checks and the relation adapters alike.

A check returns None, or why the value cannot go there (never quoting
more of the value than ``shown`` allows). Escapes turn a value that is
fine as text into what the destination reads back as that text.
"""

import re

# Line breaks as str.splitlines sees them, and every other control
# character: none belongs on one line of any file the charm writes.
CONTROL = re.compile('[\x00-\x1f\x7f\x85\u2028\u2029]')
# Longest single value the charm writes into a config file.
MAX_VALUE = 4096
# What a status message may hold: `juju status` shows one line, and the
# hook tool takes its message as one argument, which Linux bounds at
# 128 KiB (MAX_ARG_STRLEN).
MAX_STATUS = 512
MAX_SHOWN = 40


def shown(value):
    """``value`` as a reason quotes it: repr, shortened."""
    text = repr(value)
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN - 5] + '...' \
        + text[-2:]


def status_message(text):
    """A status message of one line, bounded whatever it quotes."""
    text = CONTROL.sub(' ', str(text))
    return text if len(text) <= MAX_STATUS else \
        text[:MAX_STATUS - 3] + '...'


def one_line(value, limit=MAX_VALUE):
    """Text that fits on one line of a file, of bounded length (None is
    an unset value: nothing to write)."""
    if value is None:
        return None
    if not isinstance(value, (str, int, float, bool)):
        return 'must be text, not {}'.format(type(value).__name__)
    text = str(value)
    found = CONTROL.search(text)
    if found:
        return 'holds a control character ({!r})'.format(found.group())
    if len(text) > limit:
        return 'is longer than {} characters'.format(limit)
    return None


def ini_value(value):
    """A value of an oslo.config (or configparser) INI file: one line,
    which the parser reads back unchanged: it strips surrounding blanks
    and one pair of surrounding quotes (oslo_config/iniparser.py)."""
    reason = one_line(value)
    if reason:
        return reason
    text = str(value)
    if text != text.strip():
        return 'starts or ends with a blank'
    if len(text) > 1 and text[0] == text[-1] and text[0] in '"\'':
        return 'is wrapped in quotes'
    return None


def oslo_escape(value):
    """oslo.config expands ``$name`` (and ``${name}``) in every string
    option, reading another option; ``$$`` is one ``$``."""
    return str(value).replace('$', '$$')


def haproxy_word(value):
    """One word of haproxy.cfg: no blank (it separates arguments), no
    ``#`` (a comment), no quote or backslash (haproxy unquotes them)."""
    reason = one_line(value, 255)
    if reason:
        return reason
    if re.search(r'[\s#"\'\\]', str(value)):
        return 'holds a blank, #, a quote or a backslash'
    return None


def apache_path(value):
    """A file path in an apache2 directive: absolute, one line, none of
    the characters apache2 reads as syntax (quotes, blanks, ``$``, which
    starts a Define, ``%``, backslash, ``<>``)."""
    reason = one_line(value, 1024)
    if reason:
        return reason
    text = str(value)
    if not text.startswith('/') or re.search(r'[\s"\'$%\\<>]', text):
        return 'must be an absolute path without blanks, quotes, $, % ' \
            'or <>'
    return None


FILE_NAME = re.compile(r'[A-Za-z0-9_:][A-Za-z0-9._:-]{0,200}')


def file_name(value):
    """One file name inside a directory the charm owns: letters, digits,
    ``. _ : -``, not starting with a dot, so never ``..`` or a path."""
    if not isinstance(value, str) or not FILE_NAME.fullmatch(value):
        return 'must be a file name (letters, digits, . _ : -; not ' \
            'starting with a dot), not {}'.format(shown(value))
    return None


def url(value, schemes):
    """An absolute URL with one of ``schemes``, on one line, of bounded
    length; the part after the scheme is not parsed further (drivers
    differ) but holds no blank."""
    reason = one_line(value, 2048)
    if reason:
        return reason
    scheme, sep, rest = str(value).partition('://')
    if not sep or scheme not in schemes or not rest or \
            re.search(r'\s', rest):
        return 'must be a URL starting {}'.format(
            ' or '.join(s + '://' for s in schemes))
    return None
