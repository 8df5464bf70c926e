"""Values the leader decides once for the whole application, kept in
leader settings (the one channel every unit reads and only the leader
writes): generated secrets, the release the database is migrated to."""

import secrets

from charmhelpers.core import hookenv

HAPROXY_STAT_PASSWORD = 'haproxy-stat-password'
MEMCACHE_SECRET_KEY = 'memcache-secret-key'


def shared_value(key, make):
    """The application's value for key; the leader makes it the first
    time. None on a unit whose leader has not decided yet."""
    value = hookenv.leader_get(key)
    if not value and hookenv.is_leader():
        value = make()
        hookenv.leader_set({key: value})
    return value or None


def haproxy_stat_password():
    return shared_value(HAPROXY_STAT_PASSWORD,
                        lambda: secrets.token_hex(16))


def memcache_secret_key():
    return shared_value(MEMCACHE_SECRET_KEY, lambda: secrets.token_hex(32))
