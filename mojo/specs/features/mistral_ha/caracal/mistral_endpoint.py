"""Mistral on any cloud, reached as an operator's openrc says: the OS_*
variables of the environment, over which those of the openrc file that
MISTRAL_OPENRC names win (Mojo's own OS_* are its undercloud's). Keystone
v3 password login, the workflowv2 endpoint from the catalog, TLS verified
against OS_CACERT when given. Standard library only, so that the test
scripts run on any host with python3.
"""

import json
import os
import shlex
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request

REQUIRED = ('OS_AUTH_URL', 'OS_USERNAME', 'OS_PASSWORD', 'OS_PROJECT_NAME')
FINAL_STATES = ('SUCCESS', 'ERROR', 'CANCELLED')


def read_openrc(path):
    """The OS_* variables an openrc file sets (``export OS_X=value``)."""
    found = {}
    with open(path) as lines:
        for line in lines:
            words = shlex.split(line, comments=True)
            for word in words[1:] if words[:1] == ['export'] else words:
                key, equals, value = word.partition('=')
                if equals and key.startswith('OS_'):
                    found[key] = value
    return found


def write_openrc(path, credentials):
    """An openrc file of OS_* variables, readable by its owner only (it
    holds a password)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(fd, 'w') as out:
        for key, value in sorted(credentials.items()):
            out.write('export {}={}\n'.format(key, shlex.quote(value)))


def credentials(environ=os.environ):
    found = {k: v for k, v in environ.items() if k.startswith('OS_')}
    if environ.get('MISTRAL_OPENRC'):
        found.update(read_openrc(environ['MISTRAL_OPENRC']))
    missing = [key for key in REQUIRED if not found.get(key)]
    if missing:
        raise SystemExit('Set {} (or MISTRAL_OPENRC to an openrc file)'
                         .format(', '.join(missing)))
    return found


class MistralError(Exception):
    def __init__(self, status, body):
        super().__init__('HTTP {}: {}'.format(status, body[:300]))
        self.status = status


def call(url, method='GET', body=None, headers=(), context=None):
    """One HTTP request; (response headers, decoded JSON body)."""
    data = None
    headers = dict(headers)
    if body is not None:
        text = isinstance(body, str)
        data = body.encode() if text else json.dumps(body).encode()
        headers['Content-Type'] = 'text/plain' if text \
            else 'application/json'
    request = urllib.request.Request(url, data=data, method=method,
                                     headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60,
                                    context=context) as answer:
            raw = answer.read()
            return answer.headers, json.loads(raw) if raw else {}
    except urllib.error.HTTPError as error:
        raise MistralError(error.code,
                           error.read().decode(errors='replace')) from None


def catalog_url(catalog, service_type, interface, region=None):
    for service in catalog:
        if service['type'] == service_type:
            for endpoint in service['endpoints']:
                if endpoint['interface'] == interface and \
                        region in (None, endpoint.get('region')):
                    return endpoint['url']
    raise LookupError('no {} {} endpoint in the catalog'.format(
        interface, service_type))


class Mistral:
    """Mistral's v2 REST API with a Keystone token of the credentials'
    user and project."""

    def __init__(self, creds):
        self.context = ssl.create_default_context(
            cafile=creds.get('OS_CACERT'))
        scope = {'project': {'name': creds['OS_PROJECT_NAME'], 'domain': {
            'name': creds.get('OS_PROJECT_DOMAIN_NAME', 'Default')}}}
        user = {'name': creds['OS_USERNAME'],
                'password': creds['OS_PASSWORD'],
                'domain': {'name': creds.get('OS_USER_DOMAIN_NAME',
                                             'Default')}}
        headers, body = call(
            creds['OS_AUTH_URL'].rstrip('/') + '/auth/tokens', 'POST',
            {'auth': {'identity': {'methods': ['password'],
                                   'password': {'user': user}},
                      'scope': scope}}, context=self.context)
        self.token = headers['X-Subject-Token']
        self.url = catalog_url(
            body['token']['catalog'], 'workflowv2',
            creds.get('OS_INTERFACE', 'public'),
            creds.get('OS_REGION_NAME')).rstrip('/')

    def request(self, method, path, body=None, query=None):
        url = self.url + path
        if query:
            url += '?' + urllib.parse.urlencode(query)
        return call(url, method, body, {'X-Auth-Token': self.token},
                    self.context)[1]

    def create_workflows(self, definition):
        """Upload, or replace, the workflows of a YAML definition."""
        try:
            return self.request('POST', '/workflows', definition)
        except MistralError as error:
            if error.status != 409:
                raise
            return self.request('PUT', '/workflows', definition)

    def run(self, workflow, workflow_input, timeout=300):
        """An execution of ``workflow``, waited for to a final state."""
        execution = self.request('POST', '/executions', {
            'workflow_name': workflow, 'input': json.dumps(workflow_input)})
        deadline = time.monotonic() + timeout
        while execution['state'] not in FINAL_STATES:
            if time.monotonic() > deadline:
                raise TimeoutError('execution {} still {} after {} s'.format(
                    execution['id'], execution['state'], timeout))
            time.sleep(1)
            execution = self.request('GET', '/executions/' + execution['id'])
        return execution

    def executions(self, workflow):
        return self.request('GET', '/executions', query={
            'workflow_name': workflow, 'limit': 1000})['executions']

    def create_cron_trigger(self, name, workflow, pattern):
        return self.request('POST', '/cron_triggers', {
            'name': name, 'workflow_name': workflow, 'pattern': pattern})

    def delete_cron_trigger(self, name):
        try:
            self.request('DELETE', '/cron_triggers/' + name)
        except MistralError as error:
            if error.status != 404:
                raise
