"""Fixtures of the harness's tests: the toy charm ones from
localjuju.testing, and the Mistral deployments (mistral_site).

These tests need root (mount namespaces); they are the func-local tier.
"""

import os
import ssl
import urllib.request

import pytest

from local.mistral_user import Mistral, admin_client, wait_answering
from local.providers.vault import Vault
from local.tests.fault_workload import Recorder
from local.tests.mistral_site import FIGURES, PORT, VIP, Site, three_units
from localjuju import network
from localjuju.testing import (  # noqa: F401 (fixtures)
    claim_host, controller, deployed, skip_unless_root, state_root)


# Modules deploying Mistral (test_mistral_*) run after all others, so the
# providers' own tests never run while a deployment is live. The
# PostgreSQL one comes first (its first tests need a fresh deployment),
# then any other reusing it, Horizon's last (its machine and subordinate
# stay in that model until it goes), then the MySQL one (switching variant
# destroys the PostgreSQL one), then the HA stories, which grow the MySQL
# deployment to three units, the Mojo spec's tests and the fault stories
# on those units, and the upgrades, which change the units' packages for
# good.
ORDER = {'test_mistral_postgresql': 1, 'test_mistral_dashboard': 2.5,
         'test_mistral_mysql': 3,
         'test_mistral_ha': 4, 'test_mistral_mojo_spec': 4.5,
         'test_mistral_faults': 5, 'test_mistral_upgrade': 6}


def running_order(item):
    name = item.module.__name__.rpartition('.')[2]
    if not name.startswith('test_mistral_'):
        return 0
    return ORDER.get(name, 2)


def pytest_collection_modifyitems(config, items):
    items.sort(key=running_order)  # stable: file order otherwise
    skip_unless_root(items)


@pytest.fixture(scope='session')
def mistral_site():
    """Deployments of build/mistral against the real providers, one
    live at a time, all removed at the end of the session."""
    site = Site()
    try:
        claim_host()
        site.check_host()
    except RuntimeError as error:
        pytest.fail(str(error), pytrace=False)
    yield site
    site.close()


def pytest_configure(config):
    config.addinivalue_line('markers', 'needs_root: uses mount namespaces')


@pytest.fixture(scope='module')
def serving(mistral_site):
    """The PostgreSQL deployment, related, active and serving, shared by
    the tests of a module."""
    postgresql = mistral_site.deployment('postgresql')
    postgresql.relate_all()
    postgresql.wait_ready()
    postgresql.wait_serving()
    return postgresql


@pytest.fixture(scope='session')
def ha_deployment(mistral_site):
    """Three units behind a VIP, shared by the HA and the fault stories
    (they run last: see ORDER)."""
    return three_units(mistral_site)


@pytest.fixture(scope='session')
def recorder():
    """What the fault stories' workload did, seen from the host: every
    unit reaches it on the bridge."""
    found = Recorder(network.HOST_ADDRESS)
    yield found
    found.close()


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.section('figures measured')
        for line in FIGURES:
            terminalreporter.write_line(line)


@pytest.fixture(scope='module')
def api(ha_deployment):
    """Mistral through the VIP, over TLS when the HA stories left it on
    (their last one does)."""
    scheme = admin_client(ha_deployment.model.root).url.split(':')[0]
    if scheme == 'https':
        vault = Vault(os.path.join(ha_deployment.model.root, 'providers',
                                   'vault'))
        context = ssl.create_default_context(cafile=vault.ca_cert_path)
        urllib.request.install_opener(urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=context)))
    client = Mistral('{}://{}:{}/v2'.format(scheme, VIP, PORT),
                     ha_deployment.client().token)
    wait_answering(client, 60)
    yield client
    urllib.request.install_opener(None)
