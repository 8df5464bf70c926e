"""Where the host keeps what outlives models: machine images and the apt
proxy's cache (``LOCAL_JUJU_CACHE``; CI points it at a fresh directory
so that each run builds from nothing)."""

import os


def cache():
    return os.environ.get('LOCAL_JUJU_CACHE', '/var/cache/local-juju')
