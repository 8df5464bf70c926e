"""Fixtures of the harness's tests: the toy charm ones from
localjuju.testing, and the Mistral deployments (mistral_site).

These tests need root (mount namespaces); they are the func-local tier.
"""

import pytest

from local.tests.mistral_site import Site
from localjuju.testing import (  # noqa: F401 (fixtures)
    controller, deployed, skip_unless_root, state_root)


# Modules deploying Mistral (test_mistral_*) run after all others, so the
# providers' own tests never run while a deployment is live. The
# PostgreSQL one comes first (its first tests need a fresh deployment),
# the MySQL one last (switching variant destroys the PostgreSQL one), any
# other in between, reusing the PostgreSQL deployment.
FIRST, LAST = 'test_mistral_postgresql', 'test_mistral_mysql'


def running_order(item):
    name = item.module.__name__.rpartition('.')[2]
    if not name.startswith('test_mistral_'):
        return 0
    return {FIRST: 1, LAST: 3}.get(name, 2)


def pytest_collection_modifyitems(config, items):
    items.sort(key=running_order)  # stable: file order otherwise
    skip_unless_root(items)


@pytest.fixture(scope='session')
def mistral_site():
    """Deployments of build/mistral against the real providers, one
    live at a time, all removed at the end of the session."""
    site = Site()
    try:
        site.check_machine()
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
