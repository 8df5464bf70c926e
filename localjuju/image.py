"""The machines' base image: a minimal Debian that boots systemd.

Built once per host (per ``LOCAL_JUJU_CACHE``) with debootstrap through
the apt proxy, then shared read-only by every machine as the lower layer
of its overlay. The image is keyed by its recipe: a change of packages,
of the configuration script or of the week (the apt lists it keeps are
at most a week old, as a cloud image's are after cloud-init's update)
builds a new one; images no machine uses any more are removed.

A deployment may ask for machines whose image has packages installed
already, as an operator deploys with a custom image (a MAAS custom image,
a Glance image named by an ``image-id`` constraint) baked with the
charm's payload: a layer over the base, built once per base and package
list by ``apt-get install`` in a machine that is not booted (no service
runs, as in an image build), and mounted between the base and a
machine's own upper directory. The install hook then finds its packages
installed; the package's services start at the first boot instead of
during the hook.
"""

import contextlib
import datetime
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys

from localjuju import aptproxy
from localjuju import cgroups
from localjuju import machinefiles
from localjuju import paths

VERSION = 1
# What a cloud image has that hooks and tests use: systemd as PID 1,
# ip, ps/pgrep, python3 with PyYAML (the hook tools), CA certificates,
# logrotate.
INCLUDE = ('systemd', 'systemd-sysv', 'dbus', 'iproute2', 'netbase',
           'procps', 'python3', 'python3-yaml', 'ca-certificates',
           'logrotate')
# Timers and gettys a container has no use for (and a tmpfs /tmp would
# hide a model root bound under /tmp).
MASKED = ('apt-daily.timer', 'apt-daily-upgrade.timer', 'e2scrub_all.timer',
          'fstrim.timer', 'console-getty.service', 'getty@.service',
          'tmp.mount')

CONFIGURE = r'''set -e
export DEBIAN_FRONTEND=noninteractive
cat > /etc/apt/sources.list <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $MIRROR-security $SUITE-security main
EOF
echo "Acquire::http::Proxy \"$PROXY\";" > /etc/apt/apt.conf.d/00build-proxy
apt-get update -q
apt-get -y -q -o Dpkg::Options::=--force-confold dist-upgrade
rm /etc/apt/apt.conf.d/00build-proxy
# dpkg on an overlay: no fsync per file, no documentation
cat > /etc/dpkg/dpkg.cfg.d/local-juju <<EOF
force-unsafe-io
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
EOF
for unit in $MASKED; do ln -sf /dev/null /etc/systemd/system/$unit; done
mkdir -p /var/log/journal
rm -f /etc/os-release /etc/hostname
: > /etc/machine-id
apt-get clean
'''


def recipe():
    info = machinefiles.host_release()
    return {
        'version': VERSION,
        'suite': info['VERSION_CODENAME'],
        'mirror': aptproxy.mirror(),
        'include': list(INCLUDE),
        'masked': list(MASKED),
        'configure': CONFIGURE,
        'os-release': machinefiles.os_release(),
        'lsb-release': machinefiles.lsb_release(),
        'week': '{}-{:02d}'.format(*datetime.date.today().isocalendar()[:2]),
    }


def recipe_hash(spec=None):
    text = json.dumps(spec or recipe(), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# The layer's build: the install the charm's hook would run (apt's
# defaults, recommends too; the base's package lists), no service started.
LAYER = r'''set -e
export DEBIAN_FRONTEND=noninteractive
echo "Acquire::http::Proxy \"$PROXY\";" > /etc/apt/apt.conf.d/00build-proxy
apt-get -y -q -o Dpkg::Options::=--force-confold install $PACKAGES
rm /etc/apt/apt.conf.d/00build-proxy
apt-get clean
'''


def layer_recipe(base_hash, packages):
    return {'version': VERSION, 'base': base_hash,
            'packages': sorted(packages), 'install': LAYER}


def images_dir():
    return os.path.join(paths.cache(), 'images')


@contextlib.contextmanager
def _locked():
    os.makedirs(images_dir(), exist_ok=True)
    with open(os.path.join(images_dir(), '.lock'), 'a') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def ensure(progress=print, in_use=(), packages=()):
    """The overlay's lower directories for a new machine, as mount's
    ``lowerdir`` takes them: the current base image, under a layer with
    ``packages`` installed when asked; built if missing (concurrent
    callers wait for one build). Images of an older base, not in
    ``in_use``, are removed."""
    spec = recipe()
    base_hash = recipe_hash(spec)
    base = os.path.join(images_dir(), base_hash)
    layers = []
    with _locked():
        if not _complete(base):
            build(base, spec, progress)
        if packages:
            layer_spec = layer_recipe(base_hash, packages)
            layer = base + '-' + recipe_hash(layer_spec)
            if not _complete(layer):
                build_layer(layer, base, layer_spec, progress)
            layers.append(layer)
        for name in os.listdir(images_dir()):
            path = os.path.join(images_dir(), name)
            if name.startswith(('.', base_hash)) or path in in_use or \
                    not os.path.isdir(path):
                continue
            shutil.rmtree(path, ignore_errors=True)
    return ':'.join(os.path.join(d, 'root') for d in layers + [base])


def _complete(target):
    return os.path.exists(os.path.join(target, '.complete'))


def _nspawn(group, root, script, env, out):
    """``script`` run by sh in ``root`` as a machine that is not booted
    (no init, so no service starts), in ``group``."""
    command = ['sh', '-c', '\n'.join(group.join_script() + ['exec "$@"']),
               'build', 'systemd-nspawn', '--quiet', '--register=no',
               '--keep-unit', '--directory=' + root, '--resolv-conf=off',
               '--timezone=off'] + [
        '--setenv={}={}'.format(k, v) for k, v in sorted(env.items())] + [
        '/bin/sh', '-c', script]
    return subprocess.run(command, stdin=subprocess.DEVNULL, stdout=out,
                          stderr=subprocess.STDOUT).returncode


def _finish(work, target, spec, progress):
    with open(os.path.join(work, 'recipe.json'), 'w') as out:
        json.dump(spec, out, indent=1, sort_keys=True)
    shutil.rmtree(target, ignore_errors=True)
    os.rename(work, target)
    open(os.path.join(target, '.complete'), 'w').close()
    progress('machine image ready: ' + target)


def build(target, spec, progress=print):
    proxy = aptproxy.ensure(progress)
    work = target + '.tmp'
    shutil.rmtree(work, ignore_errors=True)
    root = os.path.join(work, 'root')
    os.makedirs(work)
    progress('building the machine image (debootstrap {}, through the '
             'apt proxy)'.format(spec['suite']))
    proxy = proxy.replace(aptproxy.network.HOST_ADDRESS, '127.0.0.1')
    log = os.path.join(work, 'build.log')
    # nspawn needs a control group of its own (there is no machined)
    group = cgroups.Group('image-build')
    group.create()
    with open(log, 'w') as out:
        bootstrap = subprocess.run(
            ['debootstrap', '--variant=minbase', '--components=main',
             '--include=' + ','.join(spec['include']), spec['suite'], root,
             spec['mirror']], env=dict(os.environ, http_proxy=proxy),
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        if bootstrap.returncode != 0:
            raise RuntimeError('building the machine image failed at '
                               'debootstrap: see ' + log)
        if _nspawn(group, root, spec['configure'], {
                'MIRROR': spec['mirror'], 'SUITE': spec['suite'],
                'PROXY': proxy, 'MASKED': ' '.join(spec['masked'])},
                out) != 0:
            raise RuntimeError('building the machine image failed at its '
                               'configuration: see ' + log)
    group.remove()
    for name in ('os-release', 'lsb-release'):
        with open(os.path.join(root, 'etc', name), 'w') as out:
            out.write(spec[name])
    _finish(work, target, spec, progress)


def build_layer(target, base, spec, progress=print):
    """The layer: the upper directory of an overlay on the base in which
    the packages were installed (its whiteouts hide what apt removed)."""
    proxy = aptproxy.ensure(progress).replace(
        aptproxy.network.HOST_ADDRESS, '127.0.0.1')
    work = target + '.tmp'
    shutil.rmtree(work, ignore_errors=True)
    root, scratch, mnt = (os.path.join(work, name)
                          for name in ('root', 'scratch', 'mnt'))
    for directory in (root, scratch, mnt):
        os.makedirs(directory)
    progress('building the image layer with {}'.format(
        ' '.join(spec['packages'])))
    log = os.path.join(work, 'build.log')
    group = cgroups.Group('image-build')
    group.create()
    subprocess.run(['mount', '-t', 'overlay', 'overlay', '-o',
                    'lowerdir={},upperdir={},workdir={}'.format(
                        os.path.join(base, 'root'), root, scratch), mnt],
                   check=True)
    try:
        with open(log, 'w') as out:
            code = _nspawn(group, mnt, spec['install'], {
                'PROXY': proxy, 'PACKAGES': ' '.join(spec['packages'])},
                out)
    finally:
        subprocess.run(['umount', mnt], check=True)
    group.remove()
    if code != 0:
        raise RuntimeError('building the image layer failed: see ' + log)
    shutil.rmtree(scratch)
    os.rmdir(mnt)
    _finish(work, target, spec, progress)


if __name__ == '__main__':
    # `python3 -m localjuju.image`: build it ahead (tools/run-tests and
    # tools/deploy-local start it beside their other steps), with a
    # layer of the packages named on the command line
    ensure(packages=sys.argv[1:])
