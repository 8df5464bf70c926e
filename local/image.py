"""The image of the functional stories' Mistral machines.

The first deployment of a session boots the bare base image and its
install hook installs the payload, as on a new cloud machine; later ones
boot a layer with the payload installed already (an image baked with
the charm's packages), so that each story does not pay for the same
apt-get again. `python3 -m local.image` builds both ahead
(tools/run-tests runs it beside the short tiers).
"""

from localjuju import image

# What the charm's install hook installs from Debian's archive (zed, no
# mistral-extra): a test of unit_tests/mistral/test_story.py runs the hook
# and compares.
PACKAGES = ('haproxy', 'memcached', 'mistral-api', 'mistral-engine',
            'mistral-event-engine', 'mistral-executor', 'python3-memcache',
            'python3-mistralclient', 'python3-psycopg2', 'python3-pymysql')


if __name__ == '__main__':
    image.ensure(packages=PACKAGES)
