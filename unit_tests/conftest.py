"""Shared set-up and fixtures.

Import paths are those of a built charm. charmhelpers refuses to import
its host module unless /etc/os-release names Ubuntu (or a lowercase
"debian"): tests patch that one lookup instead of touching the machine.
pytest puts unit_tests/ on sys.path (rootdir-relative conftest import),
so tests can ``import relation_sim`` and ``import fake_juju``; the
repository's root goes last, for the harness's own modules (``local``).
"""

import os
import sys

import charmhelpers.osplatform
import pytest

charmhelpers.osplatform.get_platform = lambda: 'ubuntu'

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for path in ('layers/openstack-base/lib', 'layers/hook-bootstrap/lib',
             'src/lib', 'src',
             'layers/openstack-base'):
    sys.path.insert(0, os.path.join(ROOT, path))
sys.path.append(ROOT)

from relation_sim import RelationSim  # noqa: E402


@pytest.fixture
def sim(tmp_path):
    """A RelationSim for unit 'mistral/0' (leader), undone afterwards."""
    simulator = RelationSim(tmp_path)
    yield simulator
    simulator.close()


@pytest.fixture
def unit(tmp_path, monkeypatch):
    """A Mistral unit: fake Juju and init system, real charm code."""
    from fake_juju import Unit
    unit = Unit(tmp_path, monkeypatch)
    yield unit
    unit.juju.close()


@pytest.fixture(autouse=True)
def no_apt(monkeypatch):
    """Unit tests never touch the machine's packages."""
    import charmhelpers.fetch.ubuntu as apt

    def refuse(cmd, *args, **kwargs):
        raise RuntimeError('unit test ran {}'.format(cmd))
    monkeypatch.setattr(apt, '_run_with_retries', refuse)
