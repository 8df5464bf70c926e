"""Which flags and hooks trigger which handler, checked both ways: a
handler missing from the table, a table entry with no handler, or one
flag too many or too few fails."""

import importlib.util
import os

import charms.reactive
import pytest
from charmhelpers.core import hookenv

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
UPDATE_STATUS = 'is-update-status-hook'

EXPECTED = {
    'layers/openstack-base/reactive/openstack_base_handlers.py': {
        'checks_only': {'hook': ('update-status',)},
        'charm_upgraded': {'hook': ('upgrade-charm',)},
        'prepare_series_upgrade': {'hook': ('pre-series-upgrade',)},
        'finish_series_upgrade': {'hook': ('post-series-upgrade',)},
        'install': {'when_not': ('charm.installed', UPDATE_STATUS)},
        'converge': {'when': ('charm.installed',),
                     'when_not': (UPDATE_STATUS,)},
        'acknowledge_certificates': {
            'when': ('charm.installed',),
            'when_any': ('certificates.ca.changed',
                         'certificates.certs.changed',
                         'certificates.server.certs.changed'),
            'when_not': (UPDATE_STATUS,)},
    },
}


def recorded_wiring(path, monkeypatch):
    wiring = {}

    def recorder(kind):
        def decorator(*flags):
            def register(func):
                entry = wiring.setdefault(func.__name__, {})
                entry[kind] = tuple(sorted(entry.get(kind, ()) + flags))
                return func
            return register
        return decorator

    for kind in ('when', 'when_not', 'hook', 'when_any', 'when_none',
                 'when_all', 'when_file_changed'):
        monkeypatch.setattr(charms.reactive, kind, recorder(kind))
    spec = importlib.util.spec_from_file_location(
        'wiring_' + os.path.basename(path)[:-3], os.path.join(ROOT, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return wiring


@pytest.mark.parametrize('path', sorted(EXPECTED))
def test_handlers_are_wired_exactly_as_designed(path, monkeypatch):
    # Importing the base handlers registers the status check at exit.
    monkeypatch.setattr(hookenv, 'atexit', lambda *a, **k: None)
    expected = {name: {k: tuple(sorted(v)) for k, v in spec.items()}
                for name, spec in EXPECTED[path].items()}
    assert recorded_wiring(path, monkeypatch) == expected
