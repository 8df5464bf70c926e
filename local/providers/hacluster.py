"""hacluster, the subordinate that runs pacemaker for the charm's ``ha``.

Reads what each principal unit sends, as openstack/charm-hacluster's
ha_relation_changed does (the ``json_<section>`` keys: resources,
resource_params, groups, clones, colocations, orders, locations,
delete_resources, init_services), and validates it as the real charm and
crm would refuse it: valid JSON of the right type, resource agents it
knows (ocf:heartbeat:IPaddr2, ocf:heartbeat:IPv6addr, lsb:<service>),
the parameters each agent needs (IPaddr2: an IPv4 ``ip``, a
``cidr_netmask`` of 0-32; IPv6addr: an IPv6 ``ipv6addr``; lsb: none),
params only for declared resources, and groups, clones and colocations
naming resources (or groups) that exist. Invalid data: no ``clustered``,
the reason logged (``errors.log`` in its state dir, and the progress
output). Valid data from ``LOCAL_JUJU_CLUSTER_COUNT`` (default 3) units:
``clustered: yes`` to every unit, and the result realised by the
emulator's pacemaker stand-in (localjuju.pacemaker): each IPaddr2 VIP on
one live unit where the clones' lsb services run, moved when that
unit's machine or service dies.
"""

import ipaddress
import json
import os
import re
import shlex

from localjuju import pacemaker
from localjuju.provider import Provider

AGENTS = ('ocf:heartbeat:IPaddr2', 'ocf:heartbeat:IPv6addr')
SECTIONS = {'resources': dict, 'resource_params': dict, 'groups': dict,
            'clones': dict, 'colocations': dict, 'orders': dict,
            'locations': dict, 'ms': dict, 'delete_resources': list,
            'init_services': list}
NAME = re.compile(r'^[A-Za-z_][A-Za-z0-9_.-]*$')
SERVICE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.@-]*$')
CONTROL_WORDS = ('params', 'meta', 'op', 'monitor', 'start', 'stop')


class Invalid(ValueError):
    """What the real hacluster (or crm) would refuse, and why."""


def cluster_count():
    return int(os.environ.get('LOCAL_JUJU_CLUSTER_COUNT', '3'))


def sections(data):
    """The decoded json_<section> keys of one unit (absent: empty)."""
    found = {}
    for name, kind in SECTIONS.items():
        raw = data.get('json_' + name)
        if raw in (None, ''):
            found[name] = kind()
            continue
        try:
            value = json.loads(raw)
        except ValueError:
            raise Invalid('json_{}: not JSON'.format(name))
        if not isinstance(value, kind):
            raise Invalid('json_{}: must be a JSON {}'.format(
                name, 'object' if kind is dict else 'list'))
        found[name] = value
    return found


def params_of(spec):
    """{key: value} of the ``params`` part of a primitive's spec."""
    try:
        words = shlex.split(spec)
    except ValueError as error:
        raise Invalid('unparsable spec {!r}: {}'.format(spec, error))
    found, current = {}, None
    for word in words:
        if word in CONTROL_WORDS:
            current = word
            continue
        key, eq, value = word.partition('=')
        if not eq or not key:
            raise Invalid('malformed {} attribute {!r}'.format(
                current or 'primitive', word))
        if current == 'params':
            found[key] = value
    return found


def check_agent(resource, agent, params):
    """The parameters an agent needs (crm configure would refuse)."""
    if agent == 'ocf:heartbeat:IPaddr2':
        try:
            ipaddress.IPv4Address(params.get('ip', ''))
        except ValueError:
            raise Invalid('{}: IPaddr2 needs an IPv4 ip, got {!r}'.format(
                resource, params.get('ip')))
        limit = 32
    elif agent == 'ocf:heartbeat:IPv6addr':
        try:
            ipaddress.IPv6Address(params.get('ipv6addr', ''))
        except ValueError:
            raise Invalid('{}: IPv6addr needs an IPv6 ipv6addr, got '
                          '{!r}'.format(resource, params.get('ipv6addr')))
        limit = 128
    elif agent.startswith('lsb:') and SERVICE.match(agent[4:]):
        if params:
            raise Invalid('{}: lsb agents take no params'.format(resource))
        return
    else:
        raise Invalid('{}: unknown resource agent {!r}'.format(
            resource, agent))
    netmask = params.get('cidr_netmask')
    if netmask is not None and not (netmask.isdigit()
                                    and 0 <= int(netmask) <= limit):
        raise Invalid('{}: cidr_netmask must be 0-{}, got {!r}'.format(
            resource, limit, netmask))


def validate(data):
    """The checked resource set of one unit's data; raises Invalid."""
    crm = sections(data)
    resources = crm['resources']
    for name, agent in resources.items():
        if not NAME.match(name) or not isinstance(agent, str):
            raise Invalid('resource {!r}: bad name or agent'.format(name))
        spec = crm['resource_params'].get(name, '')
        if not isinstance(spec, str):
            raise Invalid('{}: params must be a string'.format(name))
        check_agent(name, agent, params_of(spec))
    for name in crm['resource_params']:
        if name not in resources:
            raise Invalid('params for undeclared resource {}'.format(name))
    known = set(resources)
    for group, members in crm['groups'].items():
        names = members.split() if isinstance(members, str) else [None]
        missing = [m for m in names if m not in resources]
        if not NAME.match(group) or not names or missing:
            raise Invalid('group {}: unknown members {}'.format(
                group, missing or names))
        known.add(group)
    for clone, target in crm['clones'].items():
        first = target.split()[0] if isinstance(target, str) and \
            target.split() else None
        if not NAME.match(clone) or first not in known:
            raise Invalid('clone {}: unknown resource {!r}'.format(
                clone, first))
        known.add(clone)
    for name, spec in crm['colocations'].items():
        words = spec.split() if isinstance(spec, str) else []
        if len(words) < 3 or not words[0].endswith(':') or any(
                w.split(':')[0] not in known for w in words[1:]):
            raise Invalid('colocation {}: {!r} must be "score: a b" over '
                          'known resources'.format(name, spec))
    for name in crm['delete_resources'] + crm['init_services']:
        if not isinstance(name, str) or not SERVICE.match(name):
            raise Invalid('bad name {!r} in delete_resources or '
                          'init_services'.format(name))
    return crm


def realised(crm):
    """What pacemaker runs of a checked set: IPaddr2 VIPs, lsb clones."""
    vips = {}
    for name, agent in crm['resources'].items():
        params = params_of(crm['resource_params'].get(name, ''))
        if name in crm['delete_resources']:
            continue
        if agent == 'ocf:heartbeat:IPaddr2':
            vips[name] = {'ip': params['ip'], 'nic': params.get('nic'),
                          'cidr': int(params['cidr_netmask'])
                          if params.get('cidr_netmask') else None}
    clones = []
    for target in crm['clones'].values():
        agent = crm['resources'].get(target.split()[0], '')
        if agent.startswith('lsb:'):
            clones.append(agent[4:])
    return vips, sorted(set(clones))


class HACluster(Provider):
    application = 'hacluster'
    interface = 'hacluster'
    # Pacemaker's monitor of the clone (the charm's op monitor interval)
    # and corosync's token timeout, in seconds.
    interval = 5
    token = 3

    @property
    def cib(self):
        return os.path.join(self.state_dir, 'cib.json')

    def ensure(self, progress=print):
        os.makedirs(self.state_dir, exist_ok=True)
        self.progress = progress
        progress('pacemaker stand-in ready (cluster_count {})'.format(
            cluster_count()))

    def refuse(self, unit, error):
        message = 'refusing the resources of {}: {}'.format(unit, error)
        getattr(self, 'progress', print)('hacluster: ' + message)
        os.makedirs(self.state_dir, exist_ok=True)
        with open(os.path.join(self.state_dir, 'errors.log'), 'a') as out:
            out.write(message + '\n')

    def respond(self, relation):
        checked, nodes = None, {}
        for unit in sorted(relation.charm_units):
            data = relation.charm_units[unit]
            if not data.get('json_resources'):
                continue
            try:
                crm = validate(data)
            except Invalid as error:
                self.refuse(unit, error)
                checked = False
                break
            checked = crm if checked is None else checked
            nodes[unit] = data.get('private-address')
        # Once formed, a cluster stays formed when nodes leave (as
        # corosync keeps quorum policy aside here).
        formed = os.path.exists(self.cib)
        clustered = bool(checked) and len(nodes) >= (
            1 if formed else cluster_count())
        for unit in relation.provider_units:
            relation.set_unit(unit, {'clustered': 'yes'} if clustered
                              else {})
        if not clustered:
            return
        vips, clones = realised(checked)
        pacemaker.write(self.cib, {
            'root': os.path.dirname(os.path.dirname(self.state_dir)),
            'nodes': nodes, 'vips': vips, 'clones': clones,
            'interval': self.interval, 'token': self.token})
        pacemaker.start(self.cib)

    def relation_removed(self, relation):
        pacemaker.stop(self.cib)
        if os.path.exists(self.cib):
            os.unlink(self.cib)

    def destroy(self):
        self.relation_removed(None)


class MistralHACluster(HACluster):
    """The same provider under the name a bundle gives it."""
    application = 'mistral-hacluster'
