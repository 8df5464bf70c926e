"""The machines' only way out: a caching apt proxy on the bridge.

Debian's apt-cacher-ng listens on the host's bridge address, as the
proxy a Juju model names in ``apt-http-proxy``; machines have no route
beyond the bridge, so the Debian archive, fetched once and then served
from the cache, is all they reach. ``ForceManaged`` refuses any other
site. The proxy runs with a configuration of its own (not the package's
/etc/apt-cacher-ng, whose Debian backend is a mirror this host may not
resolve) and outlives models: every model on the host shares its cache.
"""

import os
import signal
import socket
import subprocess
import time

from localjuju import network
from localjuju import paths

PORT = 3142
RUN_DIR = '/run/local-juju-net'
PID_FILE = os.path.join(RUN_DIR, 'apt-cacher-ng.pid')
DEBIAN = '/usr/share/keyrings/debian-archive-keyring.gpg'


def url(address=None):
    return 'http://{}:{}'.format(address or network.HOST_ADDRESS, PORT)


def mirror():
    """The Debian archive the host itself uses (its first deb822 or
    sources.list URI ending in /debian), else Debian's CDN."""
    if os.environ.get('LOCAL_JUJU_MIRROR'):
        return os.environ['LOCAL_JUJU_MIRROR'].rstrip('/')
    for path in ('/etc/apt/sources.list.d/debian.sources',
                 '/etc/apt/sources.list'):
        try:
            with open(path) as sources:
                words = sources.read().split()
        except OSError:
            continue
        for word in words:
            if word.startswith('http://') and \
                    word.rstrip('/').endswith('/debian'):
                return word.rstrip('/')
    return 'http://deb.debian.org/debian'


def config_text(cache_dir):
    archive = mirror()
    return '\n'.join([
        'CacheDir: ' + cache_dir,
        'LogDir: ' + cache_dir + '-log',
        'SupportDir: /usr/lib/apt-cacher-ng',
        'Port: {}'.format(PORT),
        'BindAddress: 127.0.0.1 ' + network.HOST_ADDRESS,
        'PidFile: ' + PID_FILE,
        'SocketPath: ' + os.path.join(RUN_DIR, 'apt-cacher-ng.socket'),
        # only the archives below: nothing else leaves through the proxy
        'ForceManaged: 1',
        'Remap-debrep: file:deb_mirror*.gz /debian ; {}/'.format(archive),
        'Remap-secdeb: security.debian.org deb.debian.org/debian-security '
        '/debian-security ; {}-security/'.format(archive),
        'ExThreshold: 4']) + '\n'


def running_pid(conf_dir):
    """The PID of the proxy running with ``conf_dir``, or None."""
    try:
        with open(PID_FILE) as stored:
            pid = int(stored.read().split()[0])
        with open('/proc/{}/cmdline'.format(pid)) as cmdline:
            argv = cmdline.read().split('\0')
    except (OSError, ValueError, IndexError):
        return None
    if os.path.basename(argv[0]) == 'apt-cacher-ng' and conf_dir in argv:
        return pid
    return None


def stop():
    """Stop the proxy whatever its cache (its PID file says which)."""
    try:
        with open(PID_FILE) as stored:
            pid = int(stored.read().split()[0])
        with open('/proc/{}/comm'.format(pid)) as comm:
            if comm.read().strip() != 'apt-cacher-ng':
                return
        os.kill(pid, signal.SIGTERM)
    except (OSError, ValueError, IndexError):
        return
    deadline = time.monotonic() + 10
    while os.path.exists('/proc/{}'.format(pid)) and \
            time.monotonic() < deadline:
        time.sleep(0.1)


def answering(address, timeout=0.5):
    try:
        with socket.create_connection((address, PORT), timeout=timeout):
            return True
    except OSError:
        return False


def ensure(progress=print):
    """The proxy listening on loopback and the bridge (idempotent)."""
    network.ensure_bridge()
    cache_dir = os.path.join(paths.cache(), 'apt-cacher-ng')
    conf_dir = cache_dir + '-conf'
    if running_pid(conf_dir) and answering(network.HOST_ADDRESS):
        return url()
    stop()      # one of another cache (LOCAL_JUJU_CACHE changed)
    for directory in (cache_dir, cache_dir + '-log', conf_dir, RUN_DIR):
        os.makedirs(directory, exist_ok=True)
    with open(os.path.join(conf_dir, 'acng.conf'), 'w') as out:
        out.write(config_text(cache_dir))
    progress('starting the apt proxy at ' + url())
    subprocess.run(['/usr/sbin/apt-cacher-ng', '-c', conf_dir,
                    'ForeGround=0'], check=True, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 10
    while not answering(network.HOST_ADDRESS):
        if time.monotonic() > deadline:
            raise RuntimeError('apt-cacher-ng did not listen on {}'.format(
                url()))
        time.sleep(0.1)
    return url()
