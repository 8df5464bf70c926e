"""The files a unit's machine has of its own, made from the host's:
os-release, lsb-release, hostname and hosts, and the skeleton of a fresh
/run."""

import os


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


def hosts(hostname, address, host='/etc/hosts'):
    """The host's /etc/hosts, with the unit's own name and address."""
    with open(host) as source:
        text = source.read()
    if text and not text.endswith('\n'):
        text += '\n'
    return text + '{} {}\n'.format(address, hostname)


# Not copied into a unit's /run: the host's own network namespaces and
# leases, and session state no unit has.
RUN_SKIPPED = ('netns', 'local-juju-net', 'user', 'systemd', 'mount')


def run_skeleton(unit_run_dirs=()):
    """Shell lines giving the unit a fresh, empty /run (a tmpfs, gone at
    power off) with the host's first-level directories (owner and mode)
    as a booted machine's tmpfiles would make them."""
    lines = ['mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run']
    for name in sorted(os.listdir('/run')):
        path = os.path.join('/run', name)
        if name in RUN_SKIPPED or os.path.islink(path) or \
                not os.path.isdir(path):
            continue
        info = os.stat(path)
        lines.append('install -d -m {:o} -o {} -g {} {}'.format(
            info.st_mode & 0o7777, info.st_uid, info.st_gid, path))
    lines.append('install -d -m 1777 /run/lock')
    lines.append('ln -sfn /dev/shm /run/shm')
    lines += ['mkdir -p ' + path for path in unit_run_dirs]
    return lines
