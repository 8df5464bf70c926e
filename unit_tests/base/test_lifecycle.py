"""Converging a unit: render, migrate once on the leader, run services,
restart exactly what changed, report status."""

import configparser

import pytest

from charms.reactive import flags

from openstack_base.state import INSTALLED, PAUSED, RENDERED

PAYLOAD = ['mistral-api', 'mistral-cron-trigger', 'mistral-engine',
           'mistral-engine-2', 'mistral-event-engine', 'mistral-executor']
PACKAGED = ['haproxy', 'memcached']


def ini(path):
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(path)
    return parser


def test_first_converge_migrates_then_starts_everything(unit):
    unit.relate_all()
    charm = unit.charm()
    charm.converge()
    assert [c[-1] for c in unit.sync_calls] == ['head', 'populate']
    assert unit.juju.leader_data['db-migrated-release'] == 'zed'
    assert unit.init.actions('start') == sorted(PAYLOAD + PACKAGED)
    assert flags.is_flag_set(RENDERED)


def test_nothing_changed_restarts_nothing(unit):
    unit.relate_all()
    unit.charm().converge()
    unit.init.forget()
    unit.charm().converge()
    assert unit.init.calls == []
    assert len(unit.sync_calls) == 2          # migrated once only


def test_changed_option_restarts_only_the_services_of_changed_files(unit):
    unit.relate_all()
    unit.charm().converge()
    unit.init.forget()
    unit.charm(debug=True).converge()
    assert ini(unit.conf)['DEFAULT']['debug'] == 'True'
    assert unit.init.actions('restart') == sorted(PAYLOAD)  # not haproxy
    unit.init.forget()
    unit.charm(**{'haproxy-client-timeout': 5000}).converge()
    # haproxy applies it by a graceful reload: no connection is cut
    assert unit.init.calls == [('reload', 'haproxy')]


def test_restart_happens_once_per_hook(unit):
    unit.relate_all()
    unit.charm().converge()
    unit.init.forget()
    charm = unit.charm(debug=True)
    charm.converge()
    charm.converge()
    assert unit.init.actions('restart').count('mistral-api') == 1


def test_non_leader_waits_for_migration(unit):
    unit.juju.leader = False
    unit.relate_all()
    charm = unit.charm()
    charm.converge()
    assert unit.sync_calls == []
    assert unit.init.actions('start') == []
    assert charm.workload_status() == (
        'waiting', 'Database not yet migrated (waiting for the leader)')
    unit.juju.leader_data['db-migrated-release'] = 'zed'
    charm.converge()
    assert 'mistral-api' in unit.init.actions('start')
    assert 'mistral-cron-trigger' not in unit.init.actions('start')


def test_an_old_follower_serves_on_once_the_leader_migrated_further(unit):
    # a rolling upgrade: the leader went first and moved the schema on
    unit.juju.leader = False
    unit.juju.leader_data['db-migrated-release'] = 'zed'
    unit.relate_all()
    unit.charm().converge()
    unit.juju.leader_data['db-migrated-release'] = 'antelope'
    unit.init.forget()
    charm = unit.charm()
    charm.converge()
    assert unit.init.actions('stop') == [] and unit.sync_calls == []
    assert charm.workload_status() == ('active', 'Unit is ready')
    # an upgraded follower waits for the leader to move the schema first
    unit.juju.leader_data['db-migrated-release'] = 'zed'
    charm = unit.charm('antelope', **{'openstack-origin': ANTELOPE})
    assert charm.workload_status() == (
        'waiting', 'Database not yet migrated (waiting for the leader)')


ANTELOPE = 'deb [trusted=yes] file:/srv/mistral-antelope ./'


def test_new_release_migrates_again(unit):
    unit.relate_all()
    unit.charm('zed').converge()
    unit.charm('antelope', **{'openstack-origin': ANTELOPE}).converge()
    assert len(unit.sync_calls) == 4
    assert unit.juju.leader_data['db-migrated-release'] == 'antelope'


def test_bad_config_keeps_last_good_files_and_services(unit):
    unit.relate_all()
    unit.charm().converge()
    before = open(unit.conf).read()
    unit.init.forget()
    charm = unit.charm(**{'cron-trigger-interval': 0, 'debug': True})
    charm.converge()
    assert open(unit.conf).read() == before
    assert unit.init.calls == []
    assert charm.workload_status() == (
        'blocked', 'Invalid config: cron-trigger-interval: must be at '
        'least 1')


def test_lost_relation_stops_services(unit):
    unit.relate_all()
    unit.charm().converge()
    flags.clear_flag('shared-db.connected')
    flags.clear_flag('shared-db.available')
    charm = unit.charm()
    charm.converge()
    assert unit.init.running == set()
    assert not flags.is_flag_set(RENDERED)
    assert charm.workload_status()[0] == 'blocked'


def test_pause_and_resume(unit):
    unit.relate_all()
    unit.charm().converge()
    charm = unit.charm()
    charm.pause()
    assert unit.init.running == set()
    charm.converge()
    assert unit.init.running == set()
    assert charm.workload_status()[0] == 'maintenance'
    charm.resume()
    assert unit.init.running == set(PAYLOAD + PACKAGED)


def test_worker_multiplier_scales_processes(unit, monkeypatch):
    from openstack_base import charm as base_charm
    monkeypatch.setattr(base_charm, 'usable_cpus', lambda: 4)
    unit.relate_all()
    unit.charm(**{'worker-multiplier': 0.5}).converge()
    assert 'mistral-executor-2' in unit.init.running
    assert ini(unit.conf)['api']['api_workers'] == '2'
    unit.charm(**{'worker-multiplier': 0.25}).converge()
    assert 'mistral-executor-2' not in unit.init.running
    assert 'mistral-engine-2' not in unit.init.running
    import os.path
    assert not os.path.exists(os.path.join(unit.init.definitions_dir,
                                           'mistral-engine-2.service'))


def test_status_branches(unit):
    charm = unit.charm()
    assert charm.workload_status() == (
        'blocked', "Missing relations: 'amqp', 'identity-service', "
        "'shared-db' or 'db'")
    flags.set_flag('amqp.connected')
    flags.set_flag('identity-service.connected')
    flags.set_flag('identity-service.available')
    flags.set_flag('db.connected')
    assert charm.workload_status() == (
        'waiting', "Incomplete relations: 'amqp', 'db'")
    flags.set_flag('shared-db.connected')
    assert charm.workload_status() == (
        'blocked', "Conflicting relations: 'shared-db' and 'db' (relate "
        "only one)")
    flags.clear_flag('db.connected')
    flags.set_flag('shared-db.available')
    flags.set_flag('amqp.available')
    assert charm.workload_status() == ('maintenance', 'Installing')
    flags.set_flag(INSTALLED)
    assert charm.workload_status()[0] == 'waiting'     # not migrated
    charm.converge()
    assert charm.workload_status() == ('active', 'Unit is ready')
    unit.init.running.discard('mistral-engine')
    assert charm.workload_status() == (
        'blocked', 'Services not running that should be: mistral-engine')
    flags.set_flag(PAUSED)
    assert charm.workload_status()[0] == 'maintenance'


def test_assess_status_sets_status_and_version(unit, monkeypatch):
    import openstack_base.charm as charm_module
    monkeypatch.setattr(charm_module, 'installed_version',
                        lambda pkg: '2:15.0.0-1+deb12u1')
    unit.charm().assess_status()
    assert unit.juju.status[0] == 'blocked'
    assert unit.juju.version == '15.0.0'


def test_ready_means_the_ports_answer(unit):
    unit.relate_all()
    unit.charm().converge()
    # What was started is waited for: haproxy's public port and the API's
    # backend port behind it.
    assert sorted(unit.init.waited) == [('10.0.0.10', 8979),
                                        ('127.0.0.1', 8989),
                                        ('http', 8989)]
    assert unit.juju.opened == {'8989/tcp'}
    unit.init.ports_open = False
    assert unit.charm().workload_status() == (
        'blocked', 'Ports which should be open, but are not: 8989 '
        '(haproxy), 8979 (mistral-api)')
    unit.init.ports_open = True
    assert unit.charm().workload_status() == ('active', 'Unit is ready')


def test_restarting_nothing_waits_for_nothing(unit):
    unit.relate_all()
    unit.charm().converge()
    unit.init.waited.clear()
    unit.charm().converge()
    assert unit.init.waited == []


def test_ready_means_a_backend_answers_through_haproxy(unit, monkeypatch):
    from openstack_base import probes
    unit.relate_all()
    unit.charm().converge()
    monkeypatch.setattr(probes, 'http_answers', lambda a, p, tls=False:
                        False)
    assert unit.charm().workload_status() == (
        'waiting', 'API not yet answering on 8989')


def test_expiration_keeps_what_the_operator_did_not_limit(unit):
    unit.relate_all()
    unit.charm().converge()
    # No interval: no policy at all, and no older_than = 0 ("delete all").
    conf = ini(unit.conf)
    assert set(conf['execution_expiration_policy']) == set(conf.defaults())
    unit.charm(**{'execution-expiration-interval': 5,
                  'execution-expiration-max-finished': 3}).converge()
    policy = ini(unit.conf)['execution_expiration_policy']
    assert policy['max_finished_executions'] == '3'
    assert int(policy['older_than']) >= 100 * 365 * 24 * 60 - 1
    assert 'ignored_states' not in policy
    unit.charm(**{'execution-expiration-older-than': 60,
                  'execution-expiration-ignored-states':
                  'ERROR, CANCELLED'}).converge()
    policy = ini(unit.conf)['execution_expiration_policy']
    assert policy['older_than'] == '60'
    assert policy['ignored_states'] == 'ERROR,CANCELLED'


def test_ignored_states_must_be_final_states(unit):
    charm = unit.charm(**{'execution-expiration-ignored-states':
                          'SUCCESS,RUNNING'})
    assert charm.config_problems() == [(
        'execution-expiration-ignored-states',
        "'RUNNING' is not one of SUCCESS, ERROR, CANCELLED")]


def test_incomplete_relation_keeps_services_on_last_good_config(unit):
    unit.relate_all()
    unit.charm().converge()
    before = open(unit.conf).read()
    unit.init.forget()
    # e.g. mysql-router sending cluster-series-upgrading=True
    flags.clear_flag('shared-db.available')
    charm = unit.charm(debug=True)
    charm.converge()
    assert unit.init.calls == []
    assert unit.init.running == set(PAYLOAD + PACKAGED)
    assert open(unit.conf).read() == before
    assert charm.workload_status() == (
        'waiting', "Incomplete relations: 'shared-db'")


WRONG_VALUES = {
    'openstack-origin': 'cloud:jammy-nonsense',
    'region': '',
    'worker-multiplier': -1,
    'vip': '10.0.0.300',
    'vip_iface': 'eth0; reboot',
    'vip_cidr': 0,
    'os-public-hostname': 'not a host',
    'os-internal-hostname': 'under_score.example',
    'os-admin-hostname': '-leading.example',
    'os-public-network': '10.5.0.0',
    'os-internal-network': '10.5.0.0/33',
    'os-admin-network': 'everything',
    'nagios_context': 'my context',
    'nagios_servicegroups': 'a,,b',
    'rabbit-heartbeat-timeout': -1,
    'database-idle-timeout': 'never',
    'haproxy-server-timeout': 0,
    'haproxy-client-timeout': 'soon',
    'haproxy-queue-timeout': -5,
    'haproxy-connect-timeout': 1.5,
    'ssl_cert': 'bm90IHBlbQ==',
    'ssl_key': 'not base64!',
    'ssl_ca': 'bm90IHBlbQ==',
    'cron-trigger-interval': 0,
    'action-heartbeat-timeout': -1,
    'rabbit-queue-type': 'classic',
    'action-start-timeout': 0,
    'execution-expiration-older-than': -1,
    'execution-expiration-max-finished': 'many',
    'execution-expiration-interval': -1,
    'execution-expiration-batch-size': -2,
    'execution-expiration-ignored-states': 'RUNNING',
    'coordination-backend-url': 'localhost:6379',
    'workflows': 'cron-triggers: [a, b]',
    'ssh-private-key': 'bm90IGEga2V5',
}


def test_every_option_is_checked_or_free_for_a_reason(unit):
    import fake_juju
    options = set(fake_juju.config_defaults())
    charm_class = unit.charm_class
    checked = set(charm_class.merged('config_checks')) | {'openstack-origin'}
    free = charm_class.merged('config_free')
    assert checked | set(free) == options
    assert not checked & set(free)
    assert set(WRONG_VALUES) == checked
    assert all(free.values())


@pytest.mark.parametrize('option', sorted(WRONG_VALUES))
def test_a_wrong_value_blocks_naming_its_option(unit, option):
    extra = {}
    if option in ('ssl_cert', 'ssl_key'):   # each needs the other
        import base64
        pem = '-----BEGIN {0}-----\nAA==\n-----END {0}-----\n'
        extra = {'ssl_cert': base64.b64encode(pem.format(
            'CERTIFICATE').encode()).decode(),
            'ssl_key': base64.b64encode(pem.format(
                'PRIVATE KEY').encode()).decode()}
        del extra[option]
    charm = unit.charm(**dict(extra, **{option: WRONG_VALUES[option]}))
    assert [o for o, _ in charm.config_problems()] == [option]
    assert charm.workload_status()[1].startswith(
        'Invalid config: {}: '.format(option))


def test_a_service_that_fails_to_start_is_reported_without_waiting(unit):
    unit.relate_all()
    unit.init.failing.add('mistral-api')
    charm = unit.charm()
    charm.converge()
    # Nothing waited for ports: what started includes a dead service.
    assert unit.init.waited == []
    assert charm.workload_status() == (
        'blocked', 'Services not running that should be: mistral-api')
    assert ('maintenance', 'Starting mistral-api mistral-engine '
            'mistral-engine-2 mistral-executor mistral-event-engine '
            'mistral-cron-trigger haproxy memcached') in unit.juju.statuses


def test_haproxy_stats_password_is_the_leaders_random_secret(unit):
    unit.relate_all()
    unit.charm().converge()
    password = unit.juju.leader_data['haproxy-stat-password']
    assert len(password) == 32 and int(password, 16) >= 0
    assert 'stats auth admin:{}\n'.format(password) in open(
        unit.haproxy).read()
    unit.charm().converge()
    assert unit.juju.leader_data['haproxy-stat-password'] == password


def test_a_follower_waits_for_the_leaders_stats_password(unit):
    unit.juju.leader = False
    unit.juju.leader_data['db-migrated-release'] = 'zed'
    unit.relate_all()
    unit.charm().converge()
    assert 'listen stats' not in open(unit.haproxy).read()
    unit.juju.leader_data['haproxy-stat-password'] = 'f' * 32
    unit.charm().converge()
    assert 'stats auth admin:' + 'f' * 32 in open(unit.haproxy).read()


def test_mistral_api_and_actions_options_are_rendered(unit):
    unit.relate_all()
    unit.charm().converge()
    conf = ini(unit.conf)
    assert conf['api']['allow_action_execution_deletion'] == 'False'
    assert conf['openstack_actions']['os-actions-endpoint-type'] == 'public'
    assert conf['openstack_actions']['default_region'] == 'RegionOne'
    assert not conf.has_section('coordination')
    unit.charm(**{'allow-action-execution-deletion': True,
                  'use-internal-endpoints': True, 'region': 'east',
                  'coordination-backend-url': 'redis://10.0.0.5:6379'}
               ).converge()
    conf = ini(unit.conf)
    assert conf['api']['allow_action_execution_deletion'] == 'True'
    assert conf['openstack_actions']['os-actions-endpoint-type'] == \
        'internal'
    assert conf['openstack_actions']['default_region'] == 'east'
    assert conf['coordination']['backend_url'] == 'redis://10.0.0.5:6379'


def test_the_executors_ssh_key_comes_and_goes_with_its_option(unit):
    import base64
    key = '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n' \
        '-----END OPENSSH PRIVATE KEY-----\n'
    unit.relate_all()
    unit.charm(**{'ssh-private-key': base64.b64encode(
        key.encode()).decode()}).converge()
    assert open(unit.ssh_key).read() == key
    import os
    import stat
    assert stat.S_IMODE(os.stat(unit.ssh_key).st_mode) == 0o600
    unit.charm(**{'ssh-private-key': ''}).converge()
    assert not os.path.exists(unit.ssh_key)
