"""A unit's machine: a small Debian that boots systemd.

Its disk is an overlay: the shared read-only base image
(``localjuju.image``, with a layer of installed packages when the
application asks for one) below, the machine's own upper directory above,
mounted on the host at ``<unit dir>/machine/root`` for as long as the
machine exists (a disk outlives power cuts). ``systemd-nspawn --boot``
runs it in its own control group (``localjuju.cgroups``) and in the
network namespace ``localjuju.network.MachineNetwork`` (its address on
the bridge, set from the host as a cloud's network config would be).
machined is not used: hooks, actions and tests enter the machine with
``nsenter`` into its PID 1's namespaces, from a control group of the
machine's own (``agent``, where jujud would run), so that a power cut
ends a running hook with everything else.

Two things are bound in from the host: the model's state root (same
path: the hook tools read the model there, hooks log there) and this
repository, read-only (the hook tools' code). Root in a machine is root
on the host: there are no user namespaces here.
"""

import os
import shutil
import subprocess
import time
import uuid

from localjuju import JUJU_VERSION
from localjuju import aptproxy
from localjuju import cgroups
from localjuju import image
from localjuju import machinefiles
from localjuju import model as m
from localjuju import network

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BOOT_TIMEOUT = 120


class MachineDown(RuntimeError):
    """The machine is off: nothing can run in it."""


def mount_points():
    """Mount points of this process' namespace."""
    with open('/proc/self/mountinfo') as info:
        return {line.split()[4].replace('\\040', ' ') for line in info}


def run(cmd, **kwargs):
    proc = subprocess.run(cmd, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, **kwargs)
    if proc.returncode != 0:
        raise RuntimeError('{} failed: {}'.format(' '.join(cmd),
                                                  proc.stdout.strip()))
    return proc.stdout


class Machine:
    """The machine of ``unit``; a subordinate unit's is its principal's
    (``host``): the principal's disk, name and network, the subordinate's
    own agent directory in it."""

    def __init__(self, root, unit, address='127.0.0.1', number=0,
                 host=None):
        self.root = root
        self.unit = unit
        self.host = host or unit
        self.address = address
        self.number = number
        self.tag = m.unit_tag(unit)
        self.host_tag = m.unit_tag(self.host)
        self.base = m.unit_dir(root, self.host)
        self.disk = os.path.join(self.base, 'machine')
        self.mnt = os.path.join(self.disk, 'root')
        # Units of hand-made records at 127.0.0.1 (tests of the tools)
        # stay on the host's network.
        self.net = (network.MachineNetwork(address)
                    if network.in_subnet(address) else None)
        self.name = self.net.netns if self.net else 'lj-' + self.host_tag
        self.group = cgroups.Group(self.name)

    @property
    def hostname(self):
        return 'juju-' + self.host_tag

    # -- paths, as seen inside the machine and from the host -------------
    @property
    def agent_dir(self):
        return '/var/lib/juju/agents/unit-' + self.tag

    @property
    def charm_dir(self):
        return self.agent_dir + '/charm'

    def host_path(self, path):
        """Where a path of the machine's disk is on the host."""
        return self.mnt + path

    # -- the disk --------------------------------------------------------
    def exists(self):
        return self.mnt in mount_points()

    def create(self, boot=True, packages=()):
        """The network, the disk (seeded the first time, from an image
        with ``packages`` installed when asked) and, unless ``boot`` is
        false (a killed unit stays off), a booted machine. Idempotent."""
        if self.net is not None:
            self.net.create()
        lower = image.ensure(in_use=in_use_images(), packages=packages)
        if not self.exists():
            self._mount(lower)
        self._seed()
        if boot and not self.running():
            self.boot()

    def _mount(self, lower):
        upper, work = (os.path.join(self.disk, name)
                       for name in ('upper', 'work'))
        for directory in (upper, work, self.mnt):
            os.makedirs(directory, exist_ok=True)
        recorded = os.path.join(self.disk, 'image')
        if os.path.exists(recorded):
            # a disk stays on the image it was made from
            with open(recorded) as stored:
                lower = stored.read().strip()
        else:
            with open(recorded, 'w') as out:
                out.write(lower + '\n')
        run(['mount', '-t', 'overlay', 'overlay', '-o',
             'lowerdir={},upperdir={},workdir={}'.format(lower, upper, work),
             self.mnt])

    def _seed(self):
        """What a cloud gives a new machine: its name, addresses, id,
        apt proxy; and what Juju's machine agent lays down."""
        marker = self.host_path('/var/lib/juju/.seeded')
        if os.path.exists(marker):
            return
        address = self.address if self.net else '127.0.1.1'
        proxy = aptproxy.url()
        for path, text in (
                ('/etc/hostname', self.hostname + '\n'),
                ('/etc/hosts', machinefiles.hosts(self.hostname, address)),
                ('/etc/machine-id', uuid.uuid4().hex + '\n'),
                # Juju's own file for a model's apt-http-proxy; the host
                # (an upgrade story's repository) is reached directly.
                ('/etc/apt/apt.conf.d/95-juju-proxy-settings',
                 'Acquire::http::Proxy "{}";\n'
                 'Acquire::http::Proxy::{} "DIRECT";\n'.format(
                     proxy, network.HOST_ADDRESS)),
                ('/var/lib/juju/tools/machine-{}/jujud'.format(self.number),
                 # charmhelpers.has_juju_version() runs `jujud version`.
                 '#!/bin/sh\necho {}-ubuntu-amd64\n'.format(JUJU_VERSION))):
            target = self.host_path(path)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, 'w') as out:
                out.write(text)
        os.chmod(self.host_path('/var/lib/juju/tools/machine-{}/jujud'
                                .format(self.number)), 0o755)
        os.makedirs(self.host_path(self.agent_dir), exist_ok=True)
        open(marker, 'w').close()

    def install_charm(self, source):
        """Copy the charm into the agent dir, keeping the unit's state."""
        target = self.host_path(self.charm_dir)
        if os.path.isdir(target):
            for name in os.listdir(target):
                if name.startswith(('.unit-state', '.juju-persistent')):
                    continue
                path = os.path.join(target, name)
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path)
                else:
                    os.unlink(path)
        shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True)

    # -- booting, and entering ----------------------------------------------
    def launch_command(self):
        """The shell line that boots the machine from its own cgroup."""
        nspawn = ['systemd-nspawn', '--quiet', '--boot', '--register=no',
                  '--keep-unit', '--machine=' + self.name,
                  '--hostname=' + self.hostname, '--directory=' + self.mnt,
                  '--link-journal=no', '--resolv-conf=off',
                  '--timezone=off', '--console=passive',
                  '--bind=' + self.root, '--bind-ro=' + REPO]
        if self.net is not None:
            nspawn.append('--network-namespace-path=' + self.net.path)
        return '\n'.join(self.group.join_script() + [
            'exec ' + ' '.join(nspawn)])

    def boot(self, timeout=BOOT_TIMEOUT):
        """Power on and wait until systemd says the machine is up."""
        aptproxy.ensure(progress=lambda line: None)
        self.group.create()
        self.group.create('agent')
        with open(os.path.join(self.disk, 'console.log'), 'a') as console:
            # setsid -f: nspawn is nobody's child here (no zombie to reap)
            subprocess.run(['setsid', '-f', 'sh', '-c',
                            self.launch_command()], check=True,
                           stdin=subprocess.DEVNULL, stdout=console,
                           stderr=subprocess.STDOUT)
        self.wait_booted(timeout)

    def pid1(self):
        """The host PID of the machine's systemd, or None when off."""
        path = os.path.join(self.group.v2, 'payload', 'init.scope',
                            'cgroup.procs')
        try:
            with open(path) as procs:
                found = procs.read().split()
        except OSError:
            return None
        return int(found[0]) if found else None

    def running(self):
        return self.pid1() is not None

    def wait_booted(self, timeout=BOOT_TIMEOUT):
        deadline = time.monotonic() + timeout
        state = 'off'
        while time.monotonic() < deadline:
            if self.running():
                state = self.system_state(wait=True, timeout=max(
                    1, deadline - time.monotonic()))
                if state in ('running', 'degraded'):
                    return state
            time.sleep(0.1)
        raise RuntimeError('machine of {} did not boot in {} s ({}); see {}'
                           .format(self.unit, timeout, state, os.path.join(
                               self.disk, 'console.log')))

    def system_state(self, wait=False, timeout=10):
        """What ``systemctl is-system-running`` says, or "off"."""
        if not self.running():
            return 'off'
        command = ['systemctl', 'is-system-running'] + (
            ['--wait'] if wait else [])
        try:
            proc = subprocess.run(self.enter_command() + command,
                                  capture_output=True, text=True,
                                  timeout=timeout)
        except (subprocess.TimeoutExpired, MachineDown):
            return 'starting'
        return proc.stdout.strip() or 'starting'

    def enter_command(self, cwd='/'):
        """The prefix that runs a command inside the machine, in its
        ``agent`` control group."""
        pid = self.pid1()
        if pid is None:
            raise MachineDown('the machine of {} is off'.format(self.unit))
        return ['sh', '-c', '\n'.join(
            self.group.join_script('agent') + ['exec "$@"']), 'enter',
            'nsenter', '-t', str(pid), '-a', '--wdns=' + cwd]

    def pids(self):
        """Host PIDs of every process of the machine."""
        return self.group.procs()

    # -- power ------------------------------------------------------------
    def power_off(self):
        """Lose power: every process dies at once, the network goes dark;
        the disk stays."""
        self.group.kill()
        if self.net is not None:
            self.net.power_off()

    def power_on(self):
        """Boot: the network back, then systemd starts what is enabled."""
        if self.net is not None:
            self.net.power_on()
        self.boot()

    def powered(self):
        return self.running() and (self.net is None or (
            self.address + '/' in ' '.join(self.net.addresses())))

    def reachable(self):
        """Powered and on the network: what its peers can see."""
        return self.powered() and (self.net is None or self.net.connected())

    def destroy(self):
        self.group.kill()
        if self.exists():
            run(['umount', self.mnt])
        self.group.remove()
        if self.net is not None:
            self.net.destroy()
            network.release(self.address)
        shutil.rmtree(self.base, ignore_errors=True)


def in_use_images():
    """The images mounted under a machine's disk on this host."""
    found = set()
    with open('/proc/self/mountinfo') as info:
        for line in info:
            for option in line.split()[-1].split(','):
                if option.startswith('lowerdir='):
                    found.update(os.path.dirname(layer) for layer in
                                 option[len('lowerdir='):].split(':'))
    return found


def teardown(root):
    """After the last unit of a model: the bridge, once no model on the
    host has a machine."""
    network.remove_bridge()
