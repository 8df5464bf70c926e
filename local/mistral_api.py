"""Talk to the deployed Mistral the way a user does: a Keystone token,
the workflowv2 endpoint from the catalog, the REST API."""

import json
import os
import time
import urllib.error
import urllib.request

from local.providers import keystone, keystone_api

FINISHED = ('SUCCESS', 'ERROR', 'CANCELLED')


class MistralError(Exception):
    def __init__(self, status, body):
        super().__init__('HTTP {}: {}'.format(status, body[:300]))
        self.status = status


class Mistral:
    """A Mistral client authenticated as Keystone's admin."""

    def __init__(self, url, token):
        self.url = url.rstrip('/')
        self.token = token

    @classmethod
    def from_model(cls, model_root, interface='public'):
        provider = keystone.Keystone(
            os.path.join(model_root, 'providers', 'keystone'))
        token, body = keystone_api.password_token(
            'admin', provider.admin_password(), 'admin')
        url = keystone_api.find_endpoint(body, 'workflowv2', interface)
        if not url:
            raise MistralError(404, 'no workflowv2 endpoint in the catalog')
        return cls(url, token)

    def request(self, method, path, body=None, text=False, token=True):
        data = None
        headers = {}
        if body is not None:
            data = body.encode() if text else json.dumps(body).encode()
            headers['Content-Type'] = ('text/plain' if text
                                       else 'application/json')
        if token:
            headers['X-Auth-Token'] = self.token
        request = urllib.request.Request(self.url + path, data=data,
                                         method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                raw = response.read()
                return json.loads(raw) if raw else {}
        except urllib.error.HTTPError as error:
            raise MistralError(error.code,
                               error.read().decode(errors='replace'))

    def wait_answering(self, timeout=60):
        """Wait until an authenticated request succeeds. The charm says
        "Unit is ready" while haproxy still drops requests for a few
        seconds (its health checks lag the API's start)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.request('GET', '/workflows?limit=1')
            except (OSError, MistralError) as error:
                if time.monotonic() > deadline:
                    raise TimeoutError('{} did not answer within {}s: {}'
                                       .format(self.url, timeout, error))
            time.sleep(0.5)

    def create_workflows(self, definition):
        """Upload (or replace) the workflows of a YAML definition."""
        try:
            return self.request('POST', '/workflows', definition, text=True)
        except MistralError as error:
            if error.status != 409:
                raise
            return self.request('PUT', '/workflows', definition, text=True)

    def start(self, workflow, inputs=None):
        return self.request('POST', '/executions', {
            'workflow_name': workflow, 'input': json.dumps(inputs or {})})

    def execution(self, execution_id):
        return self.request('GET', '/executions/' + execution_id)

    def wait(self, execution_id, timeout=120):
        deadline = time.monotonic() + timeout
        while True:
            execution = self.execution(execution_id)
            if execution['state'] in FINISHED:
                execution['output'] = json.loads(execution.get('output')
                                                 or '{}')
                return execution
            if time.monotonic() > deadline:
                raise TimeoutError('execution {} still {} after {}s'.format(
                    execution_id, execution['state'], timeout))
            time.sleep(0.5)

    def run(self, workflow, inputs=None, timeout=120):
        """Start a workflow and wait for it to finish."""
        return self.wait(self.start(workflow, inputs)['id'], timeout)

    def executions(self, workflow=None):
        path = '/executions?limit=1000'
        if workflow:
            path += '&workflow_name=' + workflow
        return self.request('GET', path)['executions']

    def create_cron_trigger(self, name, workflow, pattern):
        return self.request('POST', '/cron_triggers', {
            'name': name, 'workflow_name': workflow, 'pattern': pattern})

    def delete_cron_trigger(self, name):
        try:
            self.request('DELETE', '/cron_triggers/' + name)
        except MistralError as error:
            if error.status != 404:
                raise
