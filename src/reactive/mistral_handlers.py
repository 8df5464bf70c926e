"""Mistral's part of the story: ask each relation for what Mistral needs.

The shared lifecycle (install, converge, status) lives in the base
layer's openstack_base_handlers; these handlers only make requests.
"""

from charms.reactive import is_flag_set, when, when_not

from openstack_base.charm import UPDATE_STATUS, provide_charm_instance
from charm.openstack.mistral import MistralCharm


def mistral():
    return provide_charm_instance(MistralCharm)


@when('amqp.connected')
@when_not(UPDATE_STATUS)
def request_messaging(amqp):
    with mistral() as charm:
        amqp.request_access(*charm.amqp_credentials)


@when('shared-db.connected')
@when_not(UPDATE_STATUS)
def request_mysql_database(shared_db):
    with mistral() as charm:
        shared_db.configure(hostname=charm.local_address, **charm.database)


@when('db.connected')
@when_not(UPDATE_STATUS)
def request_postgresql_database(pgsql):
    with mistral() as charm:
        pgsql.set_database(charm.database['database'])


@when('identity-service.connected')
@when_not(UPDATE_STATUS)
def register_endpoints(keystone):
    with mistral() as charm:
        charm.register_endpoints(keystone,
                                 clustered=is_flag_set('ha.available'))


@when('cluster.connected')
@when_not(UPDATE_STATUS)
def share_addresses(cluster):
    with mistral() as charm:
        charm.update_peers(cluster)


@when('ha.connected')
@when_not(UPDATE_STATUS)
def define_ha_resources(hacluster):
    with mistral() as charm:
        charm.configure_ha(hacluster)
