"""Mistral as a user of the local deployment reaches it: a token of
Keystone's admin and the workflowv2 endpoint of the catalog, with the
charm's own client; and what the demo, bench/ and the tests do with that
client that the charm never does. ``Mistral``, ``MistralError`` and
``FINISHED`` here are charm.openstack.mistral_api's, from the source tree
(see local/__init__.py): the harness imports them from this module."""

import json
import os
import time

from charm.openstack.mistral_api import FINISHED, Mistral, MistralError
from local.providers import keystone, keystone_api


def admin_client(model_root, interface='public'):
    """The client of Keystone's admin, at the catalog's ``interface``
    endpoint of workflowv2 in the model at ``model_root``."""
    provider = keystone.Keystone(
        os.path.join(model_root, 'providers', 'keystone'))
    token, body = keystone_api.password_token(
        'admin', provider.admin_password(), 'admin')
    url = keystone_api.find_endpoint(body, 'workflowv2', interface)
    if not url:
        raise MistralError(404, 'no workflowv2 endpoint in the catalog')
    return Mistral(url, token)


def wait_answering(client, timeout=60):
    """Wait until an authenticated request succeeds. The charm says "Unit
    is ready" while haproxy still drops requests for a few seconds (its
    health checks lag the API's start)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return client.request('GET', '/workflows', query={'limit': 1})
        except MistralError as error:
            if time.monotonic() > deadline:
                raise TimeoutError('{} did not answer within {}s: {}'
                                   .format(client.url, timeout, error))
        time.sleep(0.5)


def create_workflows(client, definition):
    """Upload, or replace, the workflows of a YAML definition (in the
    default namespace)."""
    try:
        return client.put_workflow(definition, '', new=True)
    except MistralError as error:
        if error.status != 409:
            raise
        return client.put_workflow(definition, '', new=False)


def wait_for_execution(client, execution_id, timeout=120):
    """The execution once finished, its output decoded."""
    deadline = time.monotonic() + timeout
    while True:
        execution = client.execution(execution_id)
        if execution['state'] in FINISHED:
            execution['output'] = json.loads(execution.get('output')
                                             or '{}')
            return execution
        if time.monotonic() > deadline:
            raise TimeoutError('execution {} still {} after {}s'.format(
                execution_id, execution['state'], timeout))
        time.sleep(0.5)


def run_workflow(client, workflow, inputs=None, timeout=120):
    """Start a workflow and wait for it to finish."""
    return wait_for_execution(client, client.start(workflow, inputs)['id'],
                              timeout)


def delete_cron_trigger_if_any(client, name):
    try:
        client.delete_cron_trigger(name)
    except MistralError as error:
        if error.status != 404:
            raise
