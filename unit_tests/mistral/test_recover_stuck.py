"""recover-stuck finds the executions Mistral 15 leaves RUNNING with
nothing to move them (its heartbeat checker fails a lost action's task,
never the execution) in every project, by Mistral's own code reading a
real database (SQLite here, through Debian's python3-mistral), and fails
them through the API; the action runs through the real entry point
against a stub Mistral."""

import json
import os
import subprocess

import pytest

from charm.openstack import job_actions, mistral, mistral_api, stuck
from action_harness import action_runner
from http_stub import HTTPStub

REAL_CALL = mistral_api.call

needs_mistral = pytest.mark.skipif(subprocess.run(
    ['/usr/bin/python3', '-c', 'import mistral.db.v2.api'],
    capture_output=True).returncode != 0,
    reason="Debian's python3-mistral is not installed")

HEARTBEAT = "Heartbeat wasn't received."


@pytest.mark.parametrize('tasks, lost, quiet_for, reason', [
    ([('hold', 'ERROR', HEARTBEAT)], [], 60,
     "task hold ended ERROR (Heartbeat wasn't received.) and nothing "
     "completed the execution"),
    ([('a', 'SUCCESS', None), ('b', 'SUCCESS', None)], [], 60,
     'every task finished and nothing completed the execution'),
    ([('hold', 'RUNNING', None)], ['hold'], 0,
     'no heartbeat from the action of hold'),
    # something may still move it
    ([('hold', 'ERROR', HEARTBEAT)], [], 29, None),
    ([('a', 'ERROR', 'x'), ('b', 'RUNNING', None)], [], 60, None),
    ([('a', 'ERROR', 'x'), ('b', 'WAITING', None)], [], 60, None),
    ([('a', 'SUCCESS', None), ('b', 'RUNNING_DELAYED', None)], [], 60, None),
    ([('a', 'ERROR', 'x'), ('b', 'IDLE', None)], [], 60, None),
    ([], [], 600, None),
])
def test_held_by_nothing(tasks, lost, quiet_for, reason):
    assert stuck.held_by_nothing(tasks, lost, quiet_for, 30) == reason


def test_a_long_reason_is_bounded_on_one_line():
    reason = stuck.held_by_nothing([('t', 'ERROR', 'a\nb ' + 'x' * 500)],
                                   [], 60, 30)
    assert '\n' not in reason and len(reason) == stuck.MAX_REASON


# Executions written with Mistral's own code: (name, project, state,
# [(task, state, state_info, age s, action heartbeat age s or None)]).
EXECUTIONS = [
    ('stuck-a', 'proj-a', 'RUNNING',
     [('first', 'SUCCESS', None, 700, None),
      ('hold', 'ERROR', HEARTBEAT, 600, None)]),
    ('stuck-b', 'proj-b', 'RUNNING', [('hold', 'RUNNING', None, 600, 600)]),
    ('lost-completion', 'proj-a', 'RUNNING',
     [('only', 'SUCCESS', None, 600, None)]),
    ('alive', 'proj-b', 'RUNNING', [('hold', 'RUNNING', None, 600, 5)]),
    ('just-ended', 'proj-a', 'RUNNING', [('hold', 'ERROR', HEARTBEAT, 2,
                                          None)]),
    ('finished', 'proj-a', 'ERROR', [('hold', 'ERROR', HEARTBEAT, 600,
                                      None)]),
]
WRITE = """
import datetime, json, sys
from mistral import config, context
from mistral.db.v2 import api as db_api
config.parse_args(args=['--config-file', sys.argv[1]])
db_api.setup_db()
now = datetime.datetime.utcnow()
def ago(s):
    return now - datetime.timedelta(seconds=s)
ids = {}
for name, project, state, tasks in json.loads(sys.argv[2]):
    context.set_ctx(context.MistralContext(user='u', project_id=project))
    with db_api.transaction():
        oldest = max(t[3] for t in tasks) + 60
        ex = db_api.create_workflow_execution({
            'name': name, 'workflow_name': name, 'state': state, 'spec': {},
            'params': {}, 'created_at': ago(oldest),
            'updated_at': ago(oldest)})
        ids[name] = ex.id
        for task, t_state, info, age, beat in tasks:
            t = db_api.create_task_execution({
                'name': task, 'workflow_execution_id': ex.id,
                'workflow_name': name, 'state': t_state, 'state_info': info,
                'spec': {}, 'created_at': ago(age), 'updated_at': ago(age)})
            if beat is not None:
                db_api.create_action_execution({
                    'name': 'std.http', 'task_execution_id': t.id,
                    'state': 'RUNNING', 'is_sync': True, 'spec': {},
                    'last_heartbeat': ago(beat), 'created_at': ago(age)})
print(json.dumps(ids))
"""


@pytest.fixture
def database(tmp_path):
    """mistral.conf on an SQLite database holding EXECUTIONS; their ids
    by name."""
    conf = tmp_path / 'mistral.conf'
    conf.write_text('[database]\nconnection = sqlite:///{}\n'.format(
        tmp_path / 'mistral.db'))
    written = subprocess.run(
        ['/usr/bin/python3', '-I', '-c', WRITE, str(conf),
         json.dumps(EXECUTIONS)], capture_output=True, text=True)
    assert written.returncode == 0, written.stderr[-2000:]
    return str(conf), json.loads(written.stdout.splitlines()[-1])


@pytest.fixture
def act(unit, monkeypatch):
    """act(name, **params): the action's (results, failure message),
    failing through a stub Mistral."""
    server = HTTPStub()
    monkeypatch.setattr(mistral_api, 'call', REAL_CALL)
    monkeypatch.setattr(job_actions, 'api', lambda charm: mistral_api.Mistral(
        server.url + '/v2', 'service-token'))
    run = action_runner(unit, monkeypatch)
    run.mistral = server
    yield run
    server.close()


@pytest.fixture
def scan(act, database, monkeypatch):
    """act, scanning ``database``; ``ids`` its executions' ids."""
    monkeypatch.setattr(mistral.MistralCharm, 'mistral_conf', database[0])
    act.ids = database[1]
    return act


def listed(results):
    return {line.split()[0]: line for line in
            results['executions'].splitlines()}


@needs_mistral
def test_every_projects_stuck_executions_are_listed_and_nothing_moved(scan):
    results, failure = scan('recover-stuck')
    assert failure is None, failure
    ids = scan.ids
    found = listed(results)
    assert set(found) == {ids['stuck-a'], ids['stuck-b'],
                          ids['lost-completion']}, results
    assert results['count'] == 3
    assert found[ids['stuck-a']] == (
        "{} proj-a stuck-a: task hold ended ERROR (Heartbeat wasn't "
        "received.) and nothing completed the execution".format(
            ids['stuck-a']))
    assert found[ids['stuck-b']].endswith(
        'proj-b stuck-b: no heartbeat from the action of hold')
    assert [r for r in scan.mistral.requests if r['method'] != 'GET'] == []


@needs_mistral
def test_fail_true_fails_each_through_the_api_with_its_reason(scan):
    ids = scan.ids
    for name in ('stuck-a', 'stuck-b', 'lost-completion'):
        scan.mistral.answer('PUT', '/v2/executions/' + ids[name],
                            body={'id': ids[name], 'state': 'ERROR'})
    results, failure = scan('recover-stuck', fail=True)
    assert failure is None, failure
    assert results['failed'] == 3
    puts = {r['path'].rsplit('/', 1)[1]: json.loads(r['body']) for r in
            scan.mistral.requests if r['method'] == 'PUT'}
    assert set(puts) == {ids['stuck-a'], ids['stuck-b'],
                         ids['lost-completion']}
    assert puts[ids['stuck-b']] == {
        'state': 'ERROR', 'state_info': 'recover-stuck: no heartbeat from '
        'the action of hold'}


@needs_mistral
def test_older_than_waits_for_a_quiet_execution(scan):
    # 'just-ended' changed 2 s ago: listed only when 1 s of quiet will do
    assert scan.ids['just-ended'] not in listed(scan('recover-stuck')[0])
    assert scan.ids['just-ended'] in listed(
        scan('recover-stuck', **{'older-than': 1})[0])


@needs_mistral
def test_a_refused_put_fails_the_action_with_the_count(scan):
    ids = scan.ids
    scan.mistral.answer('PUT', '/v2/executions/' + ids['stuck-a'],
                        body={'id': ids['stuck-a'], 'state': 'ERROR'})
    for name in ('stuck-b', 'lost-completion'):
        scan.mistral.answer('PUT', '/v2/executions/' + ids[name], 409,
                            {'faultstring': 'Execution is busy'})
    results, failure = scan('recover-stuck', fail=True)
    assert failure == '2 of 3 stuck executions not failed'
    assert results['failed'] == 1
    assert '{} not failed: Mistral refused (409): Execution is busy'.format(
        ids['stuck-b']) in results['executions']


def test_a_failed_scan_says_why_without_the_database_password(
        act, monkeypatch, tmp_path):
    broken = tmp_path / 'broken.conf'
    broken.write_text('[database]\nconnection = mysql+pymysql://mistral:'
                      'db-s3cret@127.0.0.1:1/mistral\n')
    monkeypatch.setattr(mistral.MistralCharm, 'mistral_conf', str(broken))
    monkeypatch.setattr(job_actions, 'MISTRAL_PYTHON', [
        '/usr/bin/python3', '-I', '-c',
        'import sys; sys.exit("OperationalError: cannot connect to "'
        '"mysql+pymysql://mistral:db-s3cret@127.0.0.1:1/mistral")'])
    results, failure = act('recover-stuck')
    assert failure.startswith("the scan of Mistral's database failed: "
                              'OperationalError'), failure
    assert 'db-s3cret' not in failure and results == {}


def test_the_scan_is_told_the_heartbeat_bound_and_quiet(act, monkeypatch,
                                                        unit, tmp_path):
    told = tmp_path / 'argv'
    monkeypatch.setattr(job_actions, 'MISTRAL_PYTHON', [
        '/usr/bin/python3', '-I', '-c',
        'import sys; open({!r}, "w").write(" ".join(sys.argv[1:])); '
        'print("[]")'.format(str(told))])
    unit.juju.config['action-heartbeat-timeout'] = 0   # the check is off
    assert act('recover-stuck', **{'older-than': 45})[0] == {
        'count': 0, 'executions': ''}
    script, conf, quiet, heartbeat = told.read_text().split()
    assert os.path.samefile(script, stuck.__file__)
    assert (quiet, heartbeat) == ('45', str(10 ** 9))


def test_the_actions_bounds_are_actions_yamls():
    import yaml
    root = os.path.join(os.path.dirname(__file__), '..', '..')
    with open(os.path.join(root, 'src', 'actions.yaml')) as f:
        param = yaml.safe_load(f)['recover-stuck']['params']['older-than']
    assert (param['minimum'], param['maximum']) == \
        job_actions.LIMITS['older-than']
    assert param['default'] == 30


READ_MESSAGING = """
import json, sys
import oslo_messaging
from oslo_config import cfg
from oslo_messaging._drivers import amqp, impl_rabbit
from mistral import config
config.parse_args(args=['--config-file', sys.argv[1]])
conf = cfg.CONF
conf.register_opts(impl_rabbit.rabbit_opts + amqp.amqp_opts,
                   group='oslo_messaging_rabbit')
oslo_messaging.get_rpc_transport(conf, url='rabbit://u:p@127.0.0.1:1/v')
rabbit = conf.oslo_messaging_rabbit
print(json.dumps({
    'exchange': conf.control_exchange,
    'topics': [conf.engine.topic, conf.executor.topic,
               conf.event_engine.topic, conf.notifier.topic],
    'quorum': rabbit.rabbit_quorum_queue,
    'durable': rabbit.amqp_durable_queues,
    'interval_max': rabbit.rabbit_interval_max}))
"""


@needs_mistral
@pytest.mark.parametrize('queue_type, expected', [
    ('quorum', {'exchange': 'mistral', 'quorum': True, 'durable': False,
                'topics': ['mistral_engine_quorum', 'mistral_executor_quorum',
                           'mistral_event_engine_quorum',
                           'mistral_notifier_quorum']}),
    ('durable', {'exchange': 'mistral', 'quorum': False, 'durable': True,
                 'topics': ['mistral_engine_durable',
                            'mistral_executor_durable',
                            'mistral_event_engine_durable',
                            'mistral_notifier_durable']}),
    ('transient', {'exchange': 'openstack', 'quorum': False,
                   'durable': False,
                   'topics': ['mistral_engine', 'mistral_executor',
                              'mistral_event_engine', 'mistral_notifier']})])
def test_mistral_and_oslo_messaging_read_the_queue_type(unit, queue_type,
                                                        expected):
    """Mistral's and oslo.messaging's own option definitions (Debian's
    packages) read what the charm renders for each queue type."""
    unit.relate_all()
    unit.charm(**{'rabbit-queue-type': queue_type}).converge()
    read = subprocess.run(['/usr/bin/python3', '-I', '-c', READ_MESSAGING,
                           unit.conf], capture_output=True, text=True)
    assert read.returncode == 0, read.stderr[-2000:]
    assert json.loads(read.stdout.splitlines()[-1]) == dict(
        expected, interval_max=10)
