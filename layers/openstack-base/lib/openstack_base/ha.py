"""hacluster resources: the VIPs pacemaker moves between units, and the
haproxy clone that must run where they are."""


def configure_resources(charm, hacluster):
    for vip in (charm.config.get('vip') or '').split():
        hacluster.add_vip(charm.name, vip,
                          charm.config.get('vip_iface') or None,
                          charm.config.get('vip_cidr') or None)
    hacluster.add_init_service(charm.name, 'haproxy')
    hacluster.bind_resources()
