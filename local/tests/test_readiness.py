"""Waiting for a workload status, with the toy charm."""

import pytest

from local.readiness import NotReady, wait_for_workload
from localjuju import model as m
from localjuju.testing import hooks_seen

pytestmark = pytest.mark.needs_root


def test_returns_the_status_once_shown(deployed):
    assert wait_for_workload(deployed, 'toy/0', 'active', 'hello',
                             timeout=5) == ('active', 'hello')


def test_timeout_names_status_and_log_after_update_status(deployed):
    with pytest.raises(NotReady) as failed:
        wait_for_workload(deployed, 'toy/0', 'active', 'db ready',
                          timeout=2.5, update_every=1)
    message = str(failed.value)
    assert 'still active "hello"' in message
    assert m.unit_log(deployed.model.root, 'toy/0') in message
    assert ['update-status'] in hooks_seen(deployed, 'toy/0')


def test_failed_hook_stops_the_wait(deployed):
    deployed.config('toy', ['fail-hook=update-status'])
    with pytest.raises(NotReady) as failed:
        wait_for_workload(deployed, 'toy/0', 'active', 'db ready',
                          timeout=30, update_every=0)
    assert 'hook "update-status" failed' in str(failed.value)
