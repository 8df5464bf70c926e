"""Plugin side of the ``dashboard-plugin`` interface (a subordinate of
openstack-dashboard, scope container).

Wire protocol, as openstack-dashboard's hooks speak it
(hooks/horizon_hooks.py, horizon_utils.py, horizon_contexts.py):
- the dashboard sends, once, in its -joined hook, plain strings:
  ``release`` (its OpenStack codename, never re-sent after an upgrade),
  ``bin_path`` and ``openstack_dir`` (where Horizon is installed);
- the plugin sends JSON values: ``local-settings`` (text pasted into
  local_settings.py after a ``# <unit>`` line, blocks ordered by
  ``priority``; a block needs both keys), ``priority``,
  ``install-packages`` and ``conflicting-packages`` (lists: the
  dashboard installs the first and purges the second in its
  -changed hook, json.loads'ing each, so they are never ``null``). It
  restarts apache2 when packages or local_settings.py changed.

Flags: ``{ep}.connected`` and ``{ep}.available``, set together once the
three keys arrived (as the upstream layer does), cleared when the
relation goes.
"""

import json

from charmhelpers.core import hookenv
from charms.reactive import Endpoint, toggle_flag

RECEIVED_KEYS = ('release', 'bin_path', 'openstack_dir')


class DashboardPluginRequires(Endpoint):

    def manage_flags(self):
        """Recompute the flags from the relation data (each hook)."""
        refused = self.refused()
        if refused:
            hookenv.log('{}: ignoring unusable relation data ({})'.format(
                self.endpoint_name, ', '.join(sorted(refused))),
                hookenv.WARNING)
        ready = bool(self.is_joined and not refused and all(
            self._received(key) for key in RECEIVED_KEYS))
        for suffix in ('connected', 'available'):
            toggle_flag(self.expand_name('{endpoint_name}.' + suffix),
                        ready)

    # -- what we receive ----------------------------------------------
    def refused(self):
        """{key: why} for values the dashboard sent that are not text."""
        found = {}
        for unit in self.all_joined_units:
            for key in RECEIVED_KEYS:
                value = unit.received_raw.get(key)
                if value is not None and not isinstance(value, str):
                    found[key] = 'must be text, not {}'.format(
                        type(value).__name__)
        return found

    def _received(self, key):
        for unit in self.all_joined_units:
            value = unit.received_raw.get(key)
            if isinstance(value, str) and value.strip():
                return value
        return None

    @property
    def release(self):
        return self._received('release')

    @property
    def bin_path(self):
        return self._received('bin_path')

    @property
    def openstack_dir(self):
        return self._received('openstack_dir')

    # -- what we send -------------------------------------------------
    def publish_plugin_info(self, local_settings, priority,
                            conflicting_packages=None, install_packages=None):
        """Ask the dashboard for ``install_packages`` (and to purge
        ``conflicting_packages``), with ``local_settings`` for its
        local_settings.py, ordered by ``priority``."""
        values = {
            'local-settings': local_settings,
            'priority': priority,
            'conflicting-packages': list(conflicting_packages or []),
            'install-packages': list(install_packages or []),
        }
        for relation in self.relations:
            relation.to_publish_raw.update({
                key: json.dumps(value, sort_keys=True)
                for key, value in values.items()})

    def published(self):
        """What this unit sends, decoded (empty before publishing)."""
        for relation in self.relations:
            raw = relation.to_publish_raw
            return {key: json.loads(raw[key]) for key in (
                'local-settings', 'priority', 'conflicting-packages',
                'install-packages') if key in raw}
        return {}
