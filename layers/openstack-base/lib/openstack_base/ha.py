"""hacluster resources: the VIPs pacemaker moves between units, and the
haproxy clone that must run where they are."""

from openstack_base import ip


def vip_settings(vip, config):
    """(interface, netmask) for a VIP: those of the unit's network that
    holds it; vip_iface and vip_cidr only where none does."""
    holding = ip.network_holding(vip)
    if holding:
        name, interface = holding
        return name, str(interface.network.prefixlen)
    return (config.get('vip_iface') or None,
            str(config['vip_cidr']) if config.get('vip_cidr') else None)


def configure_resources(charm, hacluster):
    wanted = set()
    for vip in (charm.config.get('vip') or '').split():
        wanted.add(hacluster.add_vip(charm.name, vip,
                                     *vip_settings(vip, charm.config)))
    # A VIP no longer configured (or named the legacy way, after its
    # interface) is deleted, so pacemaker lets the address go.
    prefix = 'res_{}_'.format(charm.name)
    for resource in sorted(hacluster.resources()['resources']):
        if resource.startswith(prefix) and resource.endswith('_vip') and \
                resource not in wanted:
            hacluster.delete_resource(resource)
    hacluster.add_init_service(charm.name, 'haproxy')
    hacluster.bind_resources()
