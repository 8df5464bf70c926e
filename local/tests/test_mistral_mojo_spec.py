"""The Mojo spec's tests (mojo/specs/features/mistral_ha/caracal) against
the three units behind the VIP that the HA stories share, with TLS from
the test CA standing in for vault as in the spec's bundle: its API test
run as Mojo runs it, a script given the admin's openrc in MISTRAL_OPENRC,
and its charm test's checks with this deployment as the operator (the
option, the leader's actions and status). What needs a Juju controller
(the bundle, vault_setup.py, check_juju.py, write_openrc.py) runs only
under Mojo; the openrc here is what write_openrc.py would write, taken
from this model (the local Keystone serves http only). Figures are
printed (`pytest -s` shows them)."""

import importlib.util
import json
import os
import subprocess
import sys

import pytest

from local.mistral_user import admin_client
from local.providers import keystone
from local.providers.vault import Vault
from local.tests.mistral_site import APP, REPO, record, wait_all_ready
from localjuju import model as m

pytestmark = pytest.mark.needs_root

SPEC = os.path.join(REPO, 'mojo', 'specs', 'features', 'mistral_ha',
                    'caracal')
FIRINGS = 2


def spec_module(name):
    spec = importlib.util.spec_from_file_location(
        'mojo_' + name, os.path.join(SPEC, name + '.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def identity_data(deployed):
    """What Keystone sent the application on identity-service."""
    state = deployed.model.read()
    (_, relation), = m.relations_of(state, APP, 'identity-service')
    provider = m.remote_app(relation, APP)
    return next(data for unit, data in relation['units'].items()
                if m.app_of(unit) == provider)


@pytest.fixture(scope='module')
def tls_ha_deployment(ha_deployment):
    """The three units with TLS at the VIP: the HA stories leave it on;
    run alone, this relates the test CA."""
    if not m.relations_of(ha_deployment.model.read(), APP, 'certificates'):
        ha_deployment.relate('mistral:certificates', 'vault')
        wait_all_ready(ha_deployment)
    return ha_deployment


@pytest.fixture(scope='module')
def openrc(tls_ha_deployment, tmp_path_factory):
    """The cloud admin's openrc, as write_openrc.py writes it from a
    Juju model: Keystone's URL as Keystone gave it to Mistral, and the
    CA that signs the https endpoints."""
    root = tls_ha_deployment.model.root
    assert admin_client(root).url.startswith('https:')
    identity = identity_data(tls_ha_deployment)
    admin = {'OS_AUTH_URL': '{}://{}:{}/v3'.format(
                 identity['service_protocol'], identity['service_host'],
                 identity['service_port']),
             'OS_USERNAME': 'admin',
             'OS_PASSWORD': keystone.Keystone(os.path.join(
                 root, 'providers', 'keystone')).admin_password(),
             'OS_PROJECT_NAME': 'admin',
             'OS_USER_DOMAIN_NAME': 'Default',
             'OS_PROJECT_DOMAIN_NAME': 'Default',
             'OS_CACERT': Vault(os.path.join(
                 root, 'providers', 'vault')).ca_cert_path}
    path = str(tmp_path_factory.mktemp('mojo') / 'mistral-admin-openrc')
    spec_module('mistral_endpoint').write_openrc(path, admin)
    return path


@pytest.fixture(scope='module')
def api_jobs(openrc):
    """test_api_jobs.py, started as Mojo runs it, in the background: its
    cron trigger's firings and the charm test's are waited for side by
    side (each fires once a minute)."""
    environ = {k: v for k, v in os.environ.items()
               if not k.startswith('OS_')}
    script = subprocess.Popen(
        [sys.executable, os.path.join(SPEC, 'test_api_jobs.py')],
        env=dict(environ, MISTRAL_OPENRC=openrc,
                 MISTRAL_CRON_FIRINGS=str(FIRINGS)),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    yield script
    if script.poll() is None:       # its test did not wait for it
        script.kill()
        script.communicate()


class LocalOperator:
    """test_charm_jobs.py's operator on this deployment: the option
    through the emulator, the leader's actions and status."""

    def __init__(self, deployed):
        self.deployed = deployed

    def configure(self, jobs):
        self.deployed.controller.config(APP, ['workflows=' + jobs])

    def leader_message(self):
        return self.deployed.workload(self.deployed.leader())[1]

    def run_action(self, action, **params):
        # as `juju run` would be given them: key=value, values as YAML
        return self.deployed.controller.run_action(
            self.deployed.leader(), action, [
                '{}={}'.format(key, value if isinstance(value, str)
                               else json.dumps(value))
                for key, value in params.items()])


def test_charm_jobs_checks_on_the_three_units(
        tls_ha_deployment, capsys, api_jobs):
    spec_module('test_charm_jobs').check(LocalOperator(tls_ha_deployment),
                                         firings=FIRINGS)
    for line in capsys.readouterr().out.splitlines():
        record('mojo test_charm_jobs.py: ' + line)


def test_api_jobs_script_against_the_vip(api_jobs):
    stdout, stderr = api_jobs.communicate(timeout=600)
    for line in stdout.splitlines():
        record('mojo test_api_jobs.py: ' + line)
    assert api_jobs.returncode == 0, stderr[-3000:]
    assert 'SUCCESS' in stdout
