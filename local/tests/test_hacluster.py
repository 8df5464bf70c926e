"""The hacluster provider checks the ``ha`` data as the real charm would.

The resource set the charm's interface builds is accepted and realised;
a malformed one is refused (no clustered, the reason logged), so a charm
regression in the ha data fails here."""

import importlib.util
import json
import os

import pytest

from local.providers import hacluster
from localjuju.provider import RelationView

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def interface_crm():
    """The charm's own builder of the resource set (interfaces/)."""
    spec = importlib.util.spec_from_file_location(
        'hacluster_crm', os.path.join(REPO, 'interfaces', 'hacluster',
                                      'crm.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def charm_data(address='10.231.0.11'):
    """What a mistral unit publishes, built as bind_resources does."""
    crm = interface_crm()
    resources = crm.empty()
    crm.add_vip(resources, 'mistral', '10.231.0.100', 'eth0', 24)
    crm.add_vip(resources, 'mistral', '10.231.0.101', 'eth0', 24)
    crm.add_init_service(resources, 'mistral', 'haproxy')
    data = {'json_' + k: json.dumps(v, sort_keys=True)
            for k, v in resources.items()}
    data.update({'private-address': address, 'corosync_mcastport': '4440'})
    return data


def view(units):
    return RelationView('ha:5', 'ha', units, {}, ['hacluster/0'])


@pytest.fixture
def provider(tmp_path, monkeypatch):
    started = []
    monkeypatch.setattr(hacluster.pacemaker, 'start', started.append)
    made = hacluster.HACluster(str(tmp_path / 'root' / 'providers' / 'ha'))
    made.ensure(progress=lambda line: None)
    made.started = started
    return made


def test_the_charms_resource_set_is_accepted_and_realised():
    crm = hacluster.validate(charm_data())
    vips, clones = hacluster.realised(crm)
    assert sorted(v['ip'] for v in vips.values()) == [
        '10.231.0.100', '10.231.0.101']
    assert all(v['cidr'] == 24 and v['nic'] == 'eth0'
               for v in vips.values())
    assert clones == ['haproxy']


def test_clustered_once_there_are_enough_units(provider, monkeypatch):
    monkeypatch.setenv('LOCAL_JUJU_CLUSTER_COUNT', '3')
    units = {'mistral/{}'.format(n): charm_data('10.231.0.{}'.format(11 + n))
             for n in range(2)}
    relation = view(units)
    provider.respond(relation)
    assert relation.unit_updates['hacluster/0'] == {}
    units['mistral/2'] = charm_data('10.231.0.13')
    relation = view(units)
    provider.respond(relation)
    assert relation.unit_updates['hacluster/0'] == {'clustered': 'yes'}
    cib = json.load(open(provider.cib))
    assert sorted(cib['nodes']) == ['mistral/0', 'mistral/1', 'mistral/2']
    assert cib['clones'] == ['haproxy'] and len(cib['vips']) == 2
    assert provider.started == [provider.cib]


def broken(change):
    data = charm_data()
    sections = {k[5:]: json.loads(v) for k, v in data.items()
                if k.startswith('json_')}
    change(sections)
    data.update({'json_' + k: json.dumps(v) for k, v in sections.items()})
    return data


def first_vip(sections):
    return sorted(r for r in sections['resources'] if r.endswith('_vip'))[0]


MALFORMED = {
    'unknown agent': lambda s: s['resources'].update(
        res_x='ocf:heartbeat:Nonsense'),
    'IPaddr2 without ip': lambda s: s['resource_params'].update(
        {first_vip(s): 'params cidr_netmask="24" nic="eth0"'}),
    'netmask out of range': lambda s: s['resource_params'].update(
        {first_vip(s): 'params ip="10.231.0.100" cidr_netmask="33"'}),
    'group of an unknown resource': lambda s: s['groups'].update(
        grp_mistral_vips='res_mistral_gone_vip'),
    'clone of an unknown resource': lambda s: s['clones'].update(
        cl_res_mistral_haproxy='res_mistral_nothing'),
    'params of an undeclared resource': lambda s: s['resource_params']
    .update(res_ghost='params ip="10.231.0.9"'),
    'colocation without score': lambda s: s['colocations'].update(
        vip_with_haproxy='grp_mistral_vips cl_res_mistral_haproxy'),
    'resources not an object': lambda s: s.update(resources=['res']),
}


@pytest.mark.parametrize('case', sorted(MALFORMED))
def test_a_malformed_resource_set_is_refused(provider, case, monkeypatch):
    monkeypatch.setenv('LOCAL_JUJU_CLUSTER_COUNT', '1')
    with pytest.raises(hacluster.Invalid):
        hacluster.validate(broken(MALFORMED[case]))
    relation = view({'mistral/0': broken(MALFORMED[case])})
    provider.respond(relation)
    assert relation.unit_updates['hacluster/0'] == {}
    assert provider.started == []
    with open(os.path.join(provider.state_dir, 'errors.log')) as log:
        assert 'refusing the resources of mistral/0' in log.read()


def test_invalid_json_is_refused():
    data = dict(charm_data(), json_groups='{not json')
    with pytest.raises(hacluster.Invalid, match='json_groups: not JSON'):
        hacluster.validate(data)
