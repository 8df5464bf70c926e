"""Fixtures: a throw-away model in a temporary LOCAL_JUJU_STATE.

These tests need root (mount namespaces); they are the func-local tier.
"""

import os

import pytest

from local import model as m
from local.controller import Controller
from local.tests.fakes import FakeDB
from local.tests.mistral_site import Site

TOY_CHARM = os.path.join(os.path.dirname(__file__), 'toy_charm')


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
    if os.geteuid() != 0:
        skip = pytest.mark.skip(reason='needs root (mount namespaces)')
        for item in items:
            if 'needs_root' in item.keywords:
                item.add_marker(skip)


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


@pytest.fixture
def state_root(tmp_path, monkeypatch):
    root = str(tmp_path / 'state')
    monkeypatch.setenv('LOCAL_JUJU_STATE', root)
    return root


@pytest.fixture
def controller(state_root):
    lines = []
    fakes = {}

    class Recorded(FakeDB):
        def __init__(self, state_dir):
            super().__init__(state_dir)
            fakes.setdefault('instances', []).append(self)

    ctl = Controller(m.Model('test', state_root), out=lines.append,
                     providers={'toydb': Recorded})
    ctl.lines = lines
    ctl.fakes = fakes
    yield ctl
    ctl.destroy()


@pytest.fixture
def deployed(controller):
    controller.deploy(TOY_CHARM)
    return controller


def pytest_configure(config):
    config.addinivalue_line('markers', 'needs_root: uses mount namespaces')
