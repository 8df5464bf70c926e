"""Database migrations: on the leader only, once per release, before any
service of the new release starts; recorded in leader settings so the
other units wait for it and units that join later do not migrate."""

import subprocess

from charmhelpers.core import hookenv

from openstack_base import init_system, releases

MIGRATED = 'db-migrated-release'


def done(charm):
    """The schema is at this unit's release or newer: a unit still on
    the old release keeps serving while a rolling upgrade moved the
    leader (and the schema) on."""
    if not charm.db_migration_cmds:
        return True
    migrated = hookenv.leader_get(MIGRATED)
    return bool(migrated) and releases.compare(migrated, charm.release) >= 0


def run(charm):
    """Migrate when this unit should; True when it did."""
    if done(charm) or not hookenv.is_leader():
        return False
    hookenv.status_set('maintenance', 'Migrating the database')
    hookenv.log('Migrating the database to {}'.format(charm.release),
                hookenv.INFO)
    init_system.at_once('stop', charm.daemon_names)
    for cmd in charm.db_migration_cmds:
        subprocess.check_call(cmd, stdout=subprocess.DEVNULL)
    hookenv.leader_set({MIGRATED: charm.release})
    return True
