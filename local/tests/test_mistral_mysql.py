"""The MySQL variant: shared-db on MariaDB behind the mysql-router
provider, from a fresh deployment; and both database relations at once
is a clear blocked status."""

import pytest

from local import workflows
from local.mistral_user import create_workflows, run_workflow
from local.tests.mistral_site import UNIT

pytestmark = pytest.mark.needs_root

SHARED = workflows.load()
READY = ('active', 'Unit is ready')


@pytest.fixture(scope='module')
def mysql(mistral_site):
    deployment = mistral_site.deployment('mysql')
    deployment.relate_all()
    return deployment


def test_mysql_variant_reaches_active_and_runs_workflows(mysql):
    assert mysql.wait_ready() == READY
    mysql.wait_serving()  # see test_public_api_answers_once_unit_is_ready
    connection = mysql.mistral_conf()['database']['connection']
    # the message shows the scheme only: the URL holds a password
    assert connection.startswith('mysql+pymysql://'), \
        connection.partition('://')[0]
    api = mysql.client()
    for definition, name, given, expected in (
            (SHARED.ECHO_DEFINITION, SHARED.ECHO_WORKFLOW,
             SHARED.ECHO_INPUT, SHARED.ECHO_OUTPUT),
            (SHARED.FAN_OUT_DEFINITION, SHARED.FAN_OUT_WORKFLOW,
             SHARED.FAN_OUT_INPUT, SHARED.FAN_OUT_OUTPUT)):
        create_workflows(api, definition)
        execution = run_workflow(api, name, given)
        assert execution['state'] == 'SUCCESS', execution.get('state_info')
        assert execution['output'] == expected


def test_both_database_relations_block(mysql):
    mysql.wait_ready()
    mysql.relate('mistral:db', 'postgresql')
    try:
        assert mysql.hook_error() is None
        assert mysql.workload() == (
            'blocked', "Conflicting relations: 'shared-db' and 'db' "
            "(relate only one)")
    finally:
        mysql.controller.remove_relation('mistral:db', 'postgresql')
    assert mysql.wait_ready(timeout=120) == READY
    assert mysql.model.read()['units'][UNIT]['error'] is None


def test_a_database_cluster_upgrading_keeps_mistral_serving(mysql):
    # mysql-router says its cluster is in a series upgrade: the relation
    # is incomplete for a while; Mistral keeps running on what it has.
    mysql.wait_ready()
    before = mysql.pids()
    assert None not in before.values(), before
    mysql.remote_change('mistral-mysql-router',
                        **{'cluster-series-upgrading': 'True'})
    try:
        assert mysql.hook_error() is None
        assert mysql.workload() == (
            'waiting', "Incomplete relations: 'shared-db'")
        assert mysql.pids() == before
    finally:
        mysql.remote_change('mistral-mysql-router',
                            **{'cluster-series-upgrading': None})
    assert mysql.wait_ready(timeout=120) == READY
    assert mysql.pids() == before
