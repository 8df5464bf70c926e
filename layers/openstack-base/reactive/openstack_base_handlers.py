"""The lifecycle every OpenStack charm shares.

Install once; on every other hook converge the unit (render, migrate,
run); on update-status only check; at the end of every hook tell Juju
the workload status. Relation requests are the charm's own handlers.
"""

from charmhelpers.core import hookenv
from charms.reactive import (
    clear_flag, endpoint_from_flag, hook, set_flag, when, when_any, when_not,
)

from openstack_base.charm import (
    INSTALLED, UPDATE_STATUS, charm_class, provide_charm_instance,
    related_endpoints,
)
from openstack_base.tls import CHANGED_FLAGS


def the_charm():
    return provide_charm_instance(charm_class())


@hook('update-status')
def checks_only():
    # This hook only checks: handlers that do work skip it.
    set_flag(UPDATE_STATUS)
    hookenv.atexit(clear_flag, UPDATE_STATUS)


@hook('upgrade-charm')
def charm_upgraded():
    # New charm code may install more or define daemons differently.
    clear_flag(INSTALLED)


@when_not(INSTALLED)
@when_not(UPDATE_STATUS)
def install():
    with the_charm() as charm:
        charm.install()


@when(INSTALLED)
@when_not(UPDATE_STATUS)
def converge():
    with the_charm() as charm:
        charm.configure(related_endpoints())


@when('nrpe-external-master.available')
@when_not(UPDATE_STATUS)
def update_monitoring():
    with the_charm() as charm:
        charm.update_nrpe_checks(
            endpoint_from_flag('nrpe-external-master.available'))


@when('certificates.available')
@when_not(UPDATE_STATUS)
def request_certificates():
    with the_charm() as charm:
        charm.request_certificates(
            endpoint_from_flag('certificates.available'))


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
    with the_charm() as charm:
        charm.assess_status()


hookenv.atexit(assess_status)
