"""Properties of every option check, over arbitrary values of the
option's Juju type: the check never raises, and a value it lets through
renders into files that parse back to that value (the INI files through
configparser with oslo.config's `$$`; haproxy.cfg through `haproxy -c`).
"""

import configparser
import os
import shutil
import subprocess

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from openstack_base import config_files, context, grammar, rendering

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
OPTIONS = {}
for path in ('layers/openstack-base/config.yaml', 'src/config.yaml'):
    with open(os.path.join(ROOT, path)) as f:
        OPTIONS.update(yaml.safe_load(f)['options'])

# Text as operators and attackers write it: any character, and the ones
# each destination treats as syntax, often.
SYNTAX = st.sampled_from(list('\n\r\t $%#;"\'\\[]=:/@,{}\x00\u2028') +
                         ['${DEFAULT.debug}', '$$', '\n[DEFAULT]\n'])
TEXT = st.lists(st.one_of(st.text(max_size=8), SYNTAX), max_size=8).map(
    ''.join)
BY_TYPE = {
    'string': TEXT,
    'int': st.one_of(st.integers(-2 ** 70, 2 ** 70),
                     st.sampled_from([0, 1, 2 ** 31 - 1, 2 ** 31, 65535,
                                      65536, 2 ** 63])),
    'float': st.floats(allow_nan=True, allow_infinity=True),
    'boolean': st.booleans(),
}
# Where the INI files take each string option a value of which goes in
# whole: (template, section, key).
# (keystone_authtoken's region_name too, with identity-service data,
# which this fake unit has none of.)
INI_PLACES = {
    'region': [('mistral.conf', 'openstack_actions', 'default_region')],
    'coordination-backend-url': [('mistral.conf', 'coordination',
                                  'backend_url')],
}
# A value each of those takes, always tried: the round trip is shown
# whatever hypothesis draws.
ACCEPTED = {'region': 'RegionTwo', 'coordination-backend-url':
            'redis://:pa$word@h:6379/?x=${DEFAULT.debug}'}
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def rendered(unit, charm):
    """{template: text} of every file, rendered as converge renders them
    (UnsafeValue if a template refuses a value)."""
    values = context.build(charm, None)
    oslo = set(charm.config_files.values())
    return {template: rendering.render(
        template, values, charm.release,
        grammar.oslo_escape if template in oslo else None)
        for template, _ in config_files.wanted(charm, None).values()}


def oslo_value(text, section, key):
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.read_string(text)
    return parser.get(section, key).replace('$$', '$')


@pytest.mark.parametrize('option', sorted(OPTIONS))
def test_every_check_refuses_or_renders(unit, option):
    unit.relate_all()
    baseline = rendered(unit, unit.charm())

    @SETTINGS
    @given(BY_TYPE[OPTIONS[option]['type']])
    @example(ACCEPTED.get(option, OPTIONS[option].get('default')))
    def check(value):
        charm = unit.charm(**{option: value})
        try:
            problems = charm.config_problems()
        finally:
            unit.juju.config[option] = OPTIONS[option].get('default')
        if problems:
            assert option in [o for o, _ in problems], problems
            return
        charm = unit.charm(**{option: value})
        try:
            files = rendered(unit, charm)
        finally:
            unit.juju.config[option] = OPTIONS[option].get('default')
        for template in charm.config_files.values():     # the INI ones
            parser = configparser.ConfigParser(interpolation=None,
                                               strict=False)
            parser.read_string(files[template])
            before = configparser.ConfigParser(interpolation=None,
                                               strict=False)
            before.read_string(baseline[template])
            # No value opened a section of its own.
            assert set(parser.sections()) <= set(
                before.sections()) | {'coordination'}
        for template, section, key in INI_PLACES.get(option, []):
            if value not in (None, ''):
                assert oslo_value(files[template], section, key) == value
    check()


needs_haproxy = pytest.mark.skipif(not shutil.which('haproxy'),
                                   reason='haproxy is not installed')


@needs_haproxy
@pytest.mark.parametrize('option', sorted(
    o for o in OPTIONS if o.startswith('haproxy-')))
def test_haproxy_takes_every_timeout_the_check_accepts(unit, option,
                                                       tmp_path):
    unit.relate_all()

    @settings(max_examples=15, deadline=None, suppress_health_check=[
        HealthCheck.function_scoped_fixture])
    @given(st.one_of(st.integers(1, 2 ** 40),
                     st.sampled_from([2 ** 31 - 1, 2 ** 31])))
    def check(value):
        charm = unit.charm(**{option: value})
        try:
            if charm.config_problems():
                assert value > 2 ** 31 - 1
                return
            text = rendered(unit, charm)['haproxy.cfg']
        finally:
            unit.juju.config[option] = None
        path = tmp_path / 'haproxy.cfg'
        path.write_text(text)
        result = subprocess.run(['haproxy', '-c', '-f', str(path)],
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
    check()
