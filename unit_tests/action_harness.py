"""Running one of the charm's actions through its real entry point
(openstack_base.actions), with Juju's action hook tools stood in for."""

from charmhelpers.core import hookenv

from openstack_base import actions
from openstack_base.instance import forget_charm_instance


def action_runner(unit, monkeypatch):
    """run(name, **params): the action's (results, failure message), on
    ``unit`` with every relation complete."""
    said = {'set': {}, 'fail': None}
    params = {}
    monkeypatch.setattr(hookenv, 'action_set', said['set'].update)
    monkeypatch.setattr(hookenv, 'action_fail',
                        lambda message: said.__setitem__('fail', message))
    monkeypatch.setattr(hookenv, 'action_get',
                        lambda key=None: params.get(key) if key else params)
    monkeypatch.setattr(actions, 'start_endpoints', lambda: None)
    unit.relate_all()

    def run(action, **given):
        forget_charm_instance()
        said['set'].clear()
        said['fail'] = None
        params.clear()
        params.update(given)
        assert actions.main(['/charm/actions/' + action]) == 0
        return dict(said['set']), said['fail']
    return run
