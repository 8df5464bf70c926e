"""Waiting for a unit's workload status, as an operator watching
`juju status` would, with a failure that says where to look."""

import time

from localjuju import model as m

# Juju runs update-status every 5 minutes; a waiting operator does not.
UPDATE_STATUS_EVERY = 5


class NotReady(RuntimeError):
    pass


def workload(state, unit):
    record = state['units'][unit]
    return record['workload']['status'], record['workload']['message']


def wait_for_workload(controller, unit, status='active',
                      message='Unit is ready', timeout=300,
                      update_every=UPDATE_STATUS_EVERY):
    """Return once ``unit`` shows ``status`` (and ``message``, unless
    None); run update-status meanwhile so a unit waiting on its own
    services reports again. Raise NotReady on a failed hook or timeout."""
    deadline = time.monotonic() + timeout
    next_update = time.monotonic() + update_every
    while True:
        state = controller.model.read()
        record = state['units'][unit]
        seen = workload(state, unit)
        if record.get('error'):
            raise NotReady('{} hook "{}" failed; see {}'.format(
                unit, record['error']['hook'],
                m.unit_log(controller.model.root, unit)))
        if seen[0] == status and message in (None, seen[1]):
            return seen
        now = time.monotonic()
        if now > deadline:
            raise NotReady('{} is still {} "{}" after {}s (wanted {} "{}");'
                           ' see {}'.format(
                               unit, seen[0], seen[1], timeout, status,
                               message or '', m.unit_log(
                                   controller.model.root, unit)))
        if now >= next_update:
            controller.hook(unit, 'update-status')
            next_update = time.monotonic() + update_every
        else:
            time.sleep(1)
