"""Mistral's part of the story: ask each relation for what Mistral needs.

The shared lifecycle (install, converge, status) lives in the base
layer's openstack_base_handlers; these handlers only make requests.
Handlers take no arguments and look their endpoint up by flag, as
charms.reactive recommends.
"""

from charms.reactive import endpoint_from_flag, is_flag_set, when, when_not

from openstack_base.charm import UPDATE_STATUS, provide_charm_instance
from charm.openstack.mistral import MistralCharm


def mistral():
    return provide_charm_instance(MistralCharm)


@when('amqp.connected')
@when_not(UPDATE_STATUS)
def request_messaging():
    with mistral() as charm:
        endpoint_from_flag('amqp.connected').request_access(
            *charm.amqp_credentials)


@when('shared-db.connected')
@when_not(UPDATE_STATUS)
def request_mysql_database():
    with mistral() as charm:
        endpoint_from_flag('shared-db.connected').configure(
            hostname=charm.local_address, **charm.database)


@when('db.connected')
@when_not(UPDATE_STATUS)
def request_postgresql_database():
    with mistral() as charm:
        endpoint_from_flag('db.connected').set_database(
            charm.database['database'])


@when('identity-service.connected')
@when_not(UPDATE_STATUS)
def register_endpoints():
    with mistral() as charm:
        charm.register_endpoints(
            endpoint_from_flag('identity-service.connected'),
            clustered=is_flag_set('ha.available'))


@when('cluster.connected')
@when_not(UPDATE_STATUS)
def share_addresses():
    with mistral() as charm:
        charm.update_peers(endpoint_from_flag('cluster.connected'))


@when('ha.connected')
@when_not(UPDATE_STATUS)
def define_ha_resources():
    with mistral() as charm:
        charm.configure_ha(endpoint_from_flag('ha.connected'))
