"""Finding and stopping the processes that live in given namespaces."""

import os
import signal
import time


def in_namespaces(namespaces):
    """PIDs of processes in any of ``namespaces``: (kind, file) pairs,
    kind as in /proc/PID/ns/ (mnt, uts, net)."""
    inodes = []
    for kind, path in namespaces:
        try:
            inodes.append((kind, os.stat(path).st_ino))
        except OSError:
            continue
    found = []
    for entry in os.listdir('/proc'):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        for kind, inode in inodes:
            try:
                if os.stat('/proc/{}/ns/{}'.format(
                        entry, kind)).st_ino == inode:
                    found.append(int(entry))
                    break
            except OSError:
                break
    return found


def kill(pids, sig):
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def alive(pids):
    return [pid for pid in pids if os.path.exists('/proc/{}'.format(pid))]


def stop(find, timeout=10):
    """SIGTERM what ``find()`` returns, then SIGKILL what is left."""
    pids = find()
    for sig in (signal.SIGTERM, signal.SIGKILL):
        kill(pids, sig)
        deadline = time.monotonic() + timeout
        while pids and time.monotonic() < deadline:
            pids = alive(pids)
            time.sleep(0.1)
        if not pids:
            return
        pids = find()
