"""What a unit remembers between hooks, kept as reactive flags (and,
for what a flag cannot hold, the unit's key-value store).

The only module of the library that sets or clears flags, so every
persisted fact about the unit has one name and one place.
"""

from charmhelpers.core import unitdata
from charms.reactive import flags

INSTALLED = 'charm.installed'       # the payload is installed
RENDERED = 'config.rendered'        # config files are whole and current
PAUSED = 'charm.paused'             # the operator paused the unit
SERIES_UPGRADING = 'charm.series-upgrading'     # between pre- and post-
UPDATE_STATUS = 'is-update-status-hook'     # this hook only checks


def _flag(name):
    def get():
        return flags.is_flag_set(name)

    def put(value):
        (flags.set_flag if value else flags.clear_flag)(name)
    return get, put


installed, set_installed = _flag(INSTALLED)
rendered, set_rendered = _flag(RENDERED)
paused, set_paused = _flag(PAUSED)
series_upgrading, set_series_upgrading = _flag(SERIES_UPGRADING)
checks_only, set_checks_only = _flag(UPDATE_STATUS)


UPGRADE_FAILURE = 'openstack-base.upgrade-failure'


def upgrade_failure():
    """(openstack-origin, reason) of the last failed upgrade, or None."""
    failed = unitdata.kv().get(UPGRADE_FAILURE)
    return tuple(failed) if failed else None


def set_upgrade_failure(failed):
    unitdata.kv().set(UPGRADE_FAILURE, list(failed) if failed else None)


RENDER_REFUSAL = 'openstack-base.render-refusal'


def render_refusal():
    """Why the last rendering wrote nothing (a value a template refused),
    or None."""
    return unitdata.kv().get(RENDER_REFUSAL)


def set_render_refusal(reason):
    unitdata.kv().set(RENDER_REFUSAL, reason or None)
