"""The pacemaker stand-in moves a VIP within its bounds (toy charm).

A VIP on one live machine whose clone service runs, moving within the
monitor's bounds when the service or the machine dies, removed with its
resource."""

import os
import time
import urllib.request

import pytest

from localjuju import network
from localjuju import pacemaker
from localjuju.runner import machine_of
from localjuju.testing import TOY_CHARM

pytestmark = pytest.mark.needs_root
VIP = str(network.SUBNET.network_address + 200)


def via_vip(timeout=1):
    try:
        url = 'http://{}:8989/whoami'.format(VIP)
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return answer.read().decode().strip()
    except OSError:
        return None


def holder_within(expected, seconds):
    """Seconds until the VIP answers from ``expected``."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if via_vip() == expected:
            return time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError('VIP not on {} within {}s (answers {})'.format(
        expected, seconds, via_vip()))


@pytest.fixture
def cluster(controller, tmp_path, monkeypatch):
    monkeypatch.setenv('LOCAL_JUJU_LEASE', '1')
    controller.deploy(TOY_CHARM, units=3)
    state = controller.model.read()
    cib = str(tmp_path / 'cib.json')
    pacemaker.write(cib, {
        'root': controller.model.root, 'clones': ['toy'],
        'interval': 5, 'token': 3,
        'nodes': {u: state['units'][u]['address']
                  for u in ('toy/0', 'toy/1', 'toy/2')},
        'vips': {'res_toy_vip': {'ip': VIP, 'cidr': 24, 'nic': 'eth0'}}})
    pacemaker.start(cib)
    yield controller, cib
    pacemaker.stop(cib)


def test_vip_follows_the_live_service(cluster):
    controller, cib = cluster
    holder_within('toy/0', 10)
    state = controller.model.read()
    owners = [u for u in ('toy/0', 'toy/1', 'toy/2')
              if VIP + '/24' in machine_of(controller.model, state, u)
              .net.addresses()]
    assert owners == ['toy/0']  # on one machine only
    # the clone's service dies: within the monitor interval (5 s) + 1 s
    controller.hook('toy/0', 'stop')
    assert holder_within('toy/1', 6 + 1) <= 6 + 1
    # the holder's machine dies: declared dead after the token timeout
    # (3 s), not before, and the VIP moves within a tick (1 s) after
    controller.kill_unit('toy/1', wait=False)
    assert 3 - 0.5 <= holder_within('toy/2', 4 + 1) <= 4 + 1
    # a VIP no longer configured is removed
    conf = pacemaker.read(cib)
    conf['vips'] = {}
    pacemaker.write(cib, conf)
    deadline = time.monotonic() + 5
    while via_vip() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert via_vip() is None
    assert not any(VIP in ' '.join(machine_of(
        controller.model, state, u).net.addresses())
        for u in ('toy/0', 'toy/2'))


def test_vip_leaves_a_machine_cut_off_from_the_network(cluster):
    controller, cib = cluster
    holder_within('toy/0', 10)
    controller.cut_unit('toy/0', wait=False)
    # unseen for the token timeout: it lost quorum, the VIP moves
    assert 3 - 0.5 <= holder_within('toy/1', 4 + 1) <= 4 + 1
    state = controller.model.read()
    assert VIP + '/24' not in machine_of(
        controller.model, state, 'toy/0').net.addresses()
    controller.reconnect_unit('toy/0')
    time.sleep(2)
    assert holder_within('toy/1', 1) <= 1   # it stays where it went


def test_a_node_in_standby_gives_its_vip_up_at_once(cluster):
    controller, cib = cluster
    holder_within('toy/0', 10)
    pacemaker.set_standby(cib, 'toy/0', True)
    # a tick (and a request caught by the move), not a monitor interval
    assert holder_within('toy/1', 3) <= 3
    pacemaker.set_standby(cib, 'toy/0', False)
    time.sleep(2)
    assert holder_within('toy/1', 1) <= 1   # no move back by itself


def test_stop_removes_the_vips(cluster):
    controller, cib = cluster
    holder_within('toy/0', 10)
    pacemaker.stop(cib)
    assert via_vip() is None
    assert not os.path.exists(cib + '.pid')
