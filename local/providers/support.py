"""Small helpers shared by the providers backed by real services.

Commands that carry a secret get it on stdin or in the environment, never
in argv (argv is visible in ps) and never in an error message.
"""

import json
import os
import secrets
import shutil
import socket
import subprocess
import time

from localjuju.network import HOST_ADDRESS, ensure_bridge

# The shared services listen on loopback (for the host, as before) and on
# the host's address on the units' bridge (for the units, other hosts).
LISTEN = ('127.0.0.1', HOST_ADDRESS)
APT_ENV = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
# Marks files the providers write outside their state dir, so destroy()
# removes only what a provider created.
MANAGED_MARK = '# written by the local deployment provider; removed on destroy'


class ProviderError(RuntimeError):
    """A step of a provider failed; the message never holds a secret."""


def run(cmd, stdin=None, env=None, check=True, secret=False):
    """Run ``cmd``; ``secret`` keeps its output out of the error message."""
    proc = subprocess.run(cmd, input=stdin, env=env, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if check and proc.returncode != 0:
        detail = '' if secret else ': ' + (proc.stderr or proc.stdout)[-800:]
        raise ProviderError('{} exited {}{}'.format(
            ' '.join(cmd[:3]), proc.returncode, detail.rstrip()))
    return proc


def missing_packages(packages):
    proc = run(['dpkg-query', '-W', '-f', '${Package} ${db:Status-Abbrev}\n']
               + list(packages), check=False)
    installed = {line.split()[0] for line in proc.stdout.splitlines()
                 if line.split()[1:2] == ['ii']}
    return [p for p in packages if p not in installed]


def ensure_packages(packages, progress):
    missing = missing_packages(packages)
    if not missing:
        return
    progress('installing {}'.format(' '.join(missing)))
    cmd = ['apt-get', 'install', '-y', '--no-install-recommends'] + missing
    for attempt in range(30):
        proc = run(cmd, env=APT_ENV, check=False)
        if proc.returncode == 0:
            return
        if 'lock' not in proc.stderr:
            break
        time.sleep(10)  # another engineer's apt holds the dpkg lock
    raise ProviderError('apt-get install {} failed: {}'.format(
        ' '.join(missing), proc.stderr[-800:]))


def write_private(path, text, mode=0o600):
    """Write ``text`` to a file only root (and ``mode``) can read."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, 'w') as out:
        out.write(text)
    os.chmod(path, mode)


def secret(state_dir, name):
    """A password generated once and kept in ``state_dir`` (0600)."""
    os.makedirs(state_dir, mode=0o700, exist_ok=True)
    path = os.path.join(state_dir, 'secret-{}'.format(name))
    if os.path.exists(path):
        with open(path) as stored:
            return stored.read().strip()
    value = secrets.token_hex(16)  # hex: safe in URLs, SQL and libpq
    write_private(path, value + '\n')
    return value


class Ledger:
    """A JSON record in the state dir of what a provider has created."""

    def __init__(self, state_dir, name='ledger.json'):
        self.path = os.path.join(state_dir, name)

    def load(self):
        if not os.path.exists(self.path):
            return {}
        with open(self.path) as stored:
            return json.load(stored)

    def get(self, key, default=None):
        return self.load().get(key, default)

    def set(self, key, value):
        data = self.load()
        data[key] = value
        os.makedirs(os.path.dirname(self.path), mode=0o700, exist_ok=True)
        write_private(self.path, json.dumps(data, indent=1, sort_keys=True))

    def remember(self, relation_id, value):
        """What a relation was granted, for relation_removed()."""
        self.set('relations', dict(self.get('relations', {}),
                                   **{str(relation_id): value}))

    def recall(self, relation_id):
        return self.get('relations', {}).get(str(relation_id))

    def add(self, key, item):
        items = self.get(key, [])
        if item not in items:
            self.set(key, items + [item])


def port_open(host, port, timeout=1.0):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def listening(port):
    """Whether ``port`` answers on every address of LISTEN."""
    return all(port_open(host, port) for host in LISTEN)


def bridge():
    """The units' bridge, so that services can bind its address."""
    ensure_bridge()


def wait_until(check, what, timeout=120, interval=0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(interval)
    raise ProviderError('timed out after {}s waiting for {}'.format(
        timeout, what))


def write_managed(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    write_private(path, MANAGED_MARK + '\n' + text, mode)


def remove_managed(path):
    """Remove ``path`` only if a provider wrote it."""
    try:
        with open(path) as current:
            if current.readline().rstrip('\n') != MANAGED_MARK:
                return
    except OSError:
        return
    os.unlink(path)


def remove_tree(path):
    shutil.rmtree(path, ignore_errors=True)
