"""Client side of the ``keystone`` interface (identity-service).

We publish ``service``, ``region``, ``public_url``, ``internal_url``,
``admin_url`` (+ ``requested_roles``, ``add_role_to_admin``) in our unit
data. The keystone charm (hooks/keystone_utils.py add_service_to_keystone)
answers in its unit data with raw strings: ``service_host``,
``service_port``, ``service_protocol``, ``auth_host``, ``auth_port``,
``auth_protocol``, ``service_tenant``, ``service_tenant_id``,
``service_username``, ``service_password``, ``service_domain``,
``service_domain_id``, ``api_version``, ``admin_domain_id``,
``service_type``, ``ca_cert`` (base64) ... ``__null__`` is keystone's
"unset" marker and counts as absent.

keystone-k8s (Sunbeam) speaks another protocol on the same interface
name: it reads the request from application data (``service-endpoints``
JSON, ``region``) and answers in application data with the credentials
in a Juju secret (``service-credentials``; no user name nor password in
the data), see charms/keystone_k8s/v1/identity_service.py. This client
does not speak it: related to keystone-k8s, the relation stays
incomplete.

Flags: ``{ep}.connected``, ``{ep}.available``, ``{ep}.available.auth``,
``{ep}.available.ssl``.
"""

import base64
import binascii
import json

from charmhelpers.core import hookenv
from charms.reactive import Endpoint, toggle_flag

REQUIRED_KEYS = ('service_host', 'service_protocol', 'service_port',
                 'auth_host', 'auth_protocol', 'auth_port', 'service_tenant',
                 'service_username', 'service_password', 'service_tenant_id')

SSL_KEYS = ('ssl_cert_admin', 'ssl_cert_internal', 'ssl_cert_public',
            'ssl_key_admin', 'ssl_key_internal', 'ssl_key_public', 'ca_cert')

ACCESSORS = REQUIRED_KEYS + SSL_KEYS + (
    'service_domain', 'service_domain_id', 'api_version', 'admin_domain_id',
    'admin_user_id', 'admin_project_id', 'service_type', 'admin_token',
    'https_keystone', 'ssl_cert', 'ssl_key', 'ep_changed')

NULL = '__null__'


class IdentityServiceClient(Endpoint):

    def manage_flags(self):
        """Recompute every flag from the relation data (each hook)."""
        try:
            complete = self.is_joined and not self.refused() and all(
                self.received(key) for key in REQUIRED_KEYS)
            ssl = complete and all(self.received(key) for key in SSL_KEYS)
        except Exception as exc:  # a bad payload must not fail the hook
            hookenv.log('identity-service: ignoring unusable relation data '
                        '({})'.format(type(exc).__name__), hookenv.WARNING)
            complete = ssl = False
        self._toggle('connected', self.is_joined)
        self._toggle('available', complete)
        self._toggle('available.auth', complete)
        self._toggle('available.ssl', ssl)

    def _toggle(self, suffix, value):
        toggle_flag(self.expand_name('{endpoint_name}.' + suffix),
                    bool(value))

    def received(self, key):
        """Raw value of ``key`` from the first remote unit that has it;
        None when absent, empty or ``__null__``."""
        for unit in self.all_joined_units:
            value = unit.received_raw.get(key)
            if isinstance(value, str) and value.strip() and value != NULL:
                return value
        return None

    # -- what we send -------------------------------------------------
    def register_endpoints(self, service, region, public_url, internal_url,
                           admin_url, requested_roles=None,
                           add_role_to_admin=None):
        """Ask keystone to add ``service`` to the catalogue."""
        settings = {'service': service, 'region': region,
                    'public_url': public_url, 'internal_url': internal_url,
                    'admin_url': admin_url}
        if requested_roles:
            settings['requested_roles'] = ','.join(requested_roles)
        if add_role_to_admin:
            settings['add_role_to_admin'] = ','.join(add_role_to_admin)
        for relation in self.relations:
            relation.to_publish_raw.update(settings)

    def request_notification(self, services):
        for relation in self.relations:
            relation.to_publish_raw['subscribe_ep_change'] = ' '.join(
                services)

    # -- what we receive ----------------------------------------------
    def refused(self):
        """{key: why} for values sent that are not text."""
        return _not_text(self.all_joined_units, ACCESSORS)

    def ca_cert(self):
        """The CA as PEM text (keystone sends it base64-encoded)."""
        return _pem(self.received('ca_cert'))

    def endpoint_checksums(self):
        """``ep_changed`` decoded: {service: checksum}, {} if unusable."""
        try:
            value = json.loads(self.received('ep_changed') or '{}')
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}


def _pem(value):
    if not value or 'BEGIN' in value:
        return value
    try:
        return base64.b64decode(value, validate=True).decode('utf-8')
    except (binascii.Error, ValueError):
        return None


def _accessor(key):
    def accessor(self):
        return self.received(key)
    accessor.__name__ = key
    accessor.__doc__ = 'The {} keystone sent, or None.'.format(key)
    return accessor


for _name in ACCESSORS:
    if not hasattr(IdentityServiceClient, _name):
        setattr(IdentityServiceClient, _name, _accessor(_name))


def _not_text(units, keys):
    """{key: why} for each of ``keys`` a remote unit sent as something
    other than text: Juju relation data is text, so such a value is
    refused, by name, never used nor converted."""
    found = {}
    for unit in units:
        data = unit.received_raw
        for key in keys:
            value = data.get(key)
            if value is not None and not isinstance(value, str):
                found.setdefault(key, 'must be text, not {}'.format(
                    type(value).__name__))
    return found
