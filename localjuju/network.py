"""The machines' network: a bridge with no uplink, a namespace per machine.

Layout (``LOCAL_JUJU_SUBNET``, default 10.231.0.0/24): the bridge
``ljbr0`` holds the host's address (.1), where shared services listen;
each unit's machine is a network namespace ``lj<N>`` whose ``eth0`` (a veth
whose other end ``ljv<N>`` is on the bridge) has the address .N, N from
11. Units have no default route and nothing is NATed or forwarded: a
packet goes to loopback, to the bridge or to another unit, never
further. Addresses are leased in the host's /run (they live as long as
the namespaces: both are gone after a reboot) under a lock, so several
models on one host never share one.
"""

import contextlib
import fcntl
import ipaddress
import json
import os
import subprocess

BRIDGE = os.environ.get('LOCAL_JUJU_BRIDGE', 'ljbr0')
SUBNET = ipaddress.ip_network(os.environ.get('LOCAL_JUJU_SUBNET',
                                             '10.231.0.0/24'))
HOST_ADDRESS = str(SUBNET.network_address + 1)
FIRST_UNIT = 11
LEASES = '/run/local-juju-net/leases.json'


def ip(*args, check=True):
    proc = subprocess.run(('ip',) + args, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    if check and proc.returncode != 0:
        raise RuntimeError('ip {} failed: {}'.format(' '.join(args),
                                                     proc.stdout.strip()))
    return proc


def link_exists(name, netns=None):
    prefix = ('-n', netns) if netns else ()
    return ip(*(prefix + ('link', 'show', name)), check=False).returncode == 0


def in_subnet(address):
    try:
        return ipaddress.ip_address(address) in SUBNET
    except ValueError:
        return False


def announce(address):
    """What a gratuitous ARP does: every neighbour (the host and each
    unit) forgets the link-layer address it held for ``address``, so the
    next packet asks again instead of going to a veth that is gone (a
    stale entry costs a connect about 8 s of unanswered probes)."""
    for other in leases():
        ip('-n', MachineNetwork(other).netns, 'neigh', 'flush', 'to', address,
           check=False)
    ip('neigh', 'flush', 'to', address, check=False)


def ensure_bridge():
    """The bridge and the host's address on it (idempotent)."""
    if not link_exists(BRIDGE):
        ip('link', 'add', BRIDGE, 'type', 'bridge')
    prefix = '{}/{}'.format(HOST_ADDRESS, SUBNET.prefixlen)
    if prefix not in ip('-br', 'addr', 'show', BRIDGE).stdout:
        ip('addr', 'add', prefix, 'dev', BRIDGE)
    ip('link', 'set', BRIDGE, 'up')


def remove_bridge():
    """After the last machine of every model is gone."""
    if not leases() and link_exists(BRIDGE):
        ip('link', 'del', BRIDGE)


# -- leases ---------------------------------------------------------------
@contextlib.contextmanager
def _leases_locked():
    os.makedirs(os.path.dirname(LEASES), exist_ok=True)
    with open(LEASES + '.lock', 'a') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        table = leases()
        yield table
        tmp = LEASES + '.tmp'
        with open(tmp, 'w') as out:
            json.dump(table, out, indent=1, sort_keys=True)
        os.replace(tmp, LEASES)


def leases():
    """{address: owner} of every machine on this host."""
    try:
        with open(LEASES) as stored:
            return json.load(stored)
    except (OSError, ValueError):
        return {}


def allocate(owner, wanted=None):
    """An address for ``owner`` (model root, model and unit): ``wanted``
    (its recorded one, e.g. after a reboot) when free, else the lowest
    free one from .11."""
    with _leases_locked() as table:
        for address, holder in list(table.items()):
            if stale(address, holder):
                del table[address]
        for address, holder in table.items():
            if holder == owner:
                return address
        if wanted and in_subnet(wanted) and wanted not in table:
            table[wanted] = owner
            return wanted
        for candidate in SUBNET.hosts():
            address = str(candidate)
            if int(candidate) - int(SUBNET.network_address) < FIRST_UNIT:
                continue
            if address not in table:
                table[address] = owner
                return address
    raise RuntimeError('no free address left in {}'.format(SUBNET))


def stale(address, holder):
    """A lease left by a model whose state is gone and whose machine is."""
    root, model = holder.rsplit(':', 2)[:2]
    return not os.path.exists(os.path.join(root, model + '.json')) and \
        not os.path.exists(MachineNetwork(address).path)


def release(address):
    with _leases_locked() as table:
        table.pop(address, None)


# -- one machine's network -------------------------------------------------
class MachineNetwork:
    """The network side of a unit's machine, at ``address``."""

    def __init__(self, address):
        self.address = address
        self.index = int(ipaddress.ip_address(address)) - int(
            SUBNET.network_address)
        self.netns = 'lj{}'.format(self.index)
        self.veth = 'ljv{}'.format(self.index)
        self.path = '/run/netns/' + self.netns

    def exists(self):
        return os.path.exists(self.path) and link_exists(self.veth)

    def create(self):
        """Namespace, veth on the bridge, lo and eth0 up (idempotent)."""
        ensure_bridge()
        if not os.path.exists(self.path):
            ip('netns', 'add', self.netns)
        if not link_exists(self.veth):
            if link_exists('eth0', self.netns):
                ip('-n', self.netns, 'link', 'del', 'eth0')
            ip('link', 'add', self.veth, 'type', 'veth', 'peer', 'name',
               'eth0', 'netns', self.netns)
        ip('link', 'set', self.veth, 'master', BRIDGE)
        self.power_on()

    def power_on(self):
        """Links up and the unit's address back, as after a boot."""
        ip('link', 'set', self.veth, 'up')
        ip('-n', self.netns, 'link', 'set', 'lo', 'up')
        ip('-n', self.netns, 'link', 'set', 'eth0', 'up')
        prefix = '{}/{}'.format(self.address, SUBNET.prefixlen)
        if prefix not in self.addresses():
            ip('-n', self.netns, 'addr', 'add', prefix, 'dev', 'eth0')
        announce(self.address)  # a new veth: the address has a new MAC

    def power_off(self):
        """The machine is dark: its addresses gone, its cable unplugged (peers
        see timeouts, not refusals)."""
        ip('-n', self.netns, 'addr', 'flush', 'dev', 'eth0', check=False)
        ip('-n', self.netns, 'link', 'set', 'eth0', 'down', check=False)
        ip('link', 'set', self.veth, 'down', check=False)

    def cut(self):
        """The machine's cable unplugged, the machine still running: its
        processes live on and reach nothing beyond loopback."""
        ip('link', 'set', self.veth, 'down')

    def connected(self):
        """Whether its cable is plugged (the bridge's end is up)."""
        out = ip('-br', 'link', 'show', self.veth, check=False).stdout
        return len(out.split()) > 1 and out.split()[1] != 'DOWN'

    def addresses(self):
        """The prefixes on eth0 (the unit's own, and VIPs it holds)."""
        out = ip('-n', self.netns, '-br', 'addr', 'show', 'dev', 'eth0',
                 check=False).stdout.split()
        return [word for word in out[2:] if '/' in word]

    def destroy(self):
        if link_exists(self.veth):
            ip('link', 'del', self.veth)
        if os.path.exists(self.path):
            ip('netns', 'del', self.netns)

    def inode(self):
        try:
            return os.stat(self.path).st_ino
        except OSError:
            return None
