"""ha endpoint (interface hacluster).

What we publish must parse the way openstack/charm-hacluster reads it
(hooks/utils.py parse_data: json.loads of json_<section>; hooks/hooks.py
ha_relation_changed runs ``crm configure primitive <name> <agent>
<resource_params[name]>``, ``group <name> <groups[name]>``, ``clone <name>
<clones[name]>`` and deletes delete_resources); hacluster answers
clustered="yes" (hooks.py).
"""

import hashlib
import json

import pytest

VIP = '10.5.100.1'
VIP_HASH = hashlib.sha1(VIP.encode()).hexdigest()[:7]


@pytest.fixture
def ha(sim):
    rid = sim.relate('ha', 'hacluster')
    sim.join(rid, 'hacluster/0')
    return rid


def published(sim, rid):
    data = sim.local_data(rid)
    return {k[len('json_'):]: json.loads(v) for k, v in data.items()
            if k.startswith('json_')}


def test_flags_follow_clustered(sim, ha):
    assert 'ha.connected' in sim.flags
    assert 'ha.available' not in sim.flags
    sim.change(ha, 'hacluster/0', {'clustered': 'yes'})
    assert 'ha.available' in sim.flags
    sim.change(ha, 'hacluster/0', {'clustered': 'no'})
    assert 'ha.available' not in sim.flags
    sim.change(ha, 'hacluster/0', {'clustered': 'True'})
    sim.depart(ha, 'hacluster/0')
    assert not {f for f in sim.flags if f.startswith('ha.')}


def test_vip_and_haproxy_published(sim, ha):
    with sim.hook('ha-relation-joined', ha, 'hacluster/0'):
        ep = sim.endpoint('ha')
        ep.add_vip('mistral', VIP)
        ep.add_init_service('mistral', 'haproxy')
        ep.bind_resources(iface='eth0')
    crm = published(sim, ha)
    vip_res = 'res_mistral_{}_vip'.format(VIP_HASH)
    assert crm['resources'] == {vip_res: 'ocf:heartbeat:IPaddr2',
                                'res_mistral_haproxy': 'lsb:haproxy'}
    assert crm['resource_params'][vip_res].startswith(
        'params ip="{}" meta '.format(VIP))
    assert 'op monitor' in crm['resource_params'][vip_res]
    assert crm['groups'] == {'grp_mistral_vips': vip_res}
    assert crm['clones'] == {'cl_res_mistral_haproxy': 'res_mistral_haproxy'}
    assert crm['init_services'] == ['haproxy']
    assert crm['delete_resources'] == []
    assert set(crm) == {'resources', 'resource_params', 'groups', 'clones',
                        'ms', 'orders', 'colocations', 'locations',
                        'init_services', 'delete_resources'}
    data = sim.local_data(ha)
    assert (data['corosync_bindiface'], data['corosync_mcastport']) == (
        'eth0', '4440')


def test_vip_with_iface_netmask_and_ipv6(sim, ha):
    with sim.hook('config-changed'):
        ep = sim.endpoint('ha')
        ep.add_vip('mistral', VIP, iface='ens3', netmask='24')
        ep.add_vip('mistral', '2001:db8::10')
        ep.bind_resources()
    crm = published(sim, ha)
    v4 = 'res_mistral_{}_vip'.format(VIP_HASH)
    v6 = 'res_mistral_{}_vip'.format(
        hashlib.sha1(b'2001:db8::10').hexdigest()[:7])
    assert crm['resources'] == {v4: 'ocf:heartbeat:IPaddr2',
                                v6: 'ocf:heartbeat:IPv6addr'}
    assert crm['resource_params'][v4].startswith(
        'params ip="10.5.100.1" nic="ens3" cidr_netmask="24" ')
    assert crm['resource_params'][v6].startswith(
        'params ipv6addr="2001:db8::10" ')
    assert crm['groups'] == {'grp_mistral_vips': ' '.join(sorted([v6, v4]))}


def test_two_vips_on_one_interface_are_two_resources(sim, ha):
    with sim.hook('config-changed'):
        ep = sim.endpoint('ha')
        ep.add_vip('mistral', VIP, iface='eth0', netmask='24')
        ep.add_vip('mistral', '10.5.100.2', iface='eth0', netmask='24')
        ep.bind_resources()
    crm = published(sim, ha)
    assert len(crm['resources']) == 2
    assert sorted(p.split()[1] for p in crm['resource_params'].values()) \
        == ['ip="10.5.100.1"', 'ip="10.5.100.2"']


def test_remove_vip_requests_deletion(sim, ha):
    with sim.hook('config-changed'):
        ep = sim.endpoint('ha')
        ep.add_vip('mistral', VIP)
        ep.add_vip('mistral', '10.5.100.2')
        ep.bind_resources()
    with sim.hook('config-changed'):
        ep = sim.endpoint('ha')
        ep.remove_vip('mistral', VIP)
        ep.bind_resources()
    crm = published(sim, ha)
    gone = 'res_mistral_{}_vip'.format(VIP_HASH)
    assert crm['delete_resources'] == [gone]
    assert gone not in crm['resources']
    assert gone not in crm['groups']['grp_mistral_vips'].split()
    assert len(crm['resources']) == 1


def test_bind_resources_only_writes_changes(sim, ha):
    with sim.hook('config-changed'):
        ep = sim.endpoint('ha')
        ep.add_init_service('mistral', 'haproxy')
        ep.bind_resources()
    calls = []
    original = sim.relation_set

    def counting(*args, **kwargs):
        calls.append((args, kwargs))
        return original(*args, **kwargs)
    sim.relation_set = counting
    import charmhelpers.core.hookenv as hookenv
    hookenv.relation_set = counting
    with sim.hook('update-status'):
        sim.endpoint('ha').bind_resources()
    assert calls == []
    with sim.hook('config-changed'):
        sim.endpoint('ha').bind_resources(mcastport=5000)
    assert len(calls) == 1
    assert sim.local_data(ha)['corosync_mcastport'] == '5000'


def test_resources_survive_between_hooks_and_bad_vip_raises(sim, ha):
    with sim.hook('config-changed'):
        sim.endpoint('ha').add_init_service('mistral', 'apache2', clone=False)
    with sim.hook('config-changed'):
        ep = sim.endpoint('ha')
        assert ep.resources()['resources'] == {
            'res_mistral_apache2': 'lsb:apache2'}
        assert ep.resources()['clones'] == {}
        with pytest.raises(ValueError):
            ep.add_vip('mistral', 'not-an-ip')


@pytest.mark.parametrize('value', ['', 'maybe', '1'])
def test_odd_clustered_values_are_not_clustered(sim, ha, value):
    sim.change(ha, 'hacluster/0', {'clustered': value})
    assert 'ha.available' not in sim.flags
