"""The Mistral charm: what Mistral needs, declared.

Processes on each unit:
- mistral-api: ``mistral-server --server api`` on the backend port behind
  haproxy, with api_workers forked processes and cron triggers OFF;
- mistral-engine, mistral-executor (one or more processes each) and
  mistral-event-engine;
- mistral-cron-trigger, on one unit only (the leader, or a peer while
  the leader is paused): a one-worker API process bound to loopback
  whose only job is the cron trigger loop. So cron triggers fire once
  per period for the whole application, and the database polling it
  costs does not grow with units or API workers.
"""

import glob

from charmhelpers.core import hookenv

from openstack_base import rendering, state, validation
from openstack_base.charm import OpenStackCharm
from openstack_base.daemons import Daemon

from charm.openstack import event_engine, job_actions, jobs
from charm.openstack.mistral_api import Mistral, MistralError

MISTRAL_CONF = '/etc/mistral/mistral.conf'
CRON_CONF = '/etc/mistral/mistral-cron-trigger.conf'
TOKEN_CACHE_CONF = '/etc/mistral/mistral-token-cache.conf'
# [event_engine] event_definitions_cfg_file of templates/mistral.conf
EVENT_DEFINITIONS = '/etc/mistral/mistral-event-definitions.yaml'
SERVER = '/usr/bin/mistral-server'
CRON_TRIGGER_PORT = 8959        # loopback only, never behind haproxy
CRON_TRIGGER_UNIT = 'cron-trigger-unit'     # leader setting
LOG_DIR = '/var/log/mistral'
# What every workflow and task did, from every daemon of the unit.
WF_TRACE_LOG = LOG_DIR + '/mistral-wf-trace.log'

# Engines and executors when worker-multiplier is unset. Measured on 2
# cores (Debian 15.0.0): a second engine doubled the throughput of a
# 10-task workflow (1.1 -> 2.2 executions/s); a third engine and a second
# executor added nothing (bench/README.md).
DEFAULT_PROCESSES = {'engine': 2, 'executor': 1}
# With worker-multiplier set, engines and executors follow the API
# workers, up to these. Each is a whole mistral-server process using one
# core at most (eventlet, one interpreter lock) whose RPC server already
# takes 64 requests at once (oslo.messaging's executor_thread_pool_size):
# more of them only buy cores, which a container may count from its host.
# 4 is charmhelpers' bound where the cores cannot be trusted; beyond it,
# add units: every unit's engines and executors share the queue's work.
MAX_PROCESSES = {'engine': 4, 'executor': 4}
# An idle Mistral process (engine, executor, API parent or worker):
# 110-121 MiB resident, 104-108 MiB of it anonymous (Mistral 15.0.0,
# Python 3.11, Debian's packages, measured by hand), rounded up.
PROCESS_MIB = 128

# Bounds of Mistral's numeric options. Intervals and timeouts become
# sleeps and timedeltas: a year is past any use. An age in minutes goes
# back from now in a datetime (year 1 is its floor). Counts go to SQL
# LIMITs and Integer columns.
YEAR_S = 365 * 24 * 3600
MAX_AGE_MINUTES = 100 * YEAR_S // 60
MAX_COUNT = 2 ** 31 - 1


def _seconds(minimum):
    return validation.number(minimum, integer=True, maximum=YEAR_S,
                             consumer='a year')


_count = validation.number(0, integer=True, maximum=MAX_COUNT,
                           consumer="the database's Integer")

# OpenStack actions are mistral-extra's since ussuri (its release notes),
# and so is the option saying which endpoints they call. Ubuntu first
# packages it (binary package mistral-extra) in 26.04, whose release is
# gazpacho; jammy (yoga), noble (caracal), 25.10 (flamingo) and Debian
# bookworm (zed) have none (packages.ubuntu.com, packages.debian.org).
OPENSTACK_ACTIONS = ('no OpenStack actions (nova.*, glance.*, ...), so '
                     'use-internal-endpoints has no effect')


# How each rabbit-queue-type declares Mistral's RPC on RabbitMQ: the
# exchange, what ends the topics (the queues' names) and oslo.messaging's
# flag. A queue's or exchange's durability cannot change once declared
# (PRECONDITION_FAILED), so each type has names of its own; transient
# keeps the names Mistral has always used, on the exchange the other
# OpenStack services declare transient in the same vhost.
QUEUE_TYPES = {
    'transient': {'exchange': 'openstack', 'suffix': '', 'flags': {}},
    'durable': {'exchange': 'mistral', 'suffix': '_durable',
                'flags': {'amqp_durable_queues': 'true'}},
    'quorum': {'exchange': 'mistral', 'suffix': '_quorum',
               'flags': {'rabbit_quorum_queue': 'true'}},
}
# The config sections naming Mistral's RPC topics, and their defaults.
TOPICS = {'engine': 'mistral_engine', 'executor': 'mistral_executor',
          'event_engine': 'mistral_event_engine',
          'notifier': 'mistral_notifier'}


def messaging_settings(queue_type):
    """control_exchange and the topic of each section of a
    rabbit-queue-type."""
    kind = QUEUE_TYPES[queue_type]
    return {'exchange': kind['exchange'],
            'topics': {section: topic + kind['suffix']
                       for section, topic in TOPICS.items()}}


class MistralCharm(OpenStackCharm):
    name = 'mistral'
    release = 'yoga'
    release_pkg = 'mistral-common'
    package_codenames = {'mistral-common': {
        '14': 'yoga', '15': 'zed', '16': 'antelope', '17': 'bobcat',
        '18': 'caracal', '19': 'dalmatian', '20': 'epoxy',
        '21': 'flamingo', '22': 'gazpacho',
    }}
    packages = ['mistral-api', 'mistral-engine', 'mistral-executor',
                'mistral-event-engine', 'python3-mistralclient',
                'python3-pymysql', 'python3-psycopg2']
    unpackaged = {'mistral-extra': OPENSTACK_ACTIONS}
    user = group = 'mistral'
    process_mib = PROCESS_MIB
    required_relations = ['amqp', 'identity-service', ('shared-db', 'db')]
    api_ports = {'mistral-api': {'public': 8989, 'admin': 8989,
                                 'int': 8989}}
    service_type = 'mistral'        # keystone maps it to workflowv2
    endpoint_path = '/v2'
    config_files = {MISTRAL_CONF: 'mistral.conf',
                    CRON_CONF: 'mistral-cron-trigger.conf',
                    TOKEN_CACHE_CONF: 'mistral-token-cache.conf',
                    EVENT_DEFINITIONS: 'mistral-event-definitions.yaml'}
    config_readers = {'mistral-cron-trigger.conf': ['mistral-cron-trigger'],
                      'mistral-token-cache.conf': ['mistral-api'],
                      'mistral-event-definitions.yaml': [
                          'mistral-event-engine']}
    mistral_conf = MISTRAL_CONF
    ssh_key = '/var/lib/mistral/.ssh/juju-jobs'     # ~mistral/.ssh
    actions = job_actions.ACTIONS
    logging_conf = '/etc/mistral/logging-{}.conf'   # per daemon
    log_dirs = [LOG_DIR]
    policyd_dir = '/etc/mistral/policy.d'   # oslo.policy's policy_dirs
    policyd_services = ['mistral-api']
    db_migration_cmds = [
        ['mistral-db-manage', '--config-file', MISTRAL_CONF, 'upgrade',
         'head'],
        ['mistral-db-manage', '--config-file', MISTRAL_CONF, 'populate'],
    ]
    config_checks = {
        'action-heartbeat-timeout': _seconds(0),
        'action-start-timeout': _seconds(1),
        'cron-trigger-interval': _seconds(1),
        'rabbit-queue-type': validation.one_of(*sorted(QUEUE_TYPES)),
        'execution-expiration-older-than': validation.number(
            0, integer=True, maximum=MAX_AGE_MINUTES,
            consumer="Python's datetime"),
        'execution-expiration-max-finished': _count,
        'execution-expiration-interval': validation.number(
            0, integer=True, maximum=YEAR_S // 60, consumer='a year'),
        'execution-expiration-batch-size': _count,
        'execution-expiration-ignored-states': validation.words_from(
            'SUCCESS', 'ERROR', 'CANCELLED'),
        'coordination-backend-url': validation.matching(
            r'[a-z][a-z0-9+]*://\S*', 'a tooz URL (e.g. redis://host:6379)'),
        jobs.OPTION: jobs.config_check,
        'ssh-private-key': validation.base64_pem(
            'OPENSSH PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY',
            'PRIVATE KEY'),
    }
    config_multiline = {
        jobs.OPTION: 'YAML, bounded by jobs.load_yaml',
        'ssh-private-key': 'base64 PEM',
    }
    config_free = {
        'cron-trigger-enabled': 'a boolean, typed by Juju',
        'allow-action-execution-deletion': 'a boolean, typed by Juju',
        'use-internal-endpoints': 'a boolean, typed by Juju',
    }

    def get_amqp_credentials(self):
        """RabbitMQ user and vhost, as the official charms name them."""
        return 'mistral', 'openstack'

    def get_database_setup(self):
        """One database and user, named after the service."""
        return [{'database': 'mistral', 'username': 'mistral'}]

    # --- processes --------------------------------------------------------
    def process_count(self, kind):
        """API workers as the official charms count them; engines and
        executors as many, up to MAX_PROCESSES (the measured defaults
        while worker-multiplier is unset)."""
        if kind == 'api':
            return self.worker_count()
        multiplier = self.config.get('worker-multiplier')
        if multiplier is None or multiplier == '':
            return DEFAULT_PROCESSES[kind]
        return min(self.worker_count(), MAX_PROCESSES[kind])

    def payload_processes(self):
        """mistral-api's parent and workers, the engines, executors and
        event engine, and the cron trigger process (a parent and its
        worker), counted on every unit: it moves to wherever the leader
        says."""
        cron = 2 if self.config.get('cron-trigger-enabled') else 0
        return (1 + self.process_count('api') + self.process_count('engine')
                + self.process_count('executor') + 1 + cron)

    def _server(self, name, description, role, *config_files):
        command = [SERVER, '--server', role]
        for path in (MISTRAL_CONF,) + config_files:
            command += ['--config-file', path]
        # The log file and the workflow trace: see templates/logging.conf.
        command += ['--log-config-append', self.logging_conf.format(name)]
        return Daemon(name, description, command, self.user, self.group)

    def daemons(self):
        """The API, engines, executors and event engine; the cron
        trigger process on one unit only."""
        found = [self._server('mistral-api', 'Mistral API', 'api',
                              TOKEN_CACHE_CONF)]
        for kind, label in (('engine', 'Engine'), ('executor', 'Executor')):
            for n in range(1, self.process_count(kind) + 1):
                name = 'mistral-{}'.format(kind) + (
                    '' if n == 1 else '-{}'.format(n))
                found.append(self._server(name, 'Mistral ' + label, kind))
        found.append(self._server('mistral-event-engine',
                                  'Mistral Event Engine', 'event-engine'))
        if (self.config.get('cron-trigger-enabled') and
                self.cron_trigger_unit() == self.local_unit):
            found.append(self._server('mistral-cron-trigger',
                                      'Mistral cron triggers', 'api',
                                      CRON_CONF))
        return found

    # --- scheduled jobs from config ---------------------------------------
    def converge(self):
        super().converge()
        self.reconcile_jobs()

    def reconcile_jobs(self):
        """On the leader, once Mistral runs: make it hold the workflows and
        cron triggers of the workflows option. What cannot be applied is
        kept in leader settings for the status; an API not yet answering
        is tried again at the next hook."""
        if not hookenv.is_leader() or self.config_problems() or \
                not self.should_run():
            return
        try:
            jobs.reconcile(self.config.get(jobs.OPTION),
                           Mistral.from_conf(self.mistral_conf))
        except jobs.Invalid as error:
            hookenv.leader_set({jobs.PROBLEM: str(error)})
        except MistralError as error:
            if error.status is None:
                hookenv.log('scheduled jobs wait: {}'.format(error),
                            hookenv.WARNING)
            else:
                hookenv.leader_set({jobs.PROBLEM: 'Mistral refused: {}'
                                    .format(error)})

    def custom_status(self):
        problem = hookenv.is_leader() and hookenv.leader_get(jobs.PROBLEM)
        if problem:
            return ('blocked',
                    'Invalid config: {}: {}'.format(jobs.OPTION, problem))
        return event_engine.status()

    def ready_notes(self):
        managed = jobs.summary()
        inert = (self.config.get('use-internal-endpoints') and
                 'mistral-extra' in self.missing_packages())
        return (([managed] if managed else []) +
                (['use-internal-endpoints has no effect without '
                  'mistral-extra'] if inert else []) +
                super().ready_notes())

    # --- logging ----------------------------------------------------------
    @property
    def restart_map(self):
        restarts = super().restart_map
        restarts.update({self.logging_conf.format(name): [name]
                         for name in self.daemon_names})
        return restarts

    def render_configs(self, frontend):
        """The config files, and how each daemon logs; the changed
        paths. Logging files of daemons no longer run go. The ssh key
        first: refused (a link planted in ~mistral/.ssh), nothing is
        written."""
        changed = self.install_ssh_key()
        changed |= super().render_configs(frontend)
        wanted = set()
        for name in self.daemon_names:
            path = self.logging_conf.format(name)
            wanted.add(path)
            text = rendering.render('logging.conf', {
                'daemon': name, 'log_dir': LOG_DIR,
                'wf_trace_log': WF_TRACE_LOG,
                'debug': self.config.get('debug'),
                'use_syslog': self.config.get('use-syslog')}, self.release)
            if rendering.write_if_changed(path, text, group=self.group):
                changed.add(path)
        for path in glob.glob(self.logging_conf.format('*')):
            if path not in wanted:
                rendering.remove_if_present(path)
        return changed

    def install_ssh_key(self):
        """The executors' key for std.ssh (``private_key_filename:
        juju-jobs``, in the mistral user's ~/.ssh), or its removal.

        Any workflow action runs as the mistral user, who owns its home:
        ~/.ssh (0700) and the key (0600) are that user's, written by a
        process running as that user, and a link found at either is
        refused (blocked, naming the path), never followed."""
        key = validation.decode_base64(self.config.get('ssh-private-key')
                                       or '')
        if not key:
            try:
                removed = rendering.remove_if_present(self.ssh_key)
            except rendering.UnsafePath:
                removed = False     # ~/.ssh is not a directory: no key in it
            return {self.ssh_key} if removed else set()
        try:
            written = rendering.write_as_user(
                self.ssh_key, key if key.endswith('\n') else key + '\n',
                self.user)
        except rendering.UnsafePath as refused:
            raise rendering.UnsafePath('ssh-private-key: {}'.format(refused))
        return {self.ssh_key} if written else set()

    def pause(self):
        """Stop, and (on the leader) hand the cron triggers on."""
        super().pause()
        self.cron_trigger_unit()

    def cron_trigger_unit(self):
        """The one unit that runs the cron trigger process: the leader,
        or, while the leader is paused, a peer that is not. The leader
        decides and says so in leader settings; every unit follows (the
        leader-settings-changed hook), so when leadership or the choice
        moves, the old unit stops its process as the new one starts."""
        chosen = hookenv.leader_get(CRON_TRIGGER_UNIT) or None
        if hookenv.is_leader():
            wanted = self.local_unit if not state.paused() else next(
                iter(self.relations['cluster'].available_peers()), None)
            if wanted != chosen:
                hookenv.leader_set({CRON_TRIGGER_UNIT: wanted or ''})
            return wanted
        return chosen

    # --- templates --------------------------------------------------------
    def template_options(self):
        """API worker count, the cron trigger process's port, the
        action heartbeat checker's settings and how RPC is declared
        (its names here, oslo.messaging's flags in the shared
        [oslo_messaging_rabbit] part)."""
        queue_type = self.config.get('rabbit-queue-type') or 'quorum'
        return {'api_workers': self.process_count('api'),
                'cron_trigger_port': CRON_TRIGGER_PORT,
                'heartbeat': heartbeat_settings(
                    self.config.get('action-heartbeat-timeout')),
                'messaging': messaging_settings(queue_type),
                'rabbit_flags': QUEUE_TYPES[queue_type]['flags']}


class MistralCharmGazpacho(MistralCharm):
    """gazpacho: Ubuntu 26.04's archive packages mistral-extra. On noble
    gazpacho comes from the cloud archive, which copies 26.04's OpenStack
    packages; whether it copies mistral-extra was not checked, so it is
    installed where apt finds it."""
    release = 'gazpacho'
    unpackaged = {}
    optional_packages = {'mistral-extra': OPENSTACK_ACTIONS}


# Heartbeats each action may miss before Mistral fails it: the check (and
# the executors' heartbeat) runs every timeout / MISSED_HEARTBEATS.
MISSED_HEARTBEATS = 6


def heartbeat_settings(timeout):
    """[action_heartbeat] check_interval and max_missed_heartbeats for an
    action-heartbeat-timeout (0: the check is off)."""
    timeout = int(timeout or 0)
    if timeout <= 0:
        return {'check_interval': 0, 'max_missed_heartbeats': 0}
    interval = max(1, round(timeout / MISSED_HEARTBEATS))
    return {'check_interval': interval,
            'max_missed_heartbeats': max(1, round(timeout / interval))}
