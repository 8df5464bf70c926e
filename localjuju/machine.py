"""A unit's machine, made of persistent namespaces.

Mount and UTS namespaces are kept alive by bind-mounting them onto files
in a private directory (``unshare --mount=FILE --uts=FILE``); the network
namespace is ``localjuju.network.MachineNetwork`` (its own address on
the bridge).
Every hook, action and service of the unit is entered with ``nsenter``
into all three. In it the unit has its own copies of the directories a
charm and its services write, a fresh tmpfs /run (pidfiles included), its
own /sys (its own interfaces), hostname and /etc/hosts. The host's files
are never edited: only empty mount points are created where missing.
"""

import os
import shutil
import signal
import subprocess

from localjuju import JUJU_VERSION
from localjuju import machinefiles
from localjuju import model as m
from localjuju import network
from localjuju import processes

# Directories every unit writes, whatever its charm: the agent's, init
# scripts and their defaults, charm helpers' and nrpe's. A harness adds
# the directories (or single conffiles) its charm's services write
# (``create(unit_dirs)``).
# Each is copied from the host when it exists there, so packaged files
# (init scripts, defaults, conffiles) are still present.
BASE_UNIT_DIRS = (
    '/etc/init.d', '/etc/default', '/var/lib/charm', '/etc/nagios',
    '/var/lib/juju',
)


# What apt and dpkg change: each unit's own, as an overlay of the host's
# (its writes go to the unit's layer), so a unit upgrades its packages
# alone and the host's stay as they were.
SYSTEM_DIRS = ('/usr', '/etc/apt', '/var/lib/dpkg', '/var/lib/apt',
               '/var/cache/apt', '/var/cache/debconf', '/var/log/apt')

# Files each unit has its own of (written by _seed).
PRIVATE_FILES = ('/etc/os-release', '/etc/lsb-release', '/etc/hostname',
                 '/etc/hosts')


def on_run(path):
    return path == '/run' or path.startswith('/run/')


def mount_points():
    """Mount points of this process' namespace."""
    with open('/proc/self/mountinfo') as info:
        return {line.split()[4].replace('\\040', ' ') for line in info}


def unit_namespaces_alive():
    """Whether any model still keeps a unit's mount namespace."""
    with open('/proc/self/mountinfo') as info:
        return any(' - nsfs ' in line and 'mnt:[' in line for line in info)


def run(cmd):
    proc = subprocess.run(cmd, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        raise RuntimeError('{} failed: {}'.format(' '.join(cmd),
                                                  proc.stdout.strip()))
    return proc.stdout


class Machine:
    def __init__(self, root, unit, address='127.0.0.1', number=0):
        self.root = root
        self.unit = unit
        self.address = address
        self.number = number
        self.tag = m.unit_tag(unit)
        self.base = m.unit_dir(root, unit)
        self.fs = os.path.join(self.base, 'fs')
        self.ns_dir = os.path.join(root, 'ns')
        self.ns_file = os.path.join(self.ns_dir, self.tag)
        self.uts_file = self.ns_file + '.uts'
        # Units of a model made before per-unit networks (or the tests'
        # hand-made records at 127.0.0.1) stay on the host's network.
        self.net = (network.MachineNetwork(address)
                    if network.in_subnet(address) else None)

    @property
    def hostname(self):
        return 'juju-' + self.tag

    # -- paths, as seen inside the unit and from the host ----------------
    @property
    def agent_dir(self):
        return '/var/lib/juju/agents/unit-' + self.tag

    @property
    def charm_dir(self):
        return self.agent_dir + '/charm'

    def host_path(self, path):
        """Where a per-unit path inside the unit lives on the host."""
        return self.fs + path

    # -- lifecycle -------------------------------------------------------
    def exists(self):
        return self.ns_file in mount_points()

    def create(self, unit_dirs=()):
        """Create the namespaces and their mounts (no-op if they exist),
        with a copy of its own of ``unit_dirs`` and BASE_UNIT_DIRS."""
        if self.net is not None:
            self.net.create()
        if self.exists():
            return
        dirs = tuple(unit_dirs) + tuple(
            path for path in BASE_UNIT_DIRS if path not in unit_dirs)
        run_dirs = [path for path in dirs if on_run(path)]
        dirs = [path for path in dirs if not on_run(path)]
        self._private_ns_dir()
        self._seed(dirs)
        script = ['set -e'] + machinefiles.run_skeleton(run_dirs)
        if self.net is not None:
            script.append('mount -t sysfs sysfs /sys')
        script += self._system_overlays()
        for path in dirs + list(PRIVATE_FILES):
            script.append('mount --bind {} {}'.format(self.host_path(path),
                                                      path))
        script.append('hostname ' + self.hostname)
        command = ['unshare', '--mount=' + self.ns_file,
                   '--uts=' + self.uts_file, '--propagation', 'private',
                   'sh', '-c', '\n'.join(script)]
        for path in (self.ns_file, self.uts_file):
            open(path, 'a').close()
        if self.net is not None:
            command = ['nsenter', '--net=' + self.net.path] + command
        run(command)
        with open(self.host_path('/var/lib/juju/run-dirs'), 'w') as out:
            out.write('\n'.join(run_dirs))

    def _system_overlays(self):
        """Mount commands laying the unit's layer over SYSTEM_DIRS."""
        commands = []
        for path in SYSTEM_DIRS:
            if not os.path.isdir(path):
                continue
            layer = os.path.join(self.base, 'system', path.strip('/')
                                 .replace('/', '-'))
            upper, work = layer + '/upper', layer + '/work'
            for directory in (upper, work):
                os.makedirs(directory, exist_ok=True)
            commands.append('mount -t overlay overlay -o lowerdir={},'
                            'upperdir={},workdir={} {}'.format(
                                path, upper, work, path))
        return commands

    def _private_ns_dir(self):
        os.makedirs(self.ns_dir, exist_ok=True)
        if self.ns_dir not in mount_points():
            run(['mount', '--bind', self.ns_dir, self.ns_dir])
            run(['mount', '--make-private', self.ns_dir])

    def _seed(self, dirs):
        for path in dirs:
            copy = self.host_path(path)
            if os.path.isfile(path):
                # a single conffile (a package's /etc/<name>.conf): the
                # unit's own copy, bound over the host's
                if not os.path.exists(copy):
                    os.makedirs(os.path.dirname(copy), exist_ok=True)
                    run(['cp', '-a', path, copy])
                continue
            self._host_mount_point(path, directory=True)
            if os.path.isdir(copy):
                continue
            if os.path.isdir(path) and path != '/var/lib/juju':
                # cp -a keeps owners: packages' dirs belong to their users.
                os.makedirs(os.path.dirname(copy), exist_ok=True)
                run(['cp', '-a', path, copy])
            else:
                os.makedirs(copy)
        jujud = self.host_path('/var/lib/juju/tools/machine-{}/jujud'
                               .format(self.number))
        os.makedirs(os.path.dirname(jujud), exist_ok=True)
        with open(jujud, 'w') as out:
            # charmhelpers.has_juju_version() runs `jujud version`.
            out.write('#!/bin/sh\necho {}-ubuntu-amd64\n'.format(
                JUJU_VERSION))
        os.chmod(jujud, 0o755)
        os.makedirs(self.host_path(self.agent_dir), exist_ok=True)
        address = self.address if self.net else '127.0.1.1'
        for path, text in (
                ('/etc/os-release', machinefiles.os_release()),
                ('/etc/lsb-release', machinefiles.lsb_release()),
                ('/etc/hostname', self.hostname + '\n'),
                ('/etc/hosts', machinefiles.hosts(self.hostname, address))):
            self._host_mount_point(path, directory=False)
            with open(self.host_path(path), 'w') as out:
                out.write(text)

    def _host_mount_point(self, path, directory):
        """Create an empty mount point on the host, remembering it."""
        if os.path.lexists(path):
            return
        if directory:
            os.makedirs(path)
        else:
            open(path, 'a').close()
        with open(os.path.join(self.root, 'host-mount-points'), 'a') as log:
            log.write(path + '\n')

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

    def enter_command(self, cwd='/'):
        """The prefix that runs a command inside the unit."""
        command = ['nsenter', '--mount=' + self.ns_file]
        if os.path.exists(self.uts_file):
            command.append('--uts=' + self.uts_file)
        if self.net is not None:
            command.append('--net=' + self.net.path)
        return command + ['--wdns=' + cwd]

    def namespaces(self):
        """(kind, file) of each namespace the unit lives in."""
        found = [('mnt', self.ns_file), ('uts', self.uts_file)]
        if self.net is not None:
            found.append(('net', self.net.path))
        return found

    def pids(self):
        """Processes living in any of the unit's namespaces."""
        return processes.in_namespaces(self.namespaces())

    def stop_processes(self, timeout=10):
        """Stop every process of the unit: its services die with it."""
        processes.stop(self.pids, timeout)

    # -- power ------------------------------------------------------------
    def power_off(self):
        """Lose power: every process dies at once, the network goes dark."""
        processes.kill(self.pids(), signal.SIGKILL)
        if self.net is not None:
            self.net.power_off()

    def power_on(self):
        """Boot: an empty /run again, the network back; no service starts
        by itself (the agent runs the start-up hooks)."""
        if self.net is not None:
            self.net.power_on()
        try:
            with open(self.host_path('/var/lib/juju/run-dirs')) as stored:
                run_dirs = stored.read().split()
        except OSError:
            run_dirs = []
        script = ['set -e', 'umount -l /run'] + machinefiles.run_skeleton(
            run_dirs)
        run(self.enter_command() + ['sh', '-c', '\n'.join(script)])

    def powered(self):
        return self.net is None or self.address + '/' in ' '.join(
            self.net.addresses())

    def reachable(self):
        """Powered and on the network: what its peers can see."""
        return self.net is None or (self.powered() and self.net.connected())

    def destroy(self):
        self.stop_processes()
        for path in (self.ns_file, self.uts_file):
            if path in mount_points():
                run(['umount', path])
            if os.path.exists(path):
                os.unlink(path)
        if self.net is not None:
            self.net.destroy()
            network.release(self.address)
        shutil.rmtree(self.base, ignore_errors=True)


def teardown(root):
    """After the last unit: release the ns dir, remove our mount points
    (and the bridge, once no model on the host has a machine)."""
    ns_dir = os.path.join(root, 'ns')
    if ns_dir in mount_points():
        run(['umount', ns_dir])
    network.remove_bridge()
    record = os.path.join(root, 'host-mount-points')
    if not os.path.exists(record) or unit_namespaces_alive():
        return  # another model's units still mount onto them
    with open(record) as created:
        paths = created.read().split()
    for path in reversed(paths):
        try:
            if os.path.isdir(path):
                os.rmdir(path)  # only when still empty
            elif os.path.getsize(path) == 0:
                os.unlink(path)
        except OSError:
            pass
    os.unlink(record)
