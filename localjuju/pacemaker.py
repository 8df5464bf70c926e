"""A pacemaker stand-in: each VIP on one live machine running the clone.

It moves the VIP when that machine or its clone service dies.

A provider (a harness's hacluster) writes a CIB file, JSON::

    {"root": state root, "nodes": {unit: address},
     "vips": {resource: {"ip": ..., "cidr": 24, "nic": "eth0"}},
     "clones": ["haproxy"], "interval": 5, "token": 3}

and calls ``start(cib)``: a background monitor (``python -m
localjuju.pacemaker CIB``, its pidfile and log next to the CIB) then
checks every second whether each node is reachable (powered, its
address on its interface, and its link up: a machine unseen for ``token``
seconds is lost, as corosync's token timeout declares a node dead; a cut
off one loses quorum and stops its resources) and, every ``interval``
seconds (the clone's ``op monitor interval``), ``service <clone>
status`` inside each node. A VIP whose holder fails moves to the first
healthy node: removed from the old holder's interface (IPaddr2 stop),
added to the new one's (IPaddr2 start), and the neighbours' ARP entries
for it flushed (the gratuitous ARP's effect). A VIP no longer in the CIB
is removed. Failover takes at most token + 1 s for a lost machine and
interval + 1 s for a dead service; a node put in standby
(``set_standby``) gives its VIP up at the next tick. Only addresses in
the units' subnet are ever added. ``stop(cib)`` removes every VIP and
ends the monitor.
"""

import ipaddress
import json
import os
import signal
import subprocess
import sys
import time

from localjuju import network
from localjuju.machine import Machine, MachineDown

TICK = 1.0


def _paths(cib):
    return cib + '.pid', cib + '.log', cib + '.placement'


def standby_path(cib):
    """Nodes the operator put in standby (``crm node standby``, what
    pausing a hacluster subordinate does): they hold no resource."""
    return cib + '.standby'


def set_standby(cib, node, on):
    nodes = set(read(standby_path(cib), []))
    write(standby_path(cib), sorted(nodes | {node} if on
                                    else nodes - {node}))


def read(path, default=None):
    try:
        with open(path) as stored:
            return json.load(stored)
    except (OSError, ValueError):
        return default


def write(path, data):
    tmp = path + '.tmp'
    with open(tmp, 'w') as out:
        json.dump(data, out, indent=1, sort_keys=True)
    os.replace(tmp, path)


def log(cib, message):
    with open(_paths(cib)[1], 'a') as out:
        out.write('{} {}\n'.format(time.strftime('%H:%M:%S'), message))


def running(cib):
    pid = read(_paths(cib)[0])
    if not isinstance(pid, int):
        return None
    try:
        os.kill(pid, 0)
        return pid
    except OSError:
        return None


def start(cib):
    """Start the monitor of ``cib`` unless it runs (idempotent)."""
    if running(cib):
        return
    with open(_paths(cib)[1], 'a') as out:
        proc = subprocess.Popen(
            [sys.executable, '-m', 'localjuju.pacemaker', cib],
            stdin=subprocess.DEVNULL, stdout=out, stderr=out,
            start_new_session=True,
            cwd=os.path.dirname(os.path.dirname(os.path.abspath(
                __file__))))
    write(_paths(cib)[0], proc.pid)


def stop(cib):
    """End the monitor and remove every VIP it placed."""
    pid = running(cib)
    if pid:
        os.kill(pid, signal.SIGTERM)
        for _ in range(50):
            if not running(cib):
                break
            time.sleep(0.1)
    for resource, placed in (read(_paths(cib)[2], {}) or {}).items():
        _remove(placed)
    for path in _paths(cib):
        if os.path.exists(path):
            os.unlink(path)


def prefix(vip):
    return '{}/{}'.format(vip['ip'], vip.get('cidr') or (
        32 if ipaddress.ip_address(vip['ip']).version == 4 else 128))


def _remove(placed):
    net = network.MachineNetwork(placed['address'])
    network.ip('-n', net.netns, 'addr', 'del', placed['prefix'], 'dev',
               placed['nic'], check=False)


def _add(cib, vip, address):
    net = network.MachineNetwork(address)
    nic = vip.get('nic') or 'eth0'
    network.ip('-n', net.netns, 'addr', 'replace', prefix(vip), 'dev',
               nic)
    network.announce(vip['ip'])
    return {'address': address, 'prefix': prefix(vip), 'nic': nic}


def service_ok(machine, name):
    """The clone's monitor: its init system's status, in the machine (a
    machine that went down since it was seen fails it)."""
    try:
        return subprocess.run(
            machine.enter_command() + ['service', name, 'status'],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            timeout=20).returncode == 0
    except MachineDown:
        return False


class Monitor:
    def __init__(self, cib):
        self.cib = cib
        self.lost_since = {}
        self.services = {}   # unit -> (healthy, checked at)

    def healthy_nodes(self, conf):
        now = time.monotonic()
        healthy = []
        standby = set(read(standby_path(self.cib), []))
        for unit, address in sorted(conf.get('nodes', {}).items()):
            if unit in standby:
                continue
            machine = Machine(conf['root'], unit, address)
            if machine.net is None or not machine.reachable():
                # Only corosync's token timeout declares a silent node
                # dead: until then it keeps its resources, unmonitored.
                self.lost_since.setdefault(unit, now)
                if now - self.lost_since[unit] < conf.get('token', 3):
                    healthy.append(unit)
                continue
            self.lost_since.pop(unit, None)
            ok, checked = self.services.get(unit, (True, 0))
            if now - checked >= conf.get('interval', 5):
                ok = all(service_ok(machine, name)
                         for name in conf.get('clones', []))
                self.services[unit] = (ok, now)
            if ok:
                healthy.append(unit)
        return healthy

    def step(self):
        conf = read(self.cib, {}) or {}
        placement = read(_paths(self.cib)[2], {}) or {}
        healthy = self.healthy_nodes(conf)
        vips = conf.get('vips', {})
        for resource in sorted(set(placement) - set(vips)):
            _remove(placement.pop(resource))
            log(self.cib, '{} removed'.format(resource))
        for resource, vip in sorted(vips.items()):
            if not network.in_subnet(vip['ip']):
                continue  # never an address the emulator did not make
            placed = placement.get(resource)
            holder = placed and next(
                (u for u, a in conf['nodes'].items()
                 if a == placed['address']), None)
            if placed and placed['prefix'] == prefix(vip) and \
                    holder in healthy:
                continue
            if placed:
                _remove(placed)
                placement.pop(resource)
                log(self.cib, '{} stopped on {}'.format(resource, holder))
            if healthy:
                placement[resource] = _add(self.cib, vip,
                                           conf['nodes'][healthy[0]])
                log(self.cib, '{} started on {}'.format(resource,
                                                        healthy[0]))
        write(_paths(self.cib)[2], placement)


def main(cib):
    monitor = Monitor(cib)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    log(cib, 'monitor started')
    while os.path.exists(cib):
        try:
            monitor.step()
        except Exception as error:  # keep monitoring, as pacemaker does
            log(cib, 'monitor error: {}'.format(error))
        time.sleep(TICK)


if __name__ == '__main__':
    main(sys.argv[1])
