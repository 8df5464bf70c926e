"""The workload status a unit shows: the first condition that holds, from
the operator's doing (paused, bad config) through relations to whether
the API answers. Assessed once, at the end of every hook."""

from charmhelpers.core import hookenv
from charms.reactive.helpers import data_changed

from openstack_base import (
    grammar, init_system, policyd, probes, state, upgrades)

SERIES_UPGRADE_MESSAGE = 'Ready for do-release-upgrade and reboot. Set ' \
    'complete when finished.'
PAUSED_MESSAGE = "Paused. Use 'resume' action to resume normal service."


def relation_state(charm):
    """(missing, incomplete, conflicting) relation descriptions.

    Each entry of required_relations is a relation name, or a tuple of
    names of which exactly one must be present.
    """
    missing, incomplete, conflicting = [], [], []
    for entry in charm.required_relations:
        names = entry if isinstance(entry, tuple) else (entry,)
        present = [n for n in names if charm.relations[n].connected]
        if not present:
            missing.append(' or '.join("'{}'".format(n) for n in names))
        elif len(present) > 1:
            conflicting.append(' and '.join(
                "'{}'".format(n) for n in present))
        elif not charm.relations[present[0]].ready:
            incomplete.append(incomplete_label(charm.relations[present[0]]))
    return missing, incomplete, conflicting


def incomplete_label(adapter):
    """'name', with what is wrong in its data when something is (logged
    once, when it changes)."""
    problem = adapter.problem()
    if data_changed('relation-problem.' + adapter.name, problem) and problem:
        hookenv.log('{} sent unusable data: {}'.format(
            adapter.name, problem), hookenv.WARNING)
    label = "'{}'".format(adapter.name)
    return '{} ({})'.format(label, problem) if problem else label


def workload_status(charm):
    """(state, message) that juju status should show for this unit;
    prefixed while policy overrides are in force."""
    state, message = _workload_status(charm)
    return state, (policyd.PREFIX + message if policyd.active(charm)
                   else message)


def _workload_status(charm):
    if state.series_upgrading():
        return 'blocked', SERIES_UPGRADE_MESSAGE
    if state.paused():
        return 'maintenance', PAUSED_MESSAGE
    problems = charm.config_problems()
    if problems:
        return 'blocked', 'Invalid config: ' + '; '.join(
            '{}: {}'.format(o, r) for o, r in problems)
    bad_override = policyd.problem(charm)
    if bad_override:
        return 'blocked', 'Invalid policy override: ' + bad_override
    bad_data = charm.relation_problems()
    if bad_data:
        return 'blocked', 'Invalid relation data: ' + '; '.join(
            "'{}': {}".format(r, reason) for r, reason in bad_data)
    failed = upgrades.failure(charm)
    if failed:
        return 'blocked', failed
    refused = state.render_refusal()
    if refused:
        return 'blocked', 'Refused to write config: ' + refused
    custom = charm.custom_status()
    if custom:
        return custom
    missing, incomplete, conflicting = relation_state(charm)
    if conflicting:
        return 'blocked', 'Conflicting relations: {} (relate only ' \
            'one)'.format('; '.join(conflicting))
    if missing:
        return 'blocked', 'Missing relations: {}'.format(', '.join(missing))
    if incomplete:
        return 'waiting', 'Incomplete relations: {}'.format(
            ', '.join(incomplete))
    if not state.installed():
        return 'maintenance', 'Installing'
    if not charm.database_migrated():
        return 'waiting', 'Database not yet migrated (waiting for the ' \
            'leader)'
    if not state.rendered():
        return 'waiting', 'Configuration not yet rendered'
    return service_status(charm) or ('active', charm.ready_message())


def service_status(charm):
    """Why the running services do not serve yet, or None."""
    stopped = [s for s in charm.services if not init_system.running(s)]
    if stopped:
        return 'blocked', 'Services not running that should be: ' \
            '{}'.format(', '.join(stopped))
    closed = ['{} ({})'.format(port, service)
              for service, (address, port) in charm.ports_to_check()
              if not probes.port_open(address, port)]
    if closed:
        return 'blocked', 'Ports which should be open, but are not: ' \
            '{}'.format(', '.join(closed))
    silent = [str(port) for port in charm.public_ports
              if not probes.http_answers('127.0.0.1', port,
                                         charm.tls_enabled)]
    if silent:
        return 'waiting', 'API not yet answering on {}'.format(
            ', '.join(silent))
    return None


def assess(charm):
    state_name, message = workload_status(charm)
    hookenv.status_set(state_name, grammar.status_message(message))
    log_missing_packages(charm)
    version = charm.application_version
    if version:
        hookenv.application_version_set(version)


def log_missing_packages(charm):
    """Say once (again when it changes) what the unit goes without."""
    missing = charm.missing_packages()
    if data_changed('openstack-base.missing-packages', missing):
        for package, lost in sorted(missing.items()):
            why = ('not packaged for {}'.format(charm.release)
                   if package in charm.unpackaged else 'apt finds none')
            hookenv.log('{} is not installed ({}): {}'.format(
                package, why, lost), hookenv.WARNING)
