"""Notifications: the event definitions the charm gives
mistral-event-engine convert every notification, so none ends the
event engine's processing thread; and the status says when that thread
has ended anyway.

The conversion tests run Mistral's own code (event_engine_probe.py) with
the Debian python3 that has python3-mistral, and skip without it.
"""

import configparser
import json
import os
import re
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from charm.openstack import event_engine, mistral
from charm.openstack.mistral import MistralCharm
from openstack_base import rendering

PY = '/usr/bin/python3'
PROBE = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                     'event_engine_probe.py')
TEMPLATE = 'mistral-event-definitions.yaml'
EVENT = 'compute.instance.create.end'


def mistral_importable():
    try:
        return subprocess.run(
            [PY, '-I', '-c', 'import eventlet, oslo_service, '
             'mistral.event_engine.default_event_engine'],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            timeout=120).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


class Probe:
    """event_engine_probe.py, alive for the module: one batch of
    notifications per call."""

    def __init__(self):
        self.process = subprocess.Popen(
            [PY, '-I', PROBE], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, universal_newlines=True)

    def run(self, definitions, notifications, triggers=None, debug=False):
        batch = {'definitions': definitions, 'debug': debug,
                 'notifications': notifications,
                 'triggers': triggers or [{'event': EVENT, 'project_id':
                                           'p1', 'scope': 'private'}]}
        self.process.stdin.write(spliced(json.dumps(batch)) + '\n')
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def close(self):
        self.process.stdin.close()
        self.process.wait(60)


@pytest.fixture(scope='module')
def probe():
    if not mistral_importable():
        pytest.skip('{} cannot import python3-mistral'.format(PY))
    running = Probe()
    yield running
    running.close()


@pytest.fixture(scope='module')
def definitions(tmp_path_factory, monkeypatch_module):
    """The charm's event definitions as the charm renders them."""
    from charmhelpers.core import hookenv
    src = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))), 'src')
    monkeypatch_module.setattr(hookenv, 'charm_dir', lambda: src)
    path = tmp_path_factory.mktemp('events') / TEMPLATE
    path.write_text(rendering.render(TEMPLATE, {}, 'zed'))
    return str(path)


@pytest.fixture(scope='module')
def monkeypatch_module():
    patcher = pytest.MonkeyPatch()
    yield patcher
    patcher.undo()


@pytest.fixture(scope='module')
def mistral_defaults(tmp_path_factory):
    """No definitions file: what Mistral does without the charm's."""
    return str(tmp_path_factory.mktemp('none') / 'absent.yaml')


def notification(ctxt, payload=None, event_type=EVENT):
    """As oslo.messaging's notification listener hands it to Mistral's
    endpoint: the context keys of the message, plus the three it adds."""
    return {'ctxt': dict(ctxt, msg_id=None, reply_q=None,
                         client_timeout=None),
            'publisher_id': 'compute.host1', 'event_type': event_type,
            'payload': {'instance_id': 'i-1'} if payload is None
            else payload,
            'metadata': {'message_id': 'm1',
                         'timestamp': '2026-01-02 03:04:05.000006'}}


def params(user_id, project_id='p1'):
    return {'service': 'compute.host1', 'project_id': project_id,
            'user_id': user_id, 'timestamp': '2026-01-02 03:04:05.000006'}


MALFORMED = notification({'project_id': 'p1'})      # no user_id
GOOD = notification({'project_id': 'p1', 'user_id': 'u1'})


def nested(depth):
    """A list nested ``depth`` deep, as JSON text in the batch: this
    process's json.dumps stops short of the depths that matter."""
    return '<nested {}>'.format(depth)


def spliced(text):
    return re.sub(r'"<nested (\d+)>"',
                  lambda m: '[' * int(m[1]) + '1' + ']' * int(m[1]), text)


# -- the file and where Mistral reads it -----------------------------------
def test_the_definitions_file_is_a_config_file_only_the_event_engine_reads():
    assert MistralCharm.config_files[mistral.EVENT_DEFINITIONS] == TEMPLATE
    assert MistralCharm.config_readers[TEMPLATE] == ['mistral-event-engine']


def test_mistral_conf_names_the_file_and_a_change_restarts_only_the_event_engine(  # noqa: E501
        unit, monkeypatch):
    path = str(unit.etc / TEMPLATE)
    monkeypatch.setattr(MistralCharm, 'config_files', dict(
        MistralCharm.config_files, **{path: TEMPLATE}))
    unit.relate_all()
    charm = unit.charm()
    assert charm.restart_map[path] == ['mistral-event-engine']
    charm.converge()
    conf = configparser.ConfigParser(interpolation=None)
    conf.read(unit.conf)
    assert conf['event_engine']['event_definitions_cfg_file'] == \
        mistral.EVENT_DEFINITIONS
    written = open(path).read()
    assert "- event_types: '*'" in written
    with open(path, 'w') as f:
        f.write('[]\n')             # someone's edit
    unit.init.forget()
    unit.charm().converge()
    assert open(path).read() == written
    assert unit.init.actions('restart') == ['mistral-event-engine']


# -- Mistral's converter and processing thread -----------------------------
def test_mistral_defaults_end_the_thread_on_a_context_without_user_id(
        probe, mistral_defaults):
    # What the charm's definitions replace: the good notification after
    # the malformed one is never processed, and only stderr tells.
    answer = probe.run(mistral_defaults, [MALFORMED, GOOD])
    assert not answer['alive']
    assert answer['started'] == []
    assert answer['left'] == 2
    assert event_engine.thread_death(answer['stderr']) == \
        'YaqlEvaluationException'


def test_with_the_charms_definitions_a_malformed_notification_converts_and_the_next_starts(  # noqa: E501
        probe, definitions):
    answer = probe.run(definitions, [MALFORMED, GOOD])
    assert answer['alive'] and answer['left'] == 0
    assert answer['started'] == [params(None), params('u1')]
    assert event_engine.thread_death(answer['stderr']) is None


def test_a_deeply_nested_payload_ends_mistrals_thread_not_the_charms(
        probe, definitions, mistral_defaults):
    # YAQL copies the whole notification first: 600 levels exceed
    # Python's recursion limit; Jinja reads only the keys named.
    deep = notification({'project_id': 'p1', 'user_id': 'u1'},
                        payload=nested(600))
    assert not probe.run(mistral_defaults, [deep, GOOD])['alive']
    answer = probe.run(definitions, [deep, GOOD])
    assert answer['alive']
    assert answer['started'] == [params('u1'), params('u1')]


def test_values_that_are_not_text_become_null(probe, definitions):
    odd = notification({'project_id': ['p1'], 'user_id': nested(900)})
    odd['publisher_id'] = {'host': 'h'}
    odd['metadata']['timestamp'] = None
    answer = probe.run(definitions, [odd, GOOD], triggers=[
        {'event': EVENT, 'project_id': 'p1', 'scope': 'public'}])
    assert answer['alive']
    assert answer['started'] == [
        {'service': None, 'project_id': None, 'user_id': None,
         'timestamp': None}, params('u1')]


def test_mistrals_debug_log_of_a_deep_payload_still_ends_the_thread(
        probe, definitions):
    # Beyond the definitions' reach: with debug=true Mistral's Jinja
    # evaluator logs the whole notification (jinja_expression.py:130),
    # and Python's logging re-raises the RecursionError that a payload
    # nested near JSON's limit causes there. The status tells.
    deep = notification({'project_id': 'p1', 'user_id': 'u1'},
                        payload=nested(980))
    assert probe.run(definitions, [deep, GOOD])['alive']
    answer = probe.run(definitions, [deep, GOOD], debug=True)
    assert not answer['alive']
    assert event_engine.thread_death(answer['stderr']) == 'RecursionError'


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text() |
    st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) |
    st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20)
CONTEXTS = st.dictionaries(
    st.sampled_from(['user_id', 'project_id', 'auth_token', 'roles',
                     'timestamp', 'get', 'items']) | st.text(max_size=8),
    JSON, max_size=6)
NOTIFICATIONS = st.builds(
    lambda ctxt, publisher, event_type, payload, timestamp: {
        'ctxt': ctxt, 'publisher_id': publisher, 'event_type': event_type,
        'payload': payload,
        'metadata': {'message_id': 'm', 'timestamp': timestamp}},
    CONTEXTS, JSON, st.sampled_from([EVENT, 'identity.user.deleted']),
    JSON, JSON)


def expected(n):
    def text(value):
        return value if isinstance(value, str) else None
    return {'service': text(n['publisher_id']),
            'project_id': text(n['ctxt'].get('project_id')),
            'user_id': text(n['ctxt'].get('user_id')),
            'timestamp': text(n['metadata']['timestamp'])}


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(NOTIFICATIONS, min_size=1, max_size=10))
def test_any_notification_converts_and_the_thread_lives(
        probe, definitions, batch):
    triggers = [{'event': e, 'project_id': 'p1', 'scope': 'public'}
                for e in (EVENT, 'identity.user.deleted')]
    answer = probe.run(definitions, batch + [GOOD], triggers=triggers)
    assert answer['alive'] and answer['left'] == 0, answer['stderr']
    assert answer['started'] == [expected(n) for n in batch] + [
        params('u1')]


# -- the status when the thread has ended ----------------------------------
DEATH = '''Traceback (most recent call last):
  File "/usr/lib/python3/dist-packages/mistral/expressions/yaql_expression.py", line 158, in evaluate
    result = get_yaql_engine_class()(expression).evaluate(
KeyError: 'user_id'

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "/usr/lib/python3/dist-packages/eventlet/greenthread.py", line 221, in main
    result = function(*args, **kwargs)
             ^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/usr/lib/python3/dist-packages/mistral/event_engine/default_event_engine.py", line 312, in _process_event_queue
    event_params = self.notification_converter.convert(
mistral.exceptions.YaqlEvaluationException: Can not evaluate YAQL expression [expression=$.context.user_id, error='user_id', data={'context': {'auth_token': 'secret'}}]
'''  # noqa: E501
LOGGING_ERROR = '''--- Logging error ---
Traceback (most recent call last):
  File "/usr/lib/python3.11/logging/__init__.py", line 1110, in emit
    msg = self.format(record)
ValueError: bad
Call stack:
  File "/usr/lib/python3/dist-packages/mistral/event_engine/default_event_engine.py", line 312, in _process_event_queue
    event_params = self.notification_converter.convert(
Message: 'x'
'''  # noqa: E501
LOGGED = '''ERROR mistral.event_engine.default_event_engine [-] Failed to process event trigger t1, error: boom
Traceback (most recent call last):
  File "/usr/lib/python3/dist-packages/mistral/event_engine/default_event_engine.py", line 255, in _start_workflow
    self.engine_client.start_workflow(
mistral.exceptions.MistralException: boom
'''  # noqa: E501


def test_the_thread_s_traceback_is_told_by_its_exception_class_only():
    assert event_engine.thread_death(DEATH) == 'YaqlEvaluationException'
    assert event_engine.thread_death(
        DEATH.replace('_process_event_queue', 'something_else')) is None
    # a logging error lists the thread in its call stack, not its traceback
    assert event_engine.thread_death(LOGGING_ERROR) is None
    assert event_engine.thread_death('') is None


@pytest.fixture
def engine(unit, tmp_path, monkeypatch):
    """The event engine as systemd tells it (Engine), before the
    fake_juju unit's systemctl on PATH."""
    found = Engine(tmp_path / 'event-engine')
    monkeypatch.setenv('PATH', '{}:{}'.format(found.root,
                                              os.environ['PATH']))
    return found


class Engine:
    """A systemctl that gives the event engine's MainPID, and a
    journalctl that gives what a PID wrote (a file of its own) and
    records what it was asked."""

    def __init__(self, root):
        self.root = root
        root.mkdir()
        self.script('systemctl', (
            '[ "$1 $2 $4" = "show --property=MainPID {name}.service" ] '
            '&& cat {root}/main-pid\n').format(name=event_engine.NAME,
                                               root=root))
        self.script('journalctl', (
            'echo "$@" >> {root}/asked\n'
            'for arg; do case $arg in _PID=*) pid=${{arg#_PID=}};; '
            'esac; done\n'
            'cat {root}/journal.$pid 2>/dev/null\n'
            'exit 0\n').format(root=root))
        self.runs(os.getpid())

    def script(self, name, body):
        path = self.root / name
        path.write_text('#!/bin/sh\n' + body)
        path.chmod(0o755)

    def runs(self, pid):
        (self.root / 'main-pid').write_text('{}\n'.format(pid))

    def wrote(self, pid, text):
        with open(str(self.root / 'journal.{}'.format(pid)), 'a') as f:
            f.write(text)

    def forget(self, pid):
        (self.root / 'journal.{}'.format(pid)).unlink()

    def asked(self):
        path = self.root / 'asked'
        return path.read_text().splitlines() if path.exists() else []


# Live PIDs, as current_pid finds them in /proc.
PID, OTHER_PID = os.getpid(), 1


def test_a_traceback_of_the_running_process_blocks_and_names_the_action(
        engine):
    engine.wrote(OTHER_PID, DEATH)          # a process before this one
    engine.wrote(PID, 'a warning\n')
    assert event_engine.status() is None
    assert engine.asked() == [
        '--no-pager --quiet --boot --output=cat _PID={} '
        '_SYSTEMD_UNIT=mistral-event-engine.service'.format(PID)]
    engine.wrote(PID, DEATH)
    state, message = event_engine.status()
    assert state == 'blocked'
    assert 'mistral-event-engine stopped processing notifications ' \
        '(YaqlEvaluationException)' in message
    assert 'restart-services services=mistral-event-engine' in message
    assert 'secret' not in message
    # vacuumed away: still told, from memory, until the process is another
    engine.forget(PID)
    asked = len(engine.asked())
    assert event_engine.status()[0] == 'blocked'
    assert len(engine.asked()) == asked
    engine.runs(OTHER_PID)
    engine.forget(OTHER_PID)
    assert event_engine.status() is None
    engine.wrote(OTHER_PID, DEATH)
    assert event_engine.status()[0] == 'blocked'


def test_the_daemon_s_own_log_records_in_the_journal_block_nothing(engine):
    # logging.conf sends them to stderr too; a logged traceback starts
    # where the exception was caught, never in _process_event_queue
    engine.wrote(PID, LOGGED)
    assert event_engine.status() is None


def test_the_unit_status_tells_a_stopped_event_engine(unit, engine):
    unit.relate_all()
    charm = unit.charm()
    charm.converge()
    assert charm.workload_status()[0] == 'active'
    engine.wrote(PID, DEATH)
    assert charm.workload_status() == ('blocked', event_engine.status()[1])
    assert charm.workload_status()[1].startswith(
        'Event triggers no longer fire: mistral-event-engine stopped')


@pytest.mark.parametrize('main_pid', ['0', '', '999999999'])
def test_no_event_engine_running_says_nothing(engine, main_pid):
    # MainPID 0: stopped; nothing: no systemd answer; no such process
    engine.runs(main_pid)
    assert event_engine.status() is None
    assert engine.asked() == []
