"""Horizon beside Mistral in a local deployment: the openstack-dashboard
stand-in (local/charms/openstack-dashboard) on a machine of its own,
related to Keystone, with build/mistral-dashboard plugged into it as its
subordinate; and the Keystone users who log in to it."""

import os

from local.providers import keystone, keystone_api
from local.providers import support

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DASHBOARD_CHARM = os.path.join(REPO, 'local', 'charms',
                               'openstack-dashboard')
PLUGIN_CHARM = os.path.join(REPO, 'build', 'mistral-dashboard')
DASHBOARD, PLUGIN = 'openstack-dashboard', 'mistral-dashboard'
PLUGIN_RELATION = ('mistral-dashboard:dashboard',
                   'openstack-dashboard:dashboard-plugin')
# The Workflow dashboard is for users with the admin role of their
# project (mistral-dashboard's dashboard.py).
ROLE = keystone.ADMIN_ROLE


def deploy(controller):
    """openstack-dashboard related to Keystone, mistral-dashboard on it."""
    controller.deploy(DASHBOARD_CHARM, DASHBOARD)
    controller.relate(DASHBOARD + ':identity-service', 'keystone')
    controller.deploy(PLUGIN_CHARM, PLUGIN)
    controller.relate(*PLUGIN_RELATION)


def url(state):
    """Horizon's address, as Debian's openstack-dashboard-apache serves
    it."""
    unit = state['applications'][DASHBOARD]['units'][0]
    return 'http://{}/horizon/'.format(state['units'][unit]['address'])


def password_file(model_root, user):
    """Where a user's password is kept (0600, root's)."""
    return os.path.join(model_root, 'providers', 'keystone',
                        'secret-user-' + user)


def project_user(model_root, project):
    """A user of a project of its own, with the role the Workflow
    dashboard needs: (user name, password)."""
    provider = keystone.Keystone(
        os.path.join(model_root, 'providers', 'keystone'))
    token, _ = keystone_api.password_token(
        'admin', provider.admin_password(), 'admin')
    catalog = keystone_api.Catalog(token)
    name = project + '-user'
    password = support.secret(provider.state_dir, 'user-' + name)
    found = catalog.ensure('projects', {'name': project,
                                        'domain_id': 'default'})
    user = catalog.ensure('users', {'name': name, 'domain_id': 'default'},
                          extra={'password': password,
                                 'default_project_id': found['id']})
    role = catalog.find('roles', name=ROLE)
    catalog.grant(found['id'], user['id'], role['id'])
    return name, password


def add(controller, out=print):
    """`python -m local dashboard`: Horizon with the Workflow dashboard
    beside the deployment's Mistral, and a user to log in with."""
    deploy(controller)
    user, _ = project_user(controller.model.root, 'demo')
    out('Horizon: {}  user: {}  password: in {}'.format(
        url(controller.model.read()), user,
        password_file(controller.model.root, user)))
