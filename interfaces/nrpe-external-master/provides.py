"""Principal side of ``nrpe-external-master`` (the nrpe subordinate).

Checks are files on this machine, read by nagios-nrpe-server and by the
nrpe charm (same layout as charmhelpers.contrib.charmsupport.nrpe):
``<NRPE_CONF_DIR>/check_<name>.cfg`` holding ``command[check_<name>]=...``
and, for the nagios server, ``<NAGIOS_EXPORT_DIR>/service__<host>_check_
<name>.cfg``. ``updated()`` publishes the list on the relation as the
``monitors`` YAML the nrpe charm reads::

    monitors: {remote: {nrpe: {<name>: {command: check_<name>}}}}

Flags: ``{ep}.available`` (the nrpe subordinate is attached).
"""

import os
import re

import yaml
from charmhelpers.core import hookenv, unitdata
from charms.reactive import Endpoint, toggle_flag

NAME_PATTERN = re.compile(r'^[A-Za-z0-9_.@-]+$')

SERVICE_TEMPLATE = """\
#---------------------------------------------------
# This file is Juju managed
#---------------------------------------------------
define service {{
    use                             active-service
    host_name                       {host}
    service_description             {host}[{name}] {description}
    check_command                   check_nrpe!check_{name}
    servicegroups                   {servicegroups}
}}
"""


class NrpeExternalMasterProvides(Endpoint):

    # overridable (tests point them at a tmp dir)
    NRPE_CONF_DIR = '/etc/nagios/nrpe.d'
    NAGIOS_EXPORT_DIR = '/var/lib/nagios/export'

    def manage_flags(self):
        toggle_flag(self.expand_name('{endpoint_name}.available'),
                    self.is_joined)

    def add_check(self, args, name=None, description=None, context=None,
                  servicegroups=None, unit=None):
        """Write the check ``name`` running ``args`` (a list)."""
        if not NAME_PATTERN.match(name or ''):
            raise ValueError('bad check name: {!r}'.format(name))
        unit = (unit or hookenv.local_unit()).replace('/', '-')
        host = '{}-{}'.format(context, unit) if context else unit
        command = 'command[check_{}]={}\n'.format(name, ' '.join(args))
        _write(self._check_path(name), '# check {}\n{}'.format(name, command))
        if os.path.isdir(self.NAGIOS_EXPORT_DIR):
            _write(self._service_path(host, name), SERVICE_TEMPLATE.format(
                host=host, name=name, description=description or name,
                servicegroups=servicegroups or context or 'juju'))
        self._remember(set(self.checks()) | {name})

    def remove_check(self, name, **kwargs):
        for path in [self._check_path(name)] + self._service_paths(name):
            if os.path.exists(path):
                os.remove(path)
        self._remember(set(self.checks()) - {name})

    @property
    def _kv_key(self):
        return 'nrpe-external-master.{}.checks'.format(self.endpoint_name)

    def checks(self):
        """Names of the checks this charm added (other charms may write
        to the same directory: only ours are published)."""
        return sorted(unitdata.kv().get(self._kv_key) or [])

    def _remember(self, names):
        unitdata.kv().set(self._kv_key, sorted(names))

    def updated(self):
        """Publish our checks as ``monitors``."""
        nrpe = {name: {'command': 'check_{}'.format(name)}
                for name in self.checks()}
        text = yaml.safe_dump({'monitors': {'remote': {'nrpe': nrpe}}},
                              default_flow_style=False)
        for relation in self.relations:
            relation.to_publish_raw['monitors'] = text

    def _check_path(self, name):
        return os.path.join(self.NRPE_CONF_DIR, 'check_{}.cfg'.format(name))

    def _service_path(self, host, name):
        return os.path.join(self.NAGIOS_EXPORT_DIR,
                            'service__{}_check_{}.cfg'.format(host, name))

    def _service_paths(self, name):
        if not os.path.isdir(self.NAGIOS_EXPORT_DIR):
            return []
        suffix = '_check_{}.cfg'.format(name)
        return [os.path.join(self.NAGIOS_EXPORT_DIR, f)
                for f in os.listdir(self.NAGIOS_EXPORT_DIR)
                if f.endswith(suffix)]


def _write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as handle:
        handle.write(text)
