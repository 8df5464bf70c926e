"""The machines' base image: a minimal Debian that boots systemd.

Built once per host (per ``LOCAL_JUJU_CACHE``) with debootstrap through
the apt proxy, then shared read-only by every machine as the lower layer
of its overlay. The image is keyed by its recipe: a change of packages,
of the configuration script or of the week (the apt lists it keeps are
at most a week old, as a cloud image's are after cloud-init's update)
builds a new one; images no machine uses any more are removed.
"""

import contextlib
import datetime
import fcntl
import hashlib
import json
import os
import shutil
import subprocess

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


def images_dir():
    return os.path.join(paths.cache(), 'images')


@contextlib.contextmanager
def _locked():
    os.makedirs(images_dir(), exist_ok=True)
    with open(os.path.join(images_dir(), '.lock'), 'a') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def ensure(progress=print, in_use=()):
    """The path of the current image, built if missing (concurrent
    callers wait for one build). Images not current and not in
    ``in_use`` are removed."""
    spec = recipe()
    target = os.path.join(images_dir(), recipe_hash(spec))
    with _locked():
        if not os.path.exists(os.path.join(target, '.complete')):
            build(target, spec, progress)
        for name in os.listdir(images_dir()):
            path = os.path.join(images_dir(), name)
            if name.startswith('.') or path == target or \
                    path in in_use or not os.path.isdir(path):
                continue
            shutil.rmtree(path, ignore_errors=True)
    return os.path.join(target, 'root')


def build(target, spec, progress=print):
    proxy = aptproxy.ensure(progress)
    work = target + '.tmp'
    shutil.rmtree(work, ignore_errors=True)
    root = os.path.join(work, 'root')
    os.makedirs(work)
    progress('building the machine image (debootstrap {}, through the '
             'apt proxy)'.format(spec['suite']))
    env = dict(os.environ, http_proxy=proxy.replace(
        aptproxy.network.HOST_ADDRESS, '127.0.0.1'))
    log = os.path.join(work, 'build.log')
    # nspawn needs a control group of its own (there is no machined)
    group = cgroups.Group('image-build')
    group.create()
    with open(log, 'w') as out:
        steps = [
            ['debootstrap', '--variant=minbase', '--components=main',
             '--include=' + ','.join(spec['include']), spec['suite'], root,
             spec['mirror']],
            ['sh', '-c', '\n'.join(group.join_script() + ['exec "$@"']),
             'build', 'systemd-nspawn', '--quiet', '--register=no',
             '--keep-unit',
             '--directory=' + root, '--resolv-conf=off', '--timezone=off',
             '--setenv=MIRROR=' + spec['mirror'],
             '--setenv=SUITE=' + spec['suite'],
             '--setenv=PROXY=' + env['http_proxy'],
             '--setenv=MASKED=' + ' '.join(spec['masked']),
             '/bin/sh', '-c', spec['configure']],
        ]
        for step in steps:
            proc = subprocess.run(step, env=env, stdin=subprocess.DEVNULL,
                                  stdout=out, stderr=subprocess.STDOUT)
            if proc.returncode != 0:
                raise RuntimeError('building the machine image failed at '
                                   '{}: see {}'.format(step[0], log))
    group.remove()
    for name in ('os-release', 'lsb-release'):
        with open(os.path.join(root, 'etc', name), 'w') as out:
            out.write(spec[name])
    with open(os.path.join(work, 'recipe.json'), 'w') as out:
        json.dump(spec, out, indent=1, sort_keys=True)
    shutil.rmtree(target, ignore_errors=True)
    os.rename(work, target)
    open(os.path.join(target, '.complete'), 'w').close()
    progress('machine image ready: ' + target)


if __name__ == '__main__':
    # `python3 -m localjuju.image`: build it ahead (tools/run-tests and
    # tools/deploy-local start it beside their other steps)
    ensure()
