"""Functional tests of the Mistral charm on a Juju model deployed by zaza.

Built on zaza alone (zaza-openstack-tests is not on PyPI), plus
keystoneauth1 and python-mistralclient: the base class finds the
application and its leader, logs in to Keystone as the cloud admin, and
talks to Mistral through the catalog, as an operator's client would.
"""

import datetime
import json
import logging
import time
import unittest
import uuid

from keystoneauth1 import exceptions as ks_exceptions
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3
from mistralclient.api import base as mistral_base
from mistralclient.api import client as mistral_client

import zaza.charm_lifecycle.utils as lifecycle_utils
import zaza.model
import zaza.utilities.juju as juju_utils

from . import mistral_workflows as workflows

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
DEBUG_OPTION = 'debug'

# How charm-keystone names its cloud admin (Keystone v3).
KEYSTONE_APP = 'keystone'
ADMIN_USER = 'admin'
ADMIN_PROJECT = 'admin'
ADMIN_DOMAIN = 'admin_domain'
KEYSTONE_PORT = 5000


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
    def admin_password(cls):
        # charm-keystone takes the option when set, else it generates one
        # and keeps it in its leader settings.
        config = zaza.model.get_application_config(
            KEYSTONE_APP, model_name=cls.model_name)
        configured = config.get('admin-password', {}).get('value')
        if configured and configured != 'None':
            return configured
        return juju_utils.leader_get(
            KEYSTONE_APP, 'admin_passwd', model_name=cls.model_name)

    @classmethod
    def admin_session(cls):
        address = juju_utils.get_application_ip(
            KEYSTONE_APP, model_name=cls.model_name)
        if ':' in address:
            address = '[{}]'.format(address)
        auth = v3.Password(
            auth_url='http://{}:{}/v3'.format(address, KEYSTONE_PORT),
            username=ADMIN_USER,
            password=cls.admin_password(),
            user_domain_name=ADMIN_DOMAIN,
            project_name=ADMIN_PROJECT,
            project_domain_name=ADMIN_DOMAIN)
        return ks_session.Session(auth=auth)

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


class MistralApiTest(MistralBaseTest):
    """The catalog entry and workflows run through the API."""

    def test_100_catalog_has_workflowv2_endpoints(self):
        access = self.keystone_session.auth.get_access(self.keystone_session)
        urls = endpoint_urls(access.service_catalog)
        self.assertEqual(sorted(ENDPOINT_INTERFACES), sorted(urls))
        for interface, url in urls.items():
            self.assertTrue(url.endswith('/v2'),
                            '{} URL {} lacks /v2'.format(interface, url))

    def test_200_echo_workflow_succeeds(self):
        self.ensure_workflow(workflows.ECHO_WORKFLOW)
        state, output = self.run_workflow(
            workflows.ECHO_WORKFLOW, workflows.ECHO_INPUT)
        self.assertEqual('SUCCESS', state)
        self.assertEqual(workflows.ECHO_OUTPUT, output)

    def test_210_with_items_and_join_workflow_succeeds(self):
        self.ensure_workflow(workflows.FAN_OUT_WORKFLOW)
        state, output = self.run_workflow(
            workflows.FAN_OUT_WORKFLOW, workflows.FAN_OUT_INPUT)
        self.assertEqual('SUCCESS', state)
        self.assertEqual(workflows.FAN_OUT_OUTPUT, output)


class MistralCronTriggerTest(MistralBaseTest):
    """A one-minute cron trigger starts one execution per minute."""

    FIRINGS = 3

    def executions_of_cron_workflow(self):
        return self.mistral.executions.list(
            workflow_name=workflows.CRON_WORKFLOW, sort_keys='created_at')

    def test_300_cron_trigger_fires_once_per_minute(self):
        self.ensure_workflow(workflows.CRON_WORKFLOW)
        # Executions of earlier runs on a kept model are not this run's.
        before = {e.id for e in self.executions_of_cron_workflow()}
        name = 'zaza-cron-{}'.format(uuid.uuid4().hex[:8])
        self.mistral.cron_triggers.create(
            name, workflows.CRON_WORKFLOW, pattern=workflows.CRON_PATTERN)
        self.addCleanup(self.mistral.cron_triggers.delete, name)

        def fired_enough():
            new = [e for e in self.executions_of_cron_workflow()
                   if e.id not in before]
            return new if len(new) >= self.FIRINGS else None

        fired = wait_for(fired_enough, timeout=60 * (self.FIRINGS + 2),
                         interval=10, what='cron trigger firings')
        self.mistral.cron_triggers.delete(name)
        self.assertEqual(
            [], cron_firing_problems([e.created_at for e in fired]))

        def all_finished():
            states = [self.mistral.executions.get(e.id).state
                      for e in fired]
            return states if all(s in FINAL_STATES for s in states) else None

        states = wait_for(all_finished, timeout=120,
                          what='cron executions to finish')
        self.assertEqual(['SUCCESS'] * len(fired), states)


class MistralOperationsTest(MistralBaseTest):
    """Config changes restart the services; pause and resume work."""

    def set_debug(self, value):
        zaza.model.set_application_config(
            self.application_name, {DEBUG_OPTION: str(value)},
            model_name=self.model_name)
        self.wait_until_ready()

    def test_900_debug_change_restarts_services(self):
        config = zaza.model.get_application_config(
            self.application_name, model_name=self.model_name)
        original = config[DEBUG_OPTION]['value']
        if original:
            self.set_debug(False)
        self.addCleanup(self.set_debug, original)
        before = {unit: self.service_pids(unit) for unit in self.units()}

        self.set_debug(True)

        zaza.model.block_until_oslo_config_entries_match(
            self.application_name, MISTRAL_CONF,
            {'DEFAULT': {'debug': ['True']}},
            model_name=self.model_name, timeout=600)
        for unit, old in before.items():
            def restarted():
                new = self.service_pids(unit)
                changed = all(new[s] and new[s] != old[s] for s in old)
                return new if changed else None

            logging.info('Waiting for restarted services on %s', unit)
            wait_for(restarted, timeout=300,
                     what='new PIDs of {} on {}'.format(', '.join(old), unit))

    def test_910_pause_and_resume(self):
        unit = self.lead_unit
        zaza.model.run_action(unit, PAUSE_ACTION, model_name=self.model_name,
                              raise_on_failure=True)
        self.addCleanup(self.resume_quietly, unit)
        zaza.model.block_until_unit_wl_status(
            unit, 'maintenance', model_name=self.model_name)
        states = self.service_states(unit)
        self.assertEqual(set(self.services_of(unit)), set(states))
        self.assertNotIn('active', states.values(), states)

        zaza.model.run_action(unit, RESUME_ACTION, model_name=self.model_name,
                              raise_on_failure=True)
        zaza.model.block_until_unit_wl_status(
            unit, 'active', model_name=self.model_name)
        zaza.model.block_until_all_units_idle(model_name=self.model_name)
        zaza.model.block_until_wl_status_info_starts_with(
            self.application_name, 'Unit is ready',
            model_name=self.model_name)
        self.assertEqual({s: 'active' for s in self.services_of(unit)},
                         self.service_states(unit))
        # The API answers again, not just its process being up.
        wait_for(self.api_answers, timeout=120, what='the API after resume')

    def api_answers(self):
        try:
            self.mistral.workflows.list()
        except (ks_exceptions.ClientException,
                mistral_base.APIException) as error:
            logging.info('Mistral API not answering yet: %s', error)
            return False
        return True

    def resume_quietly(self, unit):
        status = zaza.model.get_status(
            model_name=self.model_name).applications[
                self.application_name]['units'][unit]
        if status['workload-status']['status'] == 'maintenance':
            zaza.model.run_action(unit, RESUME_ACTION,
                                  model_name=self.model_name)
