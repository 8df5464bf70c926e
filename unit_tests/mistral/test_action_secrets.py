"""No action prints a secret: every action of the charm, run through its
real entry point on a related unit, and its results, failures and logs
scanned for each password the unit holds."""

import pytest
import yaml
from charmhelpers.core import hookenv

from mistral.test_story import (  # noqa: F401 (reactive_unit is a fixture)
    ROOT, relate_core, run, reactive_unit,
)
from openstack_base import actions
from openstack_base.instance import forget_charm_instance


def every_action():
    names = set()
    for layer in ('layers/openstack-base', 'src'):
        try:
            with open('{}/{}/actions.yaml'.format(ROOT, layer)) as f:
                names.update(yaml.safe_load(f) or {})
        except FileNotFoundError:
            pass
    return sorted(names)


def test_every_action_has_an_entry_point_that_resolves():
    import os
    for name in every_action():
        found = [os.path.join(ROOT, layer, 'actions', name)
                 for layer in ('layers/openstack-base', 'src')
                 if os.path.lexists(os.path.join(ROOT, layer, 'actions',
                                                 name))]
        assert found and all(os.path.isfile(p) for p in found), name
        assert all(os.access(p, os.X_OK) for p in found), name


def test_every_action_has_an_implementation():
    from charm.openstack.mistral import MistralCharm
    assert set(every_action()) == set(actions.ACTIONS) | set(
        MistralCharm.actions)


@pytest.mark.parametrize('name', every_action())
def test_no_action_prints_a_secret(reactive_unit, monkeypatch,  # noqa: F811
                                   name):
    run(reactive_unit, 'install')
    relate_core(reactive_unit)
    secrets = {'rabbit pw/+', 'mysql:pw@', 'ks-secret',
               reactive_unit.juju.leader_data['haproxy-stat-password'],
               reactive_unit.juju.leader_data['memcache-secret-key']}
    said = []
    monkeypatch.setattr(hookenv, 'action_set', said.append)
    monkeypatch.setattr(hookenv, 'action_fail', said.append)
    monkeypatch.setattr(hookenv, 'action_get', lambda key=None: None)
    reactive_unit.juju.config['action-managed-upgrade'] = True
    forget_charm_instance()
    assert actions.main(['/charm/actions/' + name]) == 0
    assert said, 'the action reported nothing'
    text = repr(said) + repr(reactive_unit.juju.logs)
    assert not [s for s in secrets if s in text]
