"""The Pacemaker resource set a principal asks hacluster to manage.

Kept as one dict of the sections the hacluster charm reads from the
relation (hooks/hooks.py ha_relation_changed, via utils.parse_data of
``json_<section>``): primitives by name with their agent, primitive
parameters as ``crm configure primitive`` arguments, groups and clones as
``crm configure group|clone`` arguments, plus lists of init services and
of resources to delete.
"""

import copy
import hashlib
import ipaddress

SECTIONS = {
    'resources': dict, 'resource_params': dict, 'groups': dict,
    'clones': dict, 'ms': dict, 'orders': dict, 'colocations': dict,
    'locations': dict, 'init_services': list, 'delete_resources': list,
}

# (agent, parameter naming the address) per IP version
VIP_AGENTS = {4: ('ocf:heartbeat:IPaddr2', 'ip'),
              6: ('ocf:heartbeat:IPv6addr', 'ipv6addr')}

KEEP_RUNNING = 'meta migration-threshold="INFINITY" failure-timeout="5s"'
VIP_MONITOR = 'op monitor timeout="20s" interval="10s" depth="0"'
SERVICE_MONITOR = 'op monitor interval="5s"'


def empty():
    return {name: kind() for name, kind in SECTIONS.items()}


def normalised(stored):
    """A well-formed copy of a stored resource set (missing sections or
    wrong types, e.g. from an older charm, are reset)."""
    crm = empty()
    for name, kind in SECTIONS.items():
        value = (stored or {}).get(name)
        if isinstance(value, kind):
            crm[name] = copy.deepcopy(value)
    return crm


def vip_resource_name(name, vip, iface=None):
    """One resource per VIP, named after the address (not the interface:
    two VIPs on one interface would share a name, and the first be
    lost). ``iface`` names the legacy resource the official charms made."""
    if iface:
        return 'res_{}_{}_vip'.format(name, iface)
    return 'res_{}_{}_vip'.format(
        name, hashlib.sha1(vip.encode('utf-8')).hexdigest()[:7])


def service_resource_name(name, service):
    return 'res_{}_{}'.format(name.replace('-', '_'),
                              service.replace('-', '_'))


def add_primitive(crm, resource, agent, spec):
    crm['resources'][resource] = agent
    crm['resource_params'][resource] = spec
    if resource in crm['delete_resources']:
        crm['delete_resources'].remove(resource)


def add_vip(crm, name, vip, iface=None, netmask=None):
    """Raises ValueError when ``vip`` is not an IP address."""
    agent, key = VIP_AGENTS[ipaddress.ip_address(vip).version]
    params = ['{}="{}"'.format(key, vip)]
    if iface:
        params.append('nic="{}"'.format(iface))
    if netmask:
        params.append('cidr_netmask="{}"'.format(netmask))
    resource = vip_resource_name(name, vip)
    add_primitive(crm, resource, agent, ' '.join(
        ['params'] + params + [KEEP_RUNNING, VIP_MONITOR]))
    _regroup_vips(crm, name)
    return resource


def add_init_service(crm, name, service, clone=True):
    resource = service_resource_name(name, service)
    add_primitive(crm, resource, 'lsb:{}'.format(service),
                  '{} {}'.format(KEEP_RUNNING, SERVICE_MONITOR))
    if service not in crm['init_services']:
        crm['init_services'].append(service)
    if clone:
        crm['clones']['cl_{}'.format(resource)] = resource
    return resource


def delete_resource(crm, resource):
    """Forget ``resource`` everywhere and ask hacluster to remove it."""
    for name, kind in SECTIONS.items():
        section = crm[name]
        if name == 'delete_resources':
            continue
        if kind is dict:
            section.pop(resource, None)
        elif resource in section:
            section.remove(resource)
    for group, members in list(crm['groups'].items()):
        kept = [m for m in members.split() if m != resource]
        if kept:
            crm['groups'][group] = ' '.join(kept)
        else:
            del crm['groups'][group]
    for clone, target in list(crm['clones'].items()):
        if target.split()[0] == resource:
            del crm['clones'][clone]
    if resource not in crm['delete_resources']:
        crm['delete_resources'].append(resource)


def _regroup_vips(crm, name):
    prefix = 'res_{}_'.format(name)
    members = sorted(r for r in crm['resources']
                     if r.startswith(prefix) and r.endswith('_vip'))
    crm['groups']['grp_{}_vips'.format(name)] = ' '.join(members)
