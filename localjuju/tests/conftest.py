"""Fixtures for the emulator's own tests (from localjuju.testing).

Most need root (mount namespaces); they run in the func-local tier.
"""

from localjuju.testing import (  # noqa: F401 (fixtures)
    controller, deployed, skip_unless_root, state_root)


def pytest_collection_modifyitems(config, items):
    skip_unless_root(items)


def pytest_configure(config):
    config.addinivalue_line('markers', 'needs_root: uses mount namespaces')
