"""The files a unit's machine has of its own, made from the host's:
os-release, lsb-release (baked into the image), hostname and hosts."""


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


def host_release(host='/etc/os-release'):
    """The host's os-release as a dict."""
    info = {}
    with open(host) as source:
        for line in source.read().splitlines():
            key, _, value = line.partition('=')
            info[key] = value.strip('"')
    return info


def lsb_release(host='/etc/os-release'):
    info = host_release(host)
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
