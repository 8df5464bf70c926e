"""A machine's control group: what boots in it, what dies with it.

Each machine has the group ``local-juju/<name>`` in every hierarchy the
host mounts for systemd: on a hybrid host (cgroup v1 with a
``name=systemd`` hierarchy, cgroup2 at ``unified``, as Debian's machines
here have) nspawn needs its own group in both, else every machine shares
one ``payload``; on a unified host, the one cgroup2 tree. The cgroup2
group is the one that counts processes and kills them all at once
(``cgroup.kill``, Linux 5.14): a power cut.
"""

import os
import signal
import time

CGROUP = '/sys/fs/cgroup'
PARENT = 'local-juju'


def _is_cgroup2(path):
    return os.path.exists(os.path.join(path, 'cgroup.controllers'))


def hierarchies():
    """(v1 name=systemd hierarchy or None, the cgroup2 hierarchy)."""
    if _is_cgroup2(CGROUP):
        return None, CGROUP
    return os.path.join(CGROUP, 'systemd'), os.path.join(CGROUP, 'unified')


class Group:
    def __init__(self, name):
        self.path = PARENT + '/' + name
        self.v1, self.v2 = (
            None if root is None else os.path.join(root, self.path)
            for root in hierarchies())

    def dirs(self):
        return [d for d in (self.v1, self.v2) if d is not None]

    def create(self, child=None):
        for directory in self.dirs():
            os.makedirs(os.path.join(directory, child or ''), exist_ok=True)

    def join_script(self, child=None):
        """Shell lines moving the shell running them into the group."""
        return ['echo $$ > {}/cgroup.procs'.format(
            os.path.join(directory, child) if child else directory)
            for directory in self.dirs()]

    def procs(self):
        """Host PIDs of every process in the group, its children's too."""
        found = []
        for top, _, files in os.walk(self.v2):
            if 'cgroup.procs' in files:
                try:
                    with open(os.path.join(top, 'cgroup.procs')) as procs:
                        found += [int(pid) for pid in procs.read().split()]
                except OSError:
                    continue
        return found

    def populated(self):
        try:
            with open(os.path.join(self.v2, 'cgroup.events')) as events:
                return 'populated 1' in events.read()
        except OSError:
            return False

    def kill(self, timeout=10):
        """Every process dies at once; wait until none is left."""
        if not os.path.isdir(self.v2):
            return
        deadline = time.monotonic() + timeout
        kill_file = os.path.join(self.v2, 'cgroup.kill')
        while self.populated():
            if os.path.exists(kill_file):
                with open(kill_file, 'w') as out:
                    out.write('1')
            else:   # before Linux 5.14
                for pid in self.procs():
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
            if time.monotonic() > deadline:
                raise RuntimeError('processes of {} outlived SIGKILL: {}'
                                   .format(self.path, self.procs()))
            time.sleep(0.02)

    def remove(self, timeout=5):
        """The emptied group's directories, deepest first. The kernel may
        refuse a group for a moment after its last process died (EBUSY);
        one still there after ``timeout`` is an error naming what holds
        it, not a leak found by a later machine."""
        deadline = time.monotonic() + timeout
        while True:
            left = []
            for directory in self.dirs():
                for top, dirs, _ in os.walk(directory, topdown=False):
                    try:
                        os.rmdir(top)
                    except FileNotFoundError:
                        pass
                    except OSError as error:
                        left.append('{}: {}'.format(top, error.strerror))
            if not left:
                return
            if time.monotonic() > deadline:
                raise RuntimeError('group {} not removed: {}; processes: {}'
                                   .format(self.path, '; '.join(left),
                                           self.procs()))
            time.sleep(0.05)


def machine_names():
    """Names of the machines that have a group (running or not)."""
    v2 = os.path.join(hierarchies()[1], PARENT)
    try:
        return sorted(name for name in os.listdir(v2)
                      if os.path.isdir(os.path.join(v2, name)))
    except OSError:
        return []


def machines_alive():
    """Whether any machine of any model still has a process."""
    return any(Group(name).populated() for name in machine_names())
