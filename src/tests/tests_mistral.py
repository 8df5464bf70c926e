"""Functional tests of the Mistral charm on a Juju model deployed by zaza:
the API and catalog, cron triggers, messaging, and operations (config
changes, pause and resume). What they share is in suite_base."""

import logging
import uuid

from keystoneauth1 import exceptions as ks_exceptions
from mistralclient.api import base as mistral_base

import zaza.model

from . import mistral_workflows as workflows
from .suite_base import (  # noqa: F401 (MistralBaseTest, for zaza)
    DEBUG_OPTION, ENDPOINT_INTERFACES, FINAL_STATES, MISTRAL_CONF,
    PAUSE_ACTION, RECOVER_STUCK_ACTION, RESUME_ACTION, MistralBaseTest,
    cron_firing_problems, endpoint_urls, unit_stdout, wait_for,
)


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


class MistralMessagingTest(MistralBaseTest):
    """Mistral's RPC queues survive a broker restart (quorum, the
    default rabbit-queue-type), and nothing is stuck on a healthy cloud."""

    def test_400_rpc_queues_are_quorum_queues(self):
        broker = zaza.model.get_units('rabbitmq-server',
                                      model_name=self.model_name)[0]
        listed = unit_stdout(
            broker.entity_id, 'rabbitmqctl -q list_queues -p openstack '
            '--no-table-headers name type durable', self.model_name)
        queues = {fields[0]: fields[1:] for fields in (
            line.split() for line in listed.splitlines()) if fields}
        for topic in ('mistral_engine', 'mistral_executor',
                      'mistral_event_engine'):
            self.assertEqual(['quorum', 'true'],
                             queues.get(topic + '_quorum'), queues)

    def test_410_recover_stuck_finds_nothing_on_a_healthy_cloud(self):
        action = zaza.model.run_action(
            self.lead_unit, RECOVER_STUCK_ACTION,
            model_name=self.model_name, raise_on_failure=True)
        self.assertEqual('0', str(action.data['results']['count']),
                         action.data['results'])


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
