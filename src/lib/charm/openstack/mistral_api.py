"""Mistral's REST API, called by the charm as its service user with what
the unit's own mistral.conf holds (so hooks and actions alike can call
it); errors carry Mistral's reason, never a credential. The local
deployment's tests and bench/ use this client too, with a token of their
own (local/mistral_user.py)."""

import configparser
import json
import re
import urllib.error
import urllib.parse
import urllib.request

TIMEOUT = 30
# Longest reason of Mistral's an error carries: an action's failure
# message, or a log line, quotes it.
MAX_REASON = 300
# An execution in one of these states changes no more.
FINISHED = ('SUCCESS', 'ERROR', 'CANCELLED')


class MistralError(Exception):
    """Mistral (or Keystone) refused; ``status`` is the HTTP status."""

    def __init__(self, status, reason):
        super().__init__(reason)
        self.status = status


class Mistral:
    def __init__(self, url, token):
        self.url = url.rstrip('/')
        self.token = token

    @classmethod
    def from_conf(cls, path):
        """Log in as the service user of ``path`` (mistral.conf) and talk
        to the API process of this unit, past haproxy and TLS."""
        conf = configparser.ConfigParser(interpolation=None, strict=False)
        if not conf.read(path) or not conf.has_option(
                'keystone_authtoken', 'password'):
            raise MistralError(None, 'no Keystone credentials in {}'.format(
                path))
        auth = conf['keystone_authtoken']
        api = conf['api']
        host = api.get('host', '127.0.0.1')
        host = '[{}]'.format(host) if ':' in host else host
        return cls('http://{}:{}/v2'.format(host, api.get('port')),
                   token(auth))

    def request(self, method, path, body=None, text=False, query=None):
        headers = {'X-Auth-Token': self.token}
        data = None
        if body is not None:
            data = body.encode() if text else json.dumps(body).encode()
            headers['Content-Type'] = ('text/plain' if text else
                                       'application/json')
        url = self.url + path
        if query:
            url += '?' + urllib.parse.urlencode(query)
        return call(urllib.request.Request(url, data=data, method=method,
                                           headers=headers))

    # --- what the charm uses ----------------------------------------------
    def validate(self, definition):
        """None, or Mistral's reason why a workflow definition is bad."""
        found = self.request('POST', '/workflows/validate', definition,
                             text=True)
        return None if found.get('valid') else found.get('error')

    def workflows(self, namespace):
        listed = self.request('GET', '/workflows', query={
            'namespace': namespace, 'limit': 1000})['workflows']
        return {w['name']: w for w in listed
                if w.get('namespace', '') == namespace}

    def put_workflow(self, definition, namespace, new):
        return self.request('POST' if new else 'PUT', '/workflows',
                            definition, text=True,
                            query={'namespace': namespace})

    def delete_workflow(self, name, namespace):
        self.request('DELETE', '/workflows/' + urllib.parse.quote(name),
                     query={'namespace': namespace})

    def cron_triggers(self):
        return {t['name']: t for t in self.request(
            'GET', '/cron_triggers', query={'limit': 1000})['cron_triggers']}

    def create_cron_trigger(self, spec):
        return self.request('POST', '/cron_triggers', spec)

    def delete_cron_trigger(self, name):
        self.request('DELETE', '/cron_triggers/' + urllib.parse.quote(name))

    def start(self, workflow, inputs=None, namespace=''):
        """A new execution of ``workflow`` (its id, state...)."""
        return self.request('POST', '/executions', {
            'workflow_name': workflow, 'workflow_namespace': namespace,
            'input': json.dumps(inputs or {})})

    def execution(self, execution_id):
        return self.request('GET', '/executions/' + urllib.parse.quote(
            execution_id, safe=''))

    def executions(self, **query):
        """The executions ``query`` selects (workflow_name, state, limit,
        sort_keys... as GET /executions takes them)."""
        return self.request('GET', '/executions',
                            query=query)['executions']


def token(auth):
    """A project-scoped token for the service user of [keystone_authtoken]."""
    body = {'auth': {'identity': {'methods': ['password'], 'password': {
        'user': {'name': auth['username'], 'password': auth['password'],
                 'domain': {'name': auth.get('user_domain_name',
                                             'default')}}}},
        'scope': {'project': {'name': auth['project_name'], 'domain': {
            'name': auth.get('project_domain_name', 'default')}}}}}
    url = auth['auth_url'].rstrip('/')
    if not url.endswith('/v3'):
        url += '/v3'
    request = urllib.request.Request(
        url + '/auth/tokens', data=json.dumps(body).encode(), method='POST',
        headers={'Content-Type': 'application/json'})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.headers['X-Subject-Token']
    except urllib.error.HTTPError as error:
        raise MistralError(error.code, 'Keystone refused the service user '
                           '({})'.format(error.code))
    except OSError as error:
        raise MistralError(None, 'Keystone unreachable ({})'.format(
            failure(error)))


def call(request):
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            raw = response.read()
            return json.loads(raw) if raw else {}
    except urllib.error.HTTPError as error:
        raise MistralError(error.code, reason(error))
    except OSError as error:
        raise MistralError(None, 'Mistral unreachable ({})'.format(
            failure(error)))


def failure(error):
    """What failed, by name: the cause urllib wraps in a URLError
    (ConnectionRefusedError, TimeoutError...), else the error itself."""
    cause = getattr(error, 'reason', None)
    return type(cause if isinstance(cause, BaseException) else error
                ).__name__


def reason(error):
    """Mistral's faultstring (as bounded() shows it), else the HTTP
    status."""
    try:
        body = json.loads(error.read().decode(errors='replace'))
    except ValueError:
        return str(error.code)
    fault = body.get('faultstring') if isinstance(body, dict) else None
    if not isinstance(fault, str) or not fault.strip():
        return str(error.code)
    return bounded(fault)


# A URL's user:password@, and a value whose key says it is secret
# (password=..., "token": "..."), as an error message may quote them.
URL_CREDENTIALS = re.compile(r'(\w+://[^\s:/@]*):[^\s@/]*@')
SECRET_VALUE = re.compile(
    r'''((?:password|secret|token|key)[\w-]*['"]?\s*[=:]\s*)'''
    r'''("[^"]*"|'[^']*'|[^\s,;)\]}]+)''', re.IGNORECASE)


def bounded(text):
    """``text`` as an operator may be shown it: what comes before any
    traceback, on one line, URL credentials and secret-named values
    hidden, at most MAX_REASON characters."""
    text = str(text).split('Traceback (most recent call last)')[0]
    text = ' '.join(text.split())
    text = URL_CREDENTIALS.sub(r'\1:***@', text)
    text = SECRET_VALUE.sub(r'\1***', text)
    return text if len(text) <= MAX_REASON else \
        text[:MAX_REASON - 3] + '...'
