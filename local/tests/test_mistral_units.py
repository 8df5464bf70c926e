"""Two Mistral units, each its own host, each serving on its own address.

Both reach active, each serves the API through its own haproxy on its
own address, their daemons are distinct processes with pidfiles of their
own, and removing one leaves the other serving."""

import subprocess

import pytest

from local.mistral_api import Mistral
from local.readiness import wait_for_workload
from local.tests.mistral_site import PIDFILES, READY_TIMEOUT
from localjuju.runner import machine_of

# Known failure (ha-lab, not yet diagnosed): in the full story run the
# second unit's install hook fails once the first unit is related and
# serving, while two units deploy fine without relations.
pytestmark = [pytest.mark.needs_root, pytest.mark.xfail(
    reason='second unit install fails in the related deployment; see '
    'the ha-lab report', strict=False)]
SECOND = 'mistral/1'


@pytest.fixture(scope='module')
def two(mistral_site):
    deployed = mistral_site.deployment('postgresql')
    deployed.relate_all()
    deployed.wait_ready()
    if SECOND not in deployed.model.read()['units']:
        deployed.controller.add_unit('mistral')
    yield deployed
    if SECOND in deployed.model.read()['units']:
        deployed.controller.remove_unit(SECOND)


def unit_client(deployed, unit):
    """The Mistral API through ``unit``'s own haproxy, at its address."""
    catalog = deployed.client()
    return Mistral('http://{}:8989/v2'.format(deployed.address(unit)),
                   catalog.token)


def test_each_unit_serves_on_its_own_address(two):
    assert wait_for_workload(two.controller, SECOND,
                             timeout=READY_TIMEOUT) == (
        'active', 'Unit is ready')
    assert two.workload() == ('active', 'Unit is ready')
    first, second = two.address('mistral/0'), two.address(SECOND)
    assert first != second
    for unit in ('mistral/0', SECOND):
        client = unit_client(two, unit)
        client.wait_answering(60)
        assert 'workflows' in client.request('GET', '/workflows')
    # distinct daemons, each in its own host, each with its own pidfile
    mine = two.pids(('haproxy', 'mistral-api'))
    assert None not in mine.values()
    theirs = subprocess.run(
        machine_of(two.model, two.model.read(), SECOND).enter_command()
        + ['cat', PIDFILES['haproxy'], PIDFILES['mistral-api']],
        capture_output=True, text=True, check=True).stdout.split()
    assert set(mine.values()).isdisjoint(int(pid) for pid in theirs)


def test_removing_a_unit_leaves_the_other_serving(two):
    before = two.pids(('haproxy', 'mistral-api'))
    two.controller.remove_unit(SECOND)
    state = two.model.read()
    assert SECOND not in state['units']
    assert state['applications']['mistral']['leader'] == 'mistral/0'
    assert two.pids(('haproxy', 'mistral-api')) == before
    unit_client(two, 'mistral/0').wait_answering(60)
