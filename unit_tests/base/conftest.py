"""The base layer's tests' shared fixture: an action run through its
real entry point, on a unit that is related and running."""

import pytest
from charmhelpers.core import hookenv

from openstack_base import actions
from openstack_base.instance import forget_charm_instance


@pytest.fixture
def action(unit, monkeypatch):
    results = {'set': {}, 'fail': None}
    monkeypatch.setattr(hookenv, 'action_set',
                        lambda values: results['set'].update(values))
    monkeypatch.setattr(hookenv, 'action_fail',
                        lambda message: results.__setitem__('fail', message))
    params = {}
    monkeypatch.setattr(hookenv, 'action_get',
                        lambda key=None: params.get(key) if key else params)

    # Flags set by hand stand for the relations here: no endpoint starts
    # (test_story runs an action on real relation data).
    monkeypatch.setattr(actions, 'start_endpoints', lambda: None)

    def run(name, **given):
        forget_charm_instance()         # each action is a new process
        results['set'].clear()
        results['fail'] = None
        params.clear()
        params.update(given)
        assert actions.main(['/charm/actions/' + name]) == 0
        return results
    unit.relate_all()
    unit.charm().converge()
    return run
