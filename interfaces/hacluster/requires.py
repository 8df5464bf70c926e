"""Principal side of the ``hacluster`` interface (container scoped).

The principal builds a Pacemaker resource set (kept in the unit's kv
store between hooks) with ``add_vip``/``add_init_service``/
``delete_resource`` and publishes it with ``bind_resources`` as the
``json_<section>`` keys plus ``corosync_bindiface``/``corosync_mcastport``
that the hacluster charm reads. hacluster answers ``clustered`` ("yes",
hooks/hooks.py) once the cluster is formed.

Flags: ``{ep}.connected``, ``{ep}.available`` (clustered).
"""

import json

from charmhelpers.core import unitdata
from charms.reactive import Endpoint, toggle_flag

from . import crm as crm_lib

DEFAULT_MCASTPORT = 4440
CLUSTERED_VALUES = ('true', 'yes')


class HaClusterClient(Endpoint):

    def manage_flags(self):
        """Recompute every flag from the relation data (each hook)."""
        self._toggle('connected', self.is_joined)
        self._toggle('available', self.is_joined and self.is_clustered())

    def _toggle(self, suffix, value):
        toggle_flag(self.expand_name('{endpoint_name}.' + suffix),
                    bool(value))

    def is_clustered(self):
        for unit in self.all_joined_units:
            value = unit.received_raw.get('clustered')
            if isinstance(value, str) and (
                    value.strip().lower() in CLUSTERED_VALUES):
                return True
        return False

    # -- the resource set ---------------------------------------------
    @property
    def _kv_key(self):
        return 'hacluster.{}.resources'.format(self.endpoint_name)

    def resources(self):
        """The resource set requested so far (a dict of sections)."""
        return crm_lib.normalised(unitdata.kv().get(self._kv_key))

    def _update(self, change, *args):
        crm = self.resources()
        result = change(crm, *args)
        unitdata.kv().set(self._kv_key, crm)
        return result

    def add_vip(self, name, vip, iface=None, netmask=None):
        """Manage ``vip`` as res_<name>_<iface|sha1(vip)[:7]>_vip."""
        return self._update(crm_lib.add_vip, name, vip, iface, netmask)

    def remove_vip(self, name, vip, iface=None):
        self.delete_resource(crm_lib.vip_resource_name(name, vip, iface))

    def add_init_service(self, name, service, clone=True):
        return self._update(crm_lib.add_init_service, name, service, clone)

    def remove_init_service(self, name, service):
        self.delete_resource(crm_lib.service_resource_name(name, service))

    def delete_resource(self, resource_name):
        self._update(crm_lib.delete_resource, resource_name)

    def bind_resources(self, iface=None, mcastport=None):
        """Publish the resource set; only keys whose value changed are
        written, so hacluster is not woken for nothing."""
        settings = {'corosync_mcastport': str(mcastport or DEFAULT_MCASTPORT)}
        if iface:
            settings['corosync_bindiface'] = iface
        for section, value in self.resources().items():
            settings['json_' + section] = json.dumps(value, sort_keys=True)
        for relation in self.relations:
            published = relation.to_publish_raw
            for key, value in settings.items():
                if published.get(key) != value:
                    published[key] = value
