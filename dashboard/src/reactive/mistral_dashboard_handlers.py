"""Handlers of the mistral-dashboard charm: one job each, the work in
lib/mistral_dashboard/plugin.py."""

from charmhelpers.core import hookenv
from charms.reactive import endpoint_from_name, hook, set_flag, when, \
    when_not

from mistral_dashboard import plugin

REMOVED = 'mistral-dashboard.removed'


@when('dashboard.available')
@when_not(REMOVED)
def plug_in():
    plugin.converge(endpoint_from_name(plugin.ENDPOINT))


@hook('stop')
def unplug():
    set_flag(REMOVED)       # the unit goes: nothing installs it again
    plugin.remove()


def _assess_status():
    if hookenv.hook_name() != 'stop':
        plugin.assess_status(endpoint_from_name(plugin.ENDPOINT))


hookenv.atexit(_assess_status)
