"""Option values built the way an attacker or a careless operator builds
them: each is refused with its option named, the files and the running
services stay as they were, and the status stays one bounded line.
A value that is fine as text goes where it goes unchanged: oslo.config
reads back exactly what was set."""

import glob
import os
import subprocess

import pytest

from openstack_base import grammar

DEEP = '[' * 5000 + ']' * 5000
# "billion laughs": nine lines whose aliases expand to 10^6 strings.
LAUGHS = (
    'cron-triggers:\n  t:\n    workflow: w\n    pattern: "* * * * *"\n'
    '    input:\n      a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol]\n'
) + ''.join(
        '      a{0}: &a{0} [{1}]\n'.format(
            n, ', '.join(['*a{}'.format(n - 1)] * 10)) for n in range(1, 6))
HUGE = 'x' * 200 * 1024

HOSTILE = [
    ('workflows', DEEP, 'nested deeper'),
    ('workflows', LAUGHS, 'aliases'),
    ('workflows', 'workflows:\n  ../../x: "x: 1"\n', 'name'),
    ('workflows', '#' * (300 * 1024), 'longer than'),
    ('region', HUGE, 'longer than'),
    ('execution-expiration-ignored-states', 'SUCCESS\n[DEFAULT]\ndebug=1',
     'control character'),
    ('execution-expiration-ignored-states', 'SUCCESS\u2028ERROR',
     'control character'),
    ('coordination-backend-url', 'redis://h:6379\n[DEFAULT]',
     'control character'),
    ('haproxy-server-timeout', 2 ** 31, "haproxy's limit"),
    ('haproxy-client-timeout', 10 ** 30, "haproxy's limit"),
    ('database-idle-timeout', 2147484, "PostgreSQL's limit"),
    ('rabbit-heartbeat-timeout', 65536, "AMQP's limit"),
    ('worker-multiplier', float('nan'), 'must be a number'),
    ('worker-multiplier', float('inf'), 'must be a number'),
    ('worker-multiplier', 1e300, 'at most'),
    ('cron-trigger-interval', 10 ** 12, 'a year'),
    ('execution-expiration-older-than', 10 ** 12, 'datetime'),
    ('execution-expiration-max-finished', 2 ** 63, 'Integer'),
    ('openstack-origin',
     'cloud:bookworm-zed\ndeb [trusted=yes] http://evil.example/ x main',
     'control character'),
    ('openstack-origin', 'deb http://a.example/ x main|not a key',
     'key after |'),
    ('vip_iface', 'eth0\n', 'control character'),
]


def written(unit):
    """Every file under the unit's etc, by path."""
    return {path: open(path).read() for path in sorted(glob.glob(
        os.path.join(str(unit.etc), '**'), recursive=True))
        if os.path.isfile(path)}


@pytest.mark.parametrize('option,value,why', HOSTILE, ids=[
    '{}-{}'.format(o, n) for n, (o, _, _) in enumerate(HOSTILE)])
def test_hostile_value_is_refused_and_changes_nothing(unit, option, value,
                                                      why):
    unit.relate_all()
    unit.charm().converge()
    before = written(unit)
    unit.init.forget()
    charm = unit.charm(**{option: value})
    charm.converge()
    assert written(unit) == before
    assert unit.init.calls == []
    state, message = charm.workload_status()
    assert state == 'blocked'
    assert message.startswith('Invalid config: {}: '.format(option))
    assert why in message
    charm.assess_status()
    shown_state, shown = unit.juju.status
    assert shown_state == 'blocked'
    assert len(shown) <= grammar.MAX_STATUS and '\n' not in shown


def oslo_reads(path, section, key):
    """What the packaged oslo.config reads from a file (its own parser and
    substitution), through Debian's python3-oslo.config."""
    script = ('import sys; from oslo_config import cfg\n'
              'c = cfg.ConfigOpts()\n'
              'c.register_opt(cfg.StrOpt(sys.argv[3]), group=sys.argv[2])\n'
              'c(["--config-file", sys.argv[1]], project="x")\n'
              'print(getattr(getattr(c, sys.argv[2]), sys.argv[3]), end="")')
    return subprocess.run(['/usr/bin/python3', '-c', script, path, section,
                           key], capture_output=True, text=True,
                          check=True).stdout


needs_oslo = pytest.mark.skipif(subprocess.run(
    ['/usr/bin/python3', '-c', 'import oslo_config'],
    capture_output=True).returncode != 0,
    reason="Debian's python3-oslo.config is not installed")


@needs_oslo
@pytest.mark.parametrize('url', [
    'redis://:pa$word@h:6379', 'redis://h:6379/?x=${DEFAULT.host}',
    'etcd3+http://h:2379/$$'])
def test_dollar_reaches_mistral_as_written(unit, url):
    unit.relate_all()
    unit.charm(**{'coordination-backend-url': url}).converge()
    assert oslo_reads(unit.conf, 'coordination', 'backend_url') == url


def test_a_check_that_fails_refuses_the_value_with_its_name(unit,
                                                            monkeypatch):
    from charm.openstack import jobs

    def broken(value):
        raise RecursionError('built to fail')
    monkeypatch.setattr(jobs, 'parse', broken)
    charm = unit.charm(workflows='workflows: {}')
    assert charm.config_problems() == [
        ('workflows', 'cannot be checked (RecursionError)')]


def test_a_value_no_check_caught_writes_nothing(unit, monkeypatch):
    """The last line: a value that reached a template unchecked (here
    forced in through the charm's own options) is refused by the
    template; nothing is written or restarted and the status says so."""
    from charm.openstack.mistral import MistralCharm
    unit.relate_all()
    unit.charm().converge()
    before = written(unit)
    unit.init.forget()
    options = MistralCharm.template_options
    monkeypatch.setattr(MistralCharm, 'template_options', lambda self: dict(
        options(self), api_workers='4\n[DEFAULT]\ndebug = true'))
    charm = unit.charm()
    charm.converge()
    assert written(unit) == before
    assert unit.init.calls == []
    assert charm.workload_status() == (
        'blocked', 'Refused to write config: mistral.conf: a value holds a '
        'control character')
    monkeypatch.setattr(MistralCharm, 'template_options', options)
    charm = unit.charm()
    charm.converge()
    assert not charm.workload_status()[1].startswith('Refused')


def test_bad_config_asks_nothing_of_relations(unit, monkeypatch):
    """A region (a VIP, a host name) goes out in relation requests: while
    the config is bad, the remote sides keep the last good."""
    from openstack_base.relations import IdentityServiceAdapter
    asked = []
    monkeypatch.setattr(IdentityServiceAdapter, 'connected',
                        property(lambda self: True))
    monkeypatch.setattr(IdentityServiceAdapter, 'request', lambda self:
                        asked.append(self.charm.config['region']))
    unit.charm(region='RegionOne').make_requests()
    unit.charm(region='r' * 5000).make_requests()
    unit.charm(region='Region\nTwo').make_requests()
    assert asked == ['RegionOne']
