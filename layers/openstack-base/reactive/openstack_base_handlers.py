"""The lifecycle every OpenStack charm shares.

Install once; on every other hook make the relation requests and
converge the unit (render, migrate, run); on update-status only check;
at the end of every hook tell Juju the workload status. The charm itself
is declarations: its class is named once, in layer.yaml.
"""

from charmhelpers.core import hookenv
from charms.reactive import clear_flag, hook, when, when_any, when_not

from openstack_base import state
from openstack_base.instance import provide_charm_instance
from openstack_base.state import INSTALLED, UPDATE_STATUS
from openstack_base.tls import CHANGED_FLAGS


@hook('update-status')
def checks_only():
    # This hook only checks: handlers that do work skip it.
    state.set_checks_only(True)
    hookenv.atexit(state.set_checks_only, False)


@hook('upgrade-charm')
def charm_upgraded():
    # New charm code may want more packages; converge() then rewrites
    # what it defines differently and restarts only that.
    with provide_charm_instance() as charm:
        charm.upgrade_charm()


@hook('pre-series-upgrade')
def prepare_series_upgrade():
    # The machine's release moves under the services: stop them, and
    # keep them stopped until post-series-upgrade.
    with provide_charm_instance() as charm:
        charm.pause()
        state.set_series_upgrading(True)


@hook('post-series-upgrade')
def finish_series_upgrade():
    with provide_charm_instance() as charm:
        state.set_series_upgrading(False)
        charm.resume()


@when_not(INSTALLED)
@when_not(UPDATE_STATUS)
def install():
    with provide_charm_instance() as charm:
        charm.install()


@when(INSTALLED)
@when_not(UPDATE_STATUS)
def converge():
    with provide_charm_instance() as charm:
        charm.make_requests()
        charm.converge()


@when(INSTALLED)
@when_any(*CHANGED_FLAGS)
@when_not(UPDATE_STATUS)
def acknowledge_certificates():
    # converge() installs whatever certificate the relation holds, every
    # hook, and restarts apache2 when its files change; the flags only
    # announce a change, so they are cleared once seen.
    for flag in CHANGED_FLAGS:
        clear_flag(flag)


def assess_status():
    with provide_charm_instance() as charm:
        charm.assess_status()


hookenv.atexit(assess_status)
