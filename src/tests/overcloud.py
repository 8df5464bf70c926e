"""The deployed cloud's admin credentials, taken from the model as an
operator's openrc would hold them, and a Keystone session from them.

Keystone's URL is the one Keystone gave the charm under test on their
identity-service relation (service_protocol, service_host and
service_port: what the catalog's public identity endpoint names, https
and the VIP when Keystone has them). When it is https, the CA is the one
Keystone's units trust for their certificates relation: charmhelpers'
cert_utils installs each provider's CA as
/usr/local/share/ca-certificates/<provider>_juju_ca_cert.crt, the file
zaza.openstack's get_remote_ca_cert_file reads too.

zaza.openstack's get_overcloud_keystone_session does the same from
Keystone's options and a fixed port; zaza-openstack-tests installs from
git only (it is not on PyPI, where this project's pins come from), so
this module does it with zaza and keystoneauth1. It imports nothing else
of the suite: the Mojo spec (mojo/) uses it as it is.
"""

import os

from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3

import zaza.model
import zaza.utilities.deployment_env as deployment_env
import zaza.utilities.juju as juju_utils

KEYSTONE_APP = 'keystone'
IDENTITY_ENDPOINT = 'identity-service'
CERTIFICATES_ENDPOINT = 'certificates'
CA_DIR = '/usr/local/share/ca-certificates'
# How charm-keystone names its cloud admin (Keystone v3).
ADMIN = {'OS_USERNAME': 'admin',
         'OS_PROJECT_NAME': 'admin',
         'OS_USER_DOMAIN_NAME': 'admin_domain',
         'OS_PROJECT_DOMAIN_NAME': 'admin_domain'}


def keystone_url(identity_data):
    """Keystone's public v3 URL in the data of an identity-service
    relation, as Keystone sends it."""
    host = identity_data['service_host']
    if ':' in host:
        host = '[{}]'.format(host)
    return '{}://{}:{}/v3'.format(identity_data['service_protocol'], host,
                                  identity_data['service_port'])


def ca_files(status, keystone_app=KEYSTONE_APP):
    """Where Keystone's units keep the CA of each provider related to
    their certificates endpoint (status: juju status, as zaza gives it)."""
    relations = status.applications[keystone_app].get('relations') or {}
    return ['{}/{}_juju_ca_cert.crt'.format(CA_DIR, provider)
            for provider in relations.get(CERTIFICATES_ENDPOINT, [])]


def admin_password(model_name=None):
    # charm-keystone takes the option when set, else it generates one and
    # keeps it in its leader settings.
    config = zaza.model.get_application_config(KEYSTONE_APP,
                                               model_name=model_name)
    configured = config.get('admin-password', {}).get('value')
    if configured and configured != 'None':
        return configured
    return juju_utils.leader_get(KEYSTONE_APP, 'admin_passwd',
                                 model_name=model_name)


def keystone_ca(model_name=None):
    """The PEM of the CA Keystone's certificate comes from, or None."""
    unit = zaza.model.get_lead_unit_name(KEYSTONE_APP, model_name=model_name)
    for path in ca_files(zaza.model.get_status(model_name=model_name)):
        found = zaza.model.run_on_unit(unit, 'cat ' + path,
                                       model_name=model_name)
        if str(found.get('Code')) == '0' and found.get('Stdout'):
            return found['Stdout']
    return None


def admin_credentials(application, model_name=None):
    """The cloud admin's OS_* variables for the Keystone that
    ``application`` is related to; OS_CACERT names a file in zaza's
    directory for the model when Keystone's URL is https and its CA is
    found."""
    leader = zaza.model.get_lead_unit_name(application, model_name=model_name)
    identity = juju_utils.get_relation_from_unit(
        leader, KEYSTONE_APP, IDENTITY_ENDPOINT, model_name=model_name)
    credentials = dict(ADMIN, OS_AUTH_URL=keystone_url(identity),
                       OS_PASSWORD=admin_password(model_name))
    if identity['service_protocol'] == 'https':
        ca = keystone_ca(model_name)
        if ca:
            path = os.path.join(deployment_env.get_tmpdir(model_name),
                                'keystone_ca.crt')
            with open(path, 'w') as out:
                out.write(ca)
            credentials['OS_CACERT'] = path
    return credentials


def session(credentials):
    """A keystoneauth1 session from OS_* variables, verified against
    OS_CACERT when given (else the system's CAs)."""
    auth = v3.Password(
        auth_url=credentials['OS_AUTH_URL'],
        username=credentials['OS_USERNAME'],
        password=credentials['OS_PASSWORD'],
        user_domain_name=credentials['OS_USER_DOMAIN_NAME'],
        project_name=credentials['OS_PROJECT_NAME'],
        project_domain_name=credentials['OS_PROJECT_DOMAIN_NAME'])
    return ks_session.Session(auth=auth,
                              verify=credentials.get('OS_CACERT', True))
