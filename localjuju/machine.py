"""A unit's machine: a persistent mount namespace with per-unit copies of
the directories a charm and its services write.

The namespace is kept alive by bind-mounting it onto a file in a private
directory (``unshare --mount=FILE``); every hook, action and service of
the unit is entered with ``nsenter --mount=FILE``. The host's files are
never edited: only empty mount points are created where missing.

Seam for multi-unit networking: a later per-unit network namespace adds
``--net=FILE`` to ``enter_command`` and an address to ``Machine``; nothing
else here assumes the host network.
"""

import os
import shutil
import signal
import subprocess
import time

from localjuju import JUJU_VERSION
from localjuju import model as m

# Directories every unit writes, whatever its charm: the agent's, init
# scripts and their defaults, charm helpers' and nrpe's. A harness adds
# the directories its charm's services write (``create(unit_dirs)``).
# Each is copied from the host when it exists there, so packaged files
# (init scripts, defaults, conffiles) are still present.
BASE_UNIT_DIRS = (
    '/etc/init.d', '/etc/default', '/var/lib/charm', '/etc/nagios',
    '/var/lib/juju',
)


def os_release(host='/etc/os-release'):
    """Debian's os-release, with a NAME charmhelpers recognises.

    charmhelpers.osplatform accepts "Ubuntu" or lowercase "debian" in
    NAME; the rest stays the host's own truthful description.
    """
    lines = []
    with open(host) as source:
        for line in source.read().splitlines():
            if line.startswith('NAME='):
                line = 'NAME="debian"'
            lines.append(line)
    return '\n'.join(lines) + '\n'


def lsb_release(host='/etc/os-release'):
    info = {}
    with open(host) as source:
        for line in source.read().splitlines():
            key, _, value = line.partition('=')
            info[key] = value.strip('"')
    return ('DISTRIB_ID=Debian\nDISTRIB_RELEASE={}\nDISTRIB_CODENAME={}\n'
            'DISTRIB_DESCRIPTION="{}"\n').format(
                info.get('VERSION_ID', ''), info.get('VERSION_CODENAME', ''),
                info.get('PRETTY_NAME', '').replace('=', ' '))


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
        """Create the namespace and its mounts (no-op if it exists), with
        a copy of its own of ``unit_dirs`` and BASE_UNIT_DIRS."""
        if self.exists():
            return
        dirs = tuple(unit_dirs) + tuple(
            path for path in BASE_UNIT_DIRS if path not in unit_dirs)
        self._private_ns_dir()
        self._seed(dirs)
        script = ['set -e']
        for path in dirs:
            script.append('mount --bind {} {}'.format(self.host_path(path),
                                                      path))
        for path in ('/etc/os-release', '/etc/lsb-release'):
            script.append('mount --bind {} {}'.format(self.host_path(path),
                                                      path))
        open(self.ns_file, 'a').close()
        run(['unshare', '--mount=' + self.ns_file, '--propagation',
             'private', 'sh', '-c', '\n'.join(script)])

    def _private_ns_dir(self):
        os.makedirs(self.ns_dir, exist_ok=True)
        if self.ns_dir not in mount_points():
            run(['mount', '--bind', self.ns_dir, self.ns_dir])
            run(['mount', '--make-private', self.ns_dir])

    def _seed(self, dirs):
        for path in dirs:
            self._host_mount_point(path, directory=True)
            copy = self.host_path(path)
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
        for path, text in (('/etc/os-release', os_release()),
                           ('/etc/lsb-release', lsb_release())):
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
        return ['nsenter', '--mount=' + self.ns_file, '--wdns=' + cwd]

    def pids(self):
        """Processes living in the unit's mount namespace."""
        try:
            inode = os.stat(self.ns_file).st_ino
        except FileNotFoundError:
            return []
        found = []
        for entry in os.listdir('/proc'):
            if not entry.isdigit():
                continue
            try:
                if os.stat('/proc/{}/ns/mnt'.format(entry)).st_ino == inode:
                    found.append(int(entry))
            except OSError:
                continue
        return found

    def stop_processes(self, timeout=10):
        """Stop every process of the unit: its services die with it."""
        pids = self.pids() if self.exists() else []
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in pids:
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
            deadline = time.monotonic() + timeout
            while pids and time.monotonic() < deadline:
                pids = [p for p in pids if os.path.exists(
                    '/proc/{}'.format(p))]
                time.sleep(0.1)
            if not pids:
                return

    def destroy(self):
        self.stop_processes()
        if self.exists():
            run(['umount', self.ns_file])
        if os.path.exists(self.ns_file):
            os.unlink(self.ns_file)
        shutil.rmtree(self.base, ignore_errors=True)


def teardown(root):
    """After the last unit: release the ns dir, remove our mount points."""
    ns_dir = os.path.join(root, 'ns')
    if ns_dir in mount_points():
        run(['umount', ns_dir])
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
