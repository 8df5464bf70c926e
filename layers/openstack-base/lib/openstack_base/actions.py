"""The operator actions every OpenStack charm has.

Each action runs with the charm's flags and leader data like a hook,
reports through action-set/action-fail, and leaves the workload status
up to date. Errors become action-fail, never a traceback with secrets.
"""

import os
import sys
import traceback

from charmhelpers.core import hookenv, unitdata

from openstack_base import apt, checklist, grammar, upgrades
from openstack_base.instance import provide_charm_instance


def pause(charm):
    charm.pause()
    return {'outcome': 'services stopped: {}'.format(
        ' '.join(charm.services))}


def resume(charm):
    charm.resume()
    return {'outcome': 'services started'}


def restart_services(charm):
    wanted = (hookenv.action_get('services') or '').split()
    unknown = sorted(set(wanted) - set(charm.services))
    if unknown:
        raise ActionRefused('unknown services: {} (this unit runs: {})'
                            .format(' '.join(unknown),
                                    ' '.join(charm.services)))
    charm.restart_services(wanted or None)
    return {'outcome': 'services restarted: {}'.format(
        ' '.join(wanted or charm.services))}


def security_checklist(charm):
    results, failed = checklist.run(charm)
    if failed:
        raise ActionRefused('security checks failed: {}'.format(
            ', '.join(failed)), results)
    return dict(results, outcome='every security check passed')


def openstack_upgrade(charm):
    if not charm.config.get('action-managed-upgrade'):
        raise ActionRefused('action-managed-upgrade is false: the charm '
                            'upgrades by itself when openstack-origin '
                            'changes')
    problem = dict(charm.config_problems()).get('openstack-origin')
    if problem:
        raise ActionRefused('openstack-origin: ' + problem)
    if not upgrades.pending(charm):
        return {'outcome': 'no upgrade available: already at {}'.format(
            charm.release)}
    try:
        old, new, seconds = upgrades.run(charm)
    except upgrades.UpgradeFailed as error:
        raise ActionRefused('upgrade to {} failed: {}'.format(
            upgrades.pending(charm), error))
    return {'outcome': 'upgraded from {} to {} in {} s'.format(
        old, new, seconds), 'from': old, 'to': new, 'seconds': seconds}


def package_upgrade(charm):
    target = upgrades.pending(charm)
    if target:
        raise ActionRefused('openstack-origin asks for {}: that is '
                            'openstack-upgrade\'s work'.format(target))
    before = charm.payload_versions()
    try:
        apt.update()
        apt.upgrade(charm.all_packages())
    except apt.AptFailed as error:
        raise ActionRefused('package upgrade failed: {}'.format(error))
    moved = sorted(p for p, v in charm.payload_versions().items()
                   if before.get(p) != v)
    if moved:
        charm.restart_services(charm.daemon_names)
    return {'outcome': 'upgraded: {}'.format(' '.join(moved)) if moved
            else 'nothing newer in {}'.format(charm.release)}


ACTIONS = {
    'pause': pause,
    'resume': resume,
    'restart-services': restart_services,
    'security-checklist': security_checklist,
    'openstack-upgrade': openstack_upgrade,
    'package-upgrade': package_upgrade,
}


class ActionRefused(Exception):
    """The action cannot run as asked; its message tells the operator,
    its results (if any) say what was found."""

    def __init__(self, message, results=None):
        super().__init__(message)
        self.results = results or {}


def start_endpoints():
    """What charms.reactive's main() does before a hook's handlers, and
    nothing does for an action: load the interface layers and make their
    endpoints from the relations' data. Without it the charm sees no
    relation, and openstack-upgrade renders the new release's config
    with no database, broker or Keystone in it."""
    from charms.reactive import bus
    bus.discover()
    hookenv._run_atstart()


def main(argv):
    name = os.path.basename(argv[0])
    try:
        start_endpoints()
        with provide_charm_instance() as charm:
            action = ACTIONS.get(name) or charm.actions.get(name)
            if action is None:
                raise ActionRefused('unknown action {}'.format(name))
            result = action(charm)
        hookenv.action_set(result)
    except ActionRefused as refusal:
        if refusal.results:
            hookenv.action_set(refusal.results)
        # one line, bounded, whatever it quotes
        hookenv.action_fail(grammar.status_message(refusal))
    except Exception as error:
        # Where, not what: an exception's message may carry a secret.
        where = traceback.extract_tb(error.__traceback__)[-1]
        hookenv.log('{} failed: {} at {}:{}'.format(
            name, type(error).__name__, where.filename, where.lineno),
            hookenv.ERROR)
        hookenv.action_fail('{} failed: {}'.format(
            name, type(error).__name__))
    finally:
        with provide_charm_instance() as charm:
            charm.assess_status()
        unitdata.kv().flush()
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
