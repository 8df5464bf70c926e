"""Fixtures: a throw-away model in a temporary LOCAL_JUJU_STATE.

These tests need root (mount namespaces); they are the func-local tier.
"""

import os

import pytest

from local import model as m
from local.controller import Controller
from local.tests.fakes import FakeDB

TOY_CHARM = os.path.join(os.path.dirname(__file__), 'toy_charm')


def pytest_collection_modifyitems(config, items):
    if os.geteuid() != 0:
        skip = pytest.mark.skip(reason='needs root (mount namespaces)')
        for item in items:
            if 'needs_root' in item.keywords:
                item.add_marker(skip)


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
