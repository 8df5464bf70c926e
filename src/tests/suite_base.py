"""What the zaza tests of the Mistral charm share: the base class and
helpers. Built on zaza alone (zaza-openstack-tests is not on PyPI), plus
keystoneauth1 and python-mistralclient: the base class finds the
application and its leader, logs in to Keystone as the cloud admin at the
URL and with the CA the model gives (overcloud.py), and talks to Mistral
through the catalog, as an operator's client would.
"""

import datetime
import json
import time
import unittest

from mistralclient.api import client as mistral_client

import zaza.charm_lifecycle.utils as lifecycle_utils
import zaza.model

from . import mistral_workflows as workflows
from . import overcloud

SERVICE_TYPE = 'workflowv2'
MISTRAL_CONF = '/etc/mistral/mistral.conf'
MISTRAL_SERVICES = (
    'mistral-api', 'mistral-engine', 'mistral-executor',
    'mistral-event-engine')
# The charm runs the cron trigger loop in one process, on the leader only.
LEADER_SERVICES = ('mistral-cron-trigger',)
ENDPOINT_INTERFACES = ('public', 'internal', 'admin')
FINAL_STATES = ('SUCCESS', 'ERROR', 'CANCELLED')
# Charm actions and options the tests use (checked offline against the
# charm's actions.yaml and config.yaml).
PAUSE_ACTION = 'pause'
RESUME_ACTION = 'resume'
RECOVER_STUCK_ACTION = 'recover-stuck'
DEBUG_OPTION = 'debug'


def wait_for(predicate, timeout, interval=5, what='condition'):
    """Return predicate()'s first truthy value, polling until timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(
                'timed out after {}s waiting for {}'.format(timeout, what))
        time.sleep(interval)


def endpoint_urls(catalog, service_type=SERVICE_TYPE):
    """Map interface -> URL of a service in a keystoneauth catalog."""
    entries = catalog.get_endpoints(service_type=service_type)
    return {e['interface']: e['url'] for e in entries.get(service_type, [])}


def parse_mistral_time(text):
    """Mistral's API gives times as naive UTC 'YYYY-mm-dd HH:MM:SS'."""
    return datetime.datetime.strptime(text, '%Y-%m-%d %H:%M:%S')


def cron_firing_problems(created_at, period=60, slack=10):
    """What is wrong with executions a one-minute trigger created.

    A trigger must fire once per period: never twice in one period (a
    second unit or API worker firing too) and never skip one.
    """
    times = sorted(parse_mistral_time(t) for t in created_at)
    problems = []
    for earlier, later in zip(times, times[1:]):
        gap = (later - earlier).total_seconds()
        if abs(gap - period) > slack:
            problems.append('{}s between {} and {}'.format(
                gap, earlier, later))
    return problems


def unit_stdout(unit_name, command, model_name=None):
    result = zaza.model.run_on_unit(unit_name, command,
                                    model_name=model_name)
    if str(result.get('Code', '0')) not in ('0', ''):
        raise AssertionError('{} failed on {}: {}'.format(
            command, unit_name, result.get('Stderr')))
    return result.get('Stdout', '')


class MistralBaseTest(unittest.TestCase):
    """Application, leader, Keystone admin session and a Mistral client."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.model_name = zaza.model.get_juju_model()
        cls.test_config = lifecycle_utils.get_charm_config()
        cls.application_name = cls.test_config['charm_name']
        cls.lead_unit = zaza.model.get_lead_unit_name(
            cls.application_name, model_name=cls.model_name)
        cls.keystone_session = cls.admin_session()
        cls.mistral = cls.mistral_client()

    @classmethod
    def admin_session(cls):
        return overcloud.session(overcloud.admin_credentials(
            cls.application_name, model_name=cls.model_name))

    @classmethod
    def mistral_client(cls):
        url = cls.keystone_session.get_endpoint(
            service_type=SERVICE_TYPE, interface='public')
        return mistral_client.client(
            session=cls.keystone_session, mistral_url=url)

    @classmethod
    def units(cls):
        return [u.entity_id for u in zaza.model.get_units(
            cls.application_name, model_name=cls.model_name)]

    def ensure_workflow(self, name):
        """Upload a workflow, replacing any copy a kept model still has."""
        definition = workflows.ALL_DEFINITIONS[name]
        existing = [w.name for w in self.mistral.workflows.list()]
        if name in existing:
            self.mistral.workflows.update(definition)
        else:
            self.mistral.workflows.create(definition)

    def run_workflow(self, name, workflow_input, timeout=300):
        """Run a workflow to a final state; return (state, output)."""
        execution = self.mistral.executions.create(
            wf_identifier=name, workflow_input=workflow_input)

        def finished():
            current = self.mistral.executions.get(execution.id)
            return current if current.state in FINAL_STATES else None

        done = wait_for(finished, timeout, interval=2,
                        what='execution of {}'.format(name))
        return done.state, json.loads(done.output or '{}')

    def wait_until_ready(self):
        zaza.model.block_until_all_units_idle(model_name=self.model_name)
        zaza.model.wait_for_application_states(
            model_name=self.model_name,
            states=self.test_config.get('target_deploy_status', {}))

    def services_of(self, unit_name):
        if unit_name == self.lead_unit:
            return MISTRAL_SERVICES + LEADER_SERVICES
        return MISTRAL_SERVICES

    def service_pids(self, unit_name):
        services = self.services_of(unit_name)
        out = unit_stdout(
            unit_name,
            'systemctl show --property=MainPID --value {}'.format(
                ' '.join(services)),
            model_name=self.model_name)
        return dict(zip(services, (int(p) for p in out.split())))

    def service_states(self, unit_name):
        services = self.services_of(unit_name)
        # is-active exits non-zero when any is down; the lines still tell.
        result = zaza.model.run_on_unit(
            unit_name, 'systemctl is-active {}'.format(' '.join(services)),
            model_name=self.model_name)
        return dict(zip(services, result.get('Stdout', '').split()))
