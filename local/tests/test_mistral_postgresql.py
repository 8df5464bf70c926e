"""The operator stories against the real packaged Mistral, on one
PostgreSQL deployment shared by the tests of this module, in order:
deploy alone, relate one at a time, run workflows, cron triggers, config
changes, pause/resume, bad config, a stopped service, and last the
removal of the database relation."""

import base64
import os
import tempfile
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from local import workflows
from local.mistral_user import MistralError, create_workflows, run_workflow
from local.tests.fault_workload import restart_service, through
from local.tests.mistral_site import MISTRAL_SERVICES, SERVICES

pytestmark = pytest.mark.needs_root

SHARED = workflows.load()
MISSING_ALL = ("Missing relations: 'amqp', 'identity-service', "
               "'shared-db' or 'db'")
PAUSED = ('maintenance',
          "Paused. Use 'resume' action to resume normal service.")
READY = ('active', 'Unit is ready')

# A failing task whose error is handled: the workflow succeeds with what
# the on-error task and the error publisher produced.
ON_ERROR_WORKFLOW = 'func_on_error'
ON_ERROR_DEFINITION = """\
version: '2.0'
func_on_error:
  output:
    failed_task: <% $.failed_task %>
    recovered: <% $.recovered %>
  tasks:
    doomed:
      action: std.fail
      publish-on-error:
        failed_task: <% task().name %>
      on-error:
        - recover
    recover:
      action: std.echo
      input:
        output: recovered from doomed
      publish:
        recovered: <% task().result %>
"""
ON_ERROR_OUTPUT = {'failed_task': 'doomed',
                   'recovered': 'recovered from doomed'}


@pytest.fixture(scope='module')
def pg(mistral_site):
    return mistral_site.deployment('postgresql')


@pytest.fixture
def ready(pg):
    """The full deployment, active (each test can also run alone)."""
    pg.relate_all()
    pg.wait_ready()
    # The public port drops requests for a while after "Unit is ready"
    # (see test_public_api_answers_once_unit_is_ready): wait it out so
    # each test checks its own story.
    pg.wait_serving()
    return pg


@pytest.fixture
def client(ready):
    api = ready.client()
    for definition in (SHARED.ECHO_DEFINITION, SHARED.FAN_OUT_DEFINITION,
                       ON_ERROR_DEFINITION, SHARED.CRON_DEFINITION):
        create_workflows(api, definition)
    return api


def echo_runs(api):
    execution = run_workflow(api, SHARED.ECHO_WORKFLOW, SHARED.ECHO_INPUT)
    return (execution['state'], execution['output']) == (
        'SUCCESS', SHARED.ECHO_OUTPUT)


# -- 1, 2: deploy and relate ---------------------------------------------
def test_deployed_alone_is_blocked_naming_missing_relations(pg):
    assert pg.hook_error() is None
    assert pg.workload() == ('blocked', MISSING_ALL)


def test_relations_added_one_at_a_time_wait_then_active(pg):
    pg.relate('mistral:amqp', 'rabbitmq-server')
    assert pg.workload() == (
        'blocked', "Missing relations: 'identity-service', 'shared-db' "
        "or 'db'")
    pg.relate('mistral:db', 'postgresql')
    assert pg.workload() == ('blocked',
                             "Missing relations: 'identity-service'")
    since = time.time()
    pg.relate('mistral:identity-service', 'keystone')
    # keystone answers only after the charm asked: until then the
    # relation is there but incomplete
    assert ('waiting', "Incomplete relations: 'identity-service'") in \
        pg.history(since)
    assert pg.wait_ready() == READY
    assert pg.hook_error() is None


def test_public_api_answers_once_unit_is_ready(pg):
    assert pg.wait_ready() == READY
    api = pg.client()
    dropped = []
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            api.request('GET', '/workflows')
        except (OSError, MistralError) as error:
            dropped.append(repr(error))
        time.sleep(0.25)
    assert not dropped, '{} requests failed, first: {}'.format(
        len(dropped), dropped[0])


# -- 3: workflows through Keystone auth -----------------------------------
def test_echo_workflow_succeeds(client):
    execution = run_workflow(client, SHARED.ECHO_WORKFLOW, SHARED.ECHO_INPUT)
    assert execution['state'] == 'SUCCESS', execution.get('state_info')
    assert execution['output'] == SHARED.ECHO_OUTPUT


def test_with_items_and_join_workflow_succeeds(client):
    execution = run_workflow(client, SHARED.FAN_OUT_WORKFLOW,
                             SHARED.FAN_OUT_INPUT)
    assert execution['state'] == 'SUCCESS', execution.get('state_info')
    assert execution['output'] == SHARED.FAN_OUT_OUTPUT


def test_an_on_error_task_recovers(client):
    execution = run_workflow(client, ON_ERROR_WORKFLOW)
    assert execution['state'] == 'SUCCESS', execution.get('state_info')
    assert execution['output'] == ON_ERROR_OUTPUT
    tasks = client.request('GET', '/executions/{}/tasks'.format(
        execution['id']))['tasks']
    assert {t['name']: t['state'] for t in tasks} == {
        'doomed': 'ERROR', 'recover': 'SUCCESS'}


def test_request_without_token_is_refused(client):
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(client.url + '/workflows', timeout=30)
    assert refused.value.code == 401
    client.request('GET', '/workflows')  # the same request with a token


# -- 5: cron triggers: once a minute on three units through leader
# changes (test_mistral_ha.py), from the workflows option on this unit
# (test_mistral_jobs.py) ---------------------------------------------------


# -- 6: config changes -----------------------------------------------------
def test_config_changed_without_change_restarts_nothing(ready):
    before = ready.pids()
    assert None not in before.values(), before
    assert ready.hook('config-changed')
    assert ready.pids() == before
    assert ready.workload() == READY


def test_debug_rerenders_and_restarts_only_mistral(ready):
    before = ready.pids()
    assert None not in before.values(), before
    ready.config(debug='true')
    try:
        assert ready.mistral_conf()['DEFAULT']['debug'] == 'True'
        assert ready.wait_ready() == READY
        after = ready.pids()
        for name in MISTRAL_SERVICES:
            assert after[name] not in (None, before[name]), name
        assert after['haproxy'] == before['haproxy']
    finally:
        ready.reset('debug')
    assert ready.mistral_conf()['DEFAULT']['debug'] == 'False'


# -- 7: pause / resume -----------------------------------------------------
def test_pause_stops_services_and_resume_restores(ready):
    before = ready.pids()
    assert None not in before.values(), before
    paused = ready.action('pause')
    try:
        assert paused['status'] == 'completed', paused
        assert ready.workload() == PAUSED
        for name in MISTRAL_SERVICES:
            assert not ready.service_running(name), name
            assert ready.pid(name) is None, name
            assert ready.inside('kill', '-0', str(before[name]),
                                check=False).returncode != 0, name
    finally:
        resumed = ready.action('resume')
    assert resumed['status'] == 'completed', resumed
    assert ready.wait_ready(timeout=120) == READY
    assert all(ready.pids().values())
    ready.wait_serving()  # the same haproxy delay as after the first start
    assert echo_runs(ready.client())


# -- 8: bad config ---------------------------------------------------------
@pytest.mark.parametrize('option,value', [
    ('worker-multiplier', '-1'),
    ('cron-trigger-interval', '0'),
    ('openstack-origin', 'cloud:jammy-caracal'),
    ('haproxy-client-timeout', '0'),
])
def test_bad_config_blocks_naming_option_and_keeps_serving(
        ready, client, option, value):
    ready.config(**{option: value})
    try:
        assert ready.hook_error() is None  # config-changed exited 0
        status, message = ready.workload()
        assert status == 'blocked'
        assert message.startswith('Invalid config: ' + option + ': '), \
            message
        assert echo_runs(client)
    finally:
        ready.reset(option)
    assert ready.wait_ready(timeout=120) == READY


def key_pair(cn):
    """(certificate, key) PEM text of a new self-signed pair."""
    with tempfile.TemporaryDirectory() as scratch:
        subprocess.run(
            ['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt',
             'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
             '-subj', '/CN=' + cn, '-keyout', scratch + '/key',
             '-out', scratch + '/cert'], check=True, capture_output=True)
        return tuple(open(os.path.join(scratch, name)).read()
                     for name in ('cert', 'key'))


def b64(text):
    return base64.b64encode(text.encode()).decode()


def test_certificate_and_key_that_do_not_match_restart_nothing(
        ready, client):
    cert = key_pair('127.0.0.1')[0]
    other_key = key_pair('127.0.0.1')[1]
    before = ready.pids()
    assert None not in before.values(), before
    ready.controller.config('mistral', ['ssl_cert=' + b64(cert),
                                        'ssl_key=' + b64(other_key)])
    try:
        assert ready.hook_error() is None
        assert ready.workload() == (
            'blocked', 'Invalid config: ssl_key: does not match ssl_cert')
        assert ready.pids() == before       # nothing restarted
        assert not ready.service_running('apache2')
        assert echo_runs(client)            # the old config serves
    finally:
        ready.reset('ssl_cert', 'ssl_key')
    assert ready.wait_ready(timeout=120) == READY
    assert ready.pids() == before


def test_upgrade_charm_with_no_change_restarts_nothing(ready):
    before = ready.pids()
    assert None not in before.values(), before
    ready.controller.upgrade_charm('mistral')
    assert ready.hook_error() is None
    assert ready.wait_ready(timeout=120) == READY
    assert ready.pids() == before


# -- 10: a dead service ----------------------------------------------------
def test_a_stopped_engine_is_named_by_update_status(ready):
    # systemd restarts a daemon that crashes (test_mistral_systemd.py);
    # one an operator stopped stays stopped, and the status says so
    ready.inside('systemctl', 'stop', 'mistral-engine')
    assert ready.pid('mistral-engine') is None
    ready.hook('update-status')
    try:
        assert ready.workload() == (
            'blocked', 'Services not running that should be: '
            'mistral-engine')
    finally:
        restarted = ready.action('restart-services')
    assert restarted['status'] == 'completed', restarted
    assert ready.wait_ready(timeout=120) == READY
    assert set(ready.pids()) == set(SERVICES)
    assert all(ready.pids().values())


def test_a_postgresql_restart_loses_no_execution(ready, recorder):
    # One unit: its engines and executors ride out the database's
    # restart (the three-unit faults are in test_mistral_faults.py).
    through(ready.client(), recorder, 'postgresql-restart',
            lambda: restart_service('postgresql'))
    assert ready.wait_ready(timeout=120) == READY


# -- 9: removing the database relation (last: it takes Mistral down) -------
def psql_count(database, table):
    text = subprocess.run(
        ['runuser', '-u', 'postgres', '--', 'psql', '-tAX', '-d', database,
         '-c', 'SELECT count(*) FROM {}'.format(table)],
        capture_output=True, text=True, check=True).stdout
    return int(text.strip())


def database_name(deployment):
    state = deployment.model.read()
    for relation in state['relations'].values():
        data = relation['units'].get('postgresql/0')
        if data and data.get('database'):
            return data['database']
    raise AssertionError('no database on the db relation')


def test_removing_db_relation_blocks_stops_and_keeps_data(ready, client):
    kept = run_workflow(client, SHARED.ECHO_WORKFLOW, SHARED.ECHO_INPUT)
    database = database_name(ready)
    tables = ('workflow_definitions_v2', 'workflow_executions_v2')
    before = {t: psql_count(database, t) for t in tables}
    assert all(before.values()), before
    ready.controller.remove_relation('mistral:db', 'postgresql')
    assert ready.hook_error() is None
    assert ready.workload() == ('blocked',
                                "Missing relations: 'shared-db' or 'db'")
    for name in MISTRAL_SERVICES:
        assert not ready.service_running(name), name
    # The database credentials left with the relation.
    assert 'connection' not in ready.mistral_conf()['database']
    assert {t: psql_count(database, t) for t in tables} == before
    # related again, Mistral serves what it had (and later modules find
    # the deployment whole)
    ready.relate('mistral:db', 'postgresql')
    assert ready.wait_ready() == READY
    ready.wait_serving()
    # Rows of every project stay (the API lists only the caller's).
    assert {t: psql_count(database, t) >= before[t] for t in tables} == {
        t: True for t in tables}
    served = ready.client().execution(kept['id'])
    assert (served['state'], served['workflow_name']) == (
        'SUCCESS', SHARED.ECHO_WORKFLOW)
