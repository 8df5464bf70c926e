"""Addresses and URLs of a unit's endpoints (public, internal, admin)."""

import ipaddress

from charmhelpers.core import hookenv

# Endpoint type -> (extra-binding, config option overriding the hostname).
ENDPOINT_TYPES = {
    'public': ('public', 'os-public-hostname'),
    'internal': ('internal', 'os-internal-hostname'),
    'admin': ('admin', 'os-admin-hostname'),
}


def binding_address(binding):
    """This unit's address on a binding, or its private address."""
    try:
        return hookenv.network_get_primary_address(binding)
    except (NotImplementedError, hookenv.NoNetworkBinding, OSError):
        return hookenv.unit_get('private-address')
    except Exception:
        # Older Juju answers an unknown binding with a CalledProcessError.
        return hookenv.unit_get('private-address')


def vip_in_network(vips, address):
    """The configured VIP sitting in the same /24 or /64 as address."""
    try:
        addr = ipaddress.ip_address(address)
    except ValueError:
        return None
    for vip in vips:
        try:
            candidate = ipaddress.ip_address(vip)
        except ValueError:
            continue
        if candidate.version != addr.version:
            continue
        prefix = 24 if addr.version == 4 else 64
        net = ipaddress.ip_network('{}/{}'.format(address, prefix),
                                   strict=False)
        if candidate in net:
            return vip
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
    address = binding_address(binding)
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
