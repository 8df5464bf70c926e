"""Addresses and URLs of a unit's endpoints (public, internal, admin)."""

import ipaddress
import socket

from charmhelpers.core import hookenv

# Endpoint type -> (extra-binding, config option overriding the hostname).
ENDPOINT_TYPES = {
    'public': ('public', 'os-public-hostname'),
    'internal': ('internal', 'os-internal-hostname'),
    'admin': ('admin', 'os-admin-hostname'),
}
# Endpoint type -> option naming the network (CIDR) of its address, for
# deployments without network spaces (as the official charms have it).
NETWORK_OPTIONS = {t: 'os-{}-network'.format(t) for t in ENDPOINT_TYPES}


def binding_address(binding):
    """This unit's address on a binding, or its private address."""
    try:
        return hookenv.network_get_primary_address(binding)
    except (NotImplementedError, hookenv.NoNetworkBinding, OSError):
        return hookenv.unit_get('private-address')
    except Exception:
        # Older Juju answers an unknown binding with a CalledProcessError.
        return hookenv.unit_get('private-address')


def local_networks():
    """[(interface, ip_interface)] of every address this machine has."""
    import psutil
    found = []
    for name, addresses in psutil.net_if_addrs().items():
        for address in addresses:
            if address.family not in (socket.AF_INET, socket.AF_INET6):
                continue
            try:
                found.append((name, ipaddress.ip_interface('{}/{}'.format(
                    address.address.split('%')[0], address.netmask))))
            except ValueError:
                continue
    return found


def network_holding(address):
    """(interface, ip_interface) of the local network that holds address
    (an address of this machine, or one in its subnet), or None."""
    try:
        wanted = ipaddress.ip_address(address)
    except ValueError:
        return None
    for name, interface in local_networks():
        if wanted in interface.network:
            return name, interface
    return None


def address_in_network(cidr):
    """This machine's address in the network ``cidr`` names, or None."""
    if not cidr:
        return None
    network = ipaddress.ip_network(cidr, strict=False)
    return next((str(i.ip) for _, i in local_networks() if i.ip in network),
                None)


def vip_in_network(vips, address):
    """The configured VIP in the same network as ``address`` (this
    unit's address on a binding), as the machine's interfaces say."""
    holding = network_holding(address)
    for vip in vips:
        try:
            if holding and ipaddress.ip_address(vip) in \
                    holding[1].network:
                return vip
        except ValueError:
            continue
    return None


def resolve_address(endpoint_type, config, clustered=False):
    """The host name or address clients use for this endpoint type.

    A configured os-<type>-hostname wins; then, when the application is
    clustered behind hacluster, the VIP on the endpoint's network; then
    this unit's own address on the endpoint's binding.
    """
    binding, hostname_option = ENDPOINT_TYPES[endpoint_type]
    hostname = config.get(hostname_option)
    if hostname:
        return hostname
    address = (address_in_network(config.get(NETWORK_OPTIONS[endpoint_type]))
               or binding_address(binding))
    vips = (config.get('vip') or '').split()
    if clustered and vips:
        return vip_in_network(vips, address) or vips[0]
    return address


def format_host(host):
    """Wrap a bare IPv6 address in brackets for use in a URL."""
    try:
        if ipaddress.ip_address(host).version == 6:
            return '[{}]'.format(host)
    except ValueError:
        pass
    return host


def endpoint_url(charm, endpoint_type, clustered=False):
    """The catalog URL of the charm's API for one endpoint type."""
    host = resolve_address(endpoint_type, charm.config, clustered)
    scheme = 'https' if charm.tls_enabled else 'http'
    return '{}://{}:{}{}'.format(scheme, format_host(host),
                                 charm.public_ports[0], charm.endpoint_path)
