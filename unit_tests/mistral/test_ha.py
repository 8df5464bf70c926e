"""hacluster resources from the real handlers and interface: one
resource per VIP, on the interface and netmask of the unit's network
that holds it, old VIPs deleted, the haproxy clone."""

import ipaddress
import json

from mistral.test_story import run, reactive_unit  # noqa: F401 (a fixture)


def published(unit, rid):
    data = unit.juju.local_data(rid)
    return {k[len('json_'):]: json.loads(v) for k, v in data.items()
            if k.startswith('json_')}


def relate_ha(unit):
    rid = unit.juju.relate('ha', 'hacluster')
    unit.juju.join(rid, 'hacluster/0')
    return rid


def vip_params(crm):
    return sorted(crm['resource_params'][r].split(' meta ')[0]
                  for r in crm['resources'] if r.endswith('_vip'))


def test_each_vip_on_the_network_that_holds_it(reactive_unit):  # noqa: F811
    reactive_unit.networks.append(
        ('ens4', ipaddress.ip_interface('10.20.0.5/16')))
    reactive_unit.juju.config['vip'] = '10.0.0.100 10.20.200.1 192.168.9.9'
    reactive_unit.juju.config.update(vip_iface='bond0', vip_cidr=22)
    run(reactive_unit, 'install')
    crm = published(reactive_unit, relate_ha(reactive_unit))
    assert vip_params(crm) == [
        'params ip="10.0.0.100" nic="eth0" cidr_netmask="24"',
        'params ip="10.20.200.1" nic="ens4" cidr_netmask="16"',
        # held by no network of the unit: the options say where
        'params ip="192.168.9.9" nic="bond0" cidr_netmask="22"']
    assert len(crm['groups']['grp_mistral_vips'].split()) == 3
    assert crm['clones'] == {'cl_res_mistral_haproxy': 'res_mistral_haproxy'}


def test_a_vip_no_longer_configured_is_deleted(reactive_unit):  # noqa: F811
    reactive_unit.juju.config['vip'] = '10.0.0.100 10.0.0.101'
    run(reactive_unit, 'install')
    rid = relate_ha(reactive_unit)
    before = {r for r in published(reactive_unit, rid)['resources']
              if r.endswith('_vip')}
    reactive_unit.juju.config['vip'] = '10.0.0.101'
    run(reactive_unit, 'config-changed')
    crm = published(reactive_unit, rid)
    after = {r for r in crm['resources'] if r.endswith('_vip')}
    assert len(before) == 2 and len(after) == 1 and after < before
    assert crm['delete_resources'] == sorted(before - after)
    assert vip_params(crm) == [
        'params ip="10.0.0.101" nic="eth0" cidr_netmask="24"']


def test_catalog_uses_the_vip_of_the_units_network(
        reactive_unit):  # noqa: F811
    from mistral.test_story import add_peer, answer
    reactive_unit.networks[1] = ('eth0',
                                 ipaddress.ip_interface('10.0.0.10/16'))
    reactive_unit.juju.config['vip'] = '10.9.0.1 10.0.200.1'
    run(reactive_unit, 'install')
    rid = relate_ha(reactive_unit)
    reactive_unit.juju.change(rid, 'hacluster/0', {'clustered': 'yes'})
    keystone = add_peer(reactive_unit, 'identity-service', 'keystone')
    answer(reactive_unit, keystone, 'keystone')
    # 10.0.200.1 is outside 10.0.0.0/24 but inside the unit's /16.
    assert reactive_unit.juju.local_data(keystone)['public_url'] == \
        'http://10.0.200.1:8989/v2'


def test_os_network_options_pick_the_address_and_vip(
        reactive_unit):  # noqa: F811
    from mistral.test_story import add_peer, answer
    reactive_unit.networks.append(
        ('ens5', ipaddress.ip_interface('172.16.1.7/24')))
    reactive_unit.juju.config.update({
        'vip': '10.0.0.100 172.16.1.100',
        'os-internal-network': '172.16.1.0/24'})
    run(reactive_unit, 'install')
    keystone = add_peer(reactive_unit, 'identity-service', 'keystone')
    answer(reactive_unit, keystone, 'keystone')
    sent = reactive_unit.juju.local_data(keystone)
    assert sent['internal_url'] == 'http://172.16.1.7:8989/v2'
    assert sent['public_url'] == 'http://10.0.0.10:8989/v2'
    rid = relate_ha(reactive_unit)
    reactive_unit.juju.change(rid, 'hacluster/0', {'clustered': 'yes'})
    sent = reactive_unit.juju.local_data(keystone)
    assert sent['internal_url'] == 'http://172.16.1.100:8989/v2'
    assert sent['public_url'] == 'http://10.0.0.100:8989/v2'
