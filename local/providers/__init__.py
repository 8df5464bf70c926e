"""Providers: the remote applications at the other end of the relations.

``PROVIDERS`` maps an application name (as in ``relate mistral:amqp
rabbitmq-server``) to the class standing for it.
"""

from local.providers.hacluster import HACluster, MistralHACluster
from local.providers.keystone import Keystone
from local.providers.mariadb import MySQLRouter, MySQLRouterDefaultName
from local.providers.postgresql import PostgreSQL
from local.providers.rabbitmq import RabbitMQ
from local.providers.vault import Vault

PROVIDERS = {
    cls.application: cls
    for cls in (RabbitMQ, PostgreSQL, MySQLRouter, MySQLRouterDefaultName,
                Keystone, Vault, HACluster, MistralHACluster)
}
