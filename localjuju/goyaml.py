"""YAML as Juju reads it: gopkg.in/yaml.v2, not PyYAML.

`juju run` reads each key=value parameter with yaml.v2 into a Go
interface{}, and relation-set reads --file with it into a map of
strings. yaml.v2 resolves plain scalars its own way (resolve.go,
v2.4.0): `y`, `n`, `on`, `off` are booleans, `1e3` is a float, `017`
is octal, and a date stays a string (decoded into interface{}, yaml.v2
keeps timestamps as strings); PyYAML's safe_load differs in each. A
quoted scalar is always a string.
"""

import math
import re

import yaml

_WORDS = {'y': True, 'Y': True, 'yes': True, 'Yes': True, 'YES': True,
          'true': True, 'True': True, 'TRUE': True,
          'on': True, 'On': True, 'ON': True,
          'n': False, 'N': False, 'no': False, 'No': False, 'NO': False,
          'false': False, 'False': False, 'FALSE': False,
          'off': False, 'Off': False, 'OFF': False,
          '': None, '~': None, 'null': None, 'Null': None, 'NULL': None,
          '.nan': math.nan, '.NaN': math.nan, '.NAN': math.nan,
          '.inf': math.inf, '.Inf': math.inf, '.INF': math.inf,
          '+.inf': math.inf, '+.Inf': math.inf, '+.INF': math.inf,
          '-.inf': -math.inf, '-.Inf': -math.inf, '-.INF': -math.inf}
# strconv.ParseInt(s, 0, 64) after yaml.v2 drops underscores: a leading
# 0 means octal, 0x hex, 0b binary, 0o octal.
_INT = re.compile(r'([-+]?)(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO]?[0-7]+'
                  r'|[1-9][0-9]*|0)$')
_BASES = {'x': 16, 'b': 2, 'o': 8}
_FLOAT = re.compile(r'[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$')


def plain_scalar(text):
    """The Go value yaml.v2 gives an unquoted scalar."""
    if text in _WORDS:
        return _WORDS[text]
    if text[:1] == '.' or text[:1] in '+-0123456789':
        plain = text.replace('_', '') if text[0] != '.' else text
        number = _INT.match(plain)
        if number:
            sign, digits = number.groups()
            base = _BASES.get(digits[1:2].lower(), 8) \
                if len(digits) > 1 and digits[0] == '0' else 10
            value = int(sign + digits, base) if base == 10 else \
                int(sign + '1') * int(digits, base)
            # int64, or uint64 when unsigned; beyond that, a float
            if -2 ** 63 <= value < 2 ** 63 or (
                    not sign and value < 2 ** 64):
                return value
        if _FLOAT.match(plain):
            value = float(plain)
            if not math.isinf(value):  # ParseFloat fails out of range
                return value
    return text


class _Loader(yaml.SafeLoader):
    """Every plain scalar through plain_scalar(), nothing else implicit."""
    yaml_implicit_resolvers = {}


_Loader.add_constructor(
    'tag:yaml.org,2002:str',
    lambda loader, node: plain_scalar(node.value) if node.style is None
    else node.value)


def _error(error):
    mark = getattr(error, 'problem_mark', None)
    where = 'line {}: '.format(mark.line + 1) if mark else ''
    return ValueError('yaml: {}{}'.format(
        where, getattr(error, 'problem', None) or error))


def _node(text):
    loader = _Loader(text)
    try:
        return loader, loader.get_single_node()
    except yaml.YAMLError as error:
        loader.dispose()
        raise _error(error)


def load(text):
    """``text`` into a Go interface{}, as `juju run` parses a value. A
    text with no YAML document in it (empty, a comment) is left as the
    string it was: yaml.v2 leaves its target untouched."""
    loader, node = _node(text)
    try:
        return text if node is None else loader.construct_document(node)
    except yaml.YAMLError as error:
        raise _error(error)
    finally:
        loader.dispose()


def load_string_map(text):
    """``text`` into a Go map[string]string, as relation-set reads its
    --file: each scalar value as it is written (``yes`` stays "yes", a
    null becomes ""), a list or a map as a value refused."""
    loader, node = _node(text)
    loader.dispose()
    if node is None or (isinstance(node, yaml.ScalarNode)
                        and plain_scalar(node.value) is None):
        return {}
    if not isinstance(node, yaml.MappingNode):
        raise _unmarshal_error(node, 'map[string]string')
    settings = {}
    for key, value in node.value:
        if not isinstance(value, yaml.ScalarNode):
            raise _unmarshal_error(value, 'string')
        null = value.style is None and plain_scalar(value.value) is None
        settings[key.value] = '' if null else value.value
    return settings


def _unmarshal_error(node, target):
    kind = node.tag.rpartition(':')[2]
    return ValueError('yaml: unmarshal errors:\n  line {}: cannot unmarshal '
                      '!!{} into {}'.format(node.start_mark.line + 1, kind,
                                            target))
