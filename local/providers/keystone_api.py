"""Keystone's v3 REST API as the local deployment uses it: one call,
password tokens, endpoints in a token's catalog, and idempotent
create-or-find over the catalog's collections."""

import json
import urllib.error
import urllib.request

from local.providers import support
from localjuju.network import HOST_ADDRESS

HOST = '127.0.0.1'
PORT = 5000
URL = 'http://{}:{}/v3'.format(HOST, PORT)
# Keystone's catalog URL for itself: where the units reach it.
UNITS_URL = 'http://{}:{}/v3'.format(HOST_ADDRESS, PORT)


class KeystoneError(support.ProviderError):
    def __init__(self, status, message):
        super().__init__('keystone answered {}: {}'.format(status, message))
        self.status = status


def call(method, path, token=None, body=None, url=URL):
    """One Keystone v3 REST call; returns (headers, decoded body)."""
    request = urllib.request.Request(
        url + path, method=method,
        data=None if body is None else json.dumps(body).encode())
    request.add_header('Content-Type', 'application/json')
    if token:
        request.add_header('X-Auth-Token', token)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
            return response.headers, json.loads(raw) if raw else {}
    except urllib.error.HTTPError as error:
        raise KeystoneError(error.code, error.reason) from None


def password_token(username, password, project=None, user_domain='Default',
                   project_domain='Default', url=URL):
    """Authenticate; returns (token, token body with the catalog)."""
    auth = {'identity': {'methods': ['password'], 'password': {'user': {
        'name': username, 'password': password,
        'domain': {'name': user_domain}}}}}
    if project:
        auth['scope'] = {'project': {
            'name': project, 'domain': {'name': project_domain}}}
    headers, body = call('POST', '/auth/tokens', body={'auth': auth},
                         url=url)
    return headers['X-Subject-Token'], body['token']


def find_endpoint(token_body, service_type, interface='public'):
    """The URL of ``service_type`` in a token's catalog, or None."""
    for service in token_body.get('catalog', []):
        if service['type'] == service_type:
            for endpoint in service['endpoints']:
                if endpoint['interface'] == interface:
                    return endpoint['url']
    return None


class Catalog:
    """Idempotent create-or-find over Keystone's v3 collections."""

    def __init__(self, token):
        self.token = token

    def call(self, method, path, body=None):
        return call(method, path, token=self.token, body=body)[1]

    def find(self, collection, **filters):
        query = '&'.join('{}={}'.format(k, urllib.request.quote(v))
                         for k, v in sorted(filters.items()))
        found = self.call('GET', '/{}?{}'.format(collection, query))
        return (found[collection] or [None])[0]

    def ensure(self, collection, filters, extra=None):
        """The first item matching ``filters``, created if absent."""
        item = self.find(collection, **filters)
        if item is None:
            body = {collection[:-1]: dict(filters, **(extra or {}))}
            item = self.call('POST', '/' + collection, body)[
                collection[:-1]]
        return item

    def ensure_region(self, region):
        try:
            self.call('GET', '/regions/' + region)
        except KeystoneError as error:
            if error.status != 404:
                raise
            self.call('POST', '/regions', {'region': {'id': region}})

    def point_identity(self, url):
        """Keystone's own catalog endpoints at ``url``: the units (and
        keystonemiddleware in them, which follows the catalog) reach
        Keystone at the host's bridge address, not at their loopback."""
        service = self.find('services', type='identity')
        for endpoint in self.call('GET', '/endpoints?service_id={}'.format(
                service['id']))['endpoints']:
            if endpoint['url'] != url:
                self.call('PATCH', '/endpoints/' + endpoint['id'],
                          {'endpoint': {'url': url}})

    def grant(self, project_id, user_id, role_id):
        self.call('PUT', '/projects/{}/users/{}/roles/{}'.format(
            project_id, user_id, role_id))


def openrc(password, region):
    """An admin openrc for this Keystone."""
    return ''.join('export OS_{}={}\n'.format(key, value) for key, value in (
        ('AUTH_URL', URL), ('IDENTITY_API_VERSION', 3), ('USERNAME', 'admin'),
        ('PASSWORD', password), ('PROJECT_NAME', 'admin'),
        ('USER_DOMAIN_NAME', 'Default'), ('PROJECT_DOMAIN_NAME', 'Default'),
        ('REGION_NAME', region)))
