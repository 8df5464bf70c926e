"""The charm's handlers, dispatched by the real charms.reactive bus, with
the real interfaces, against relation data recorded from the real peer
charms: install, relate one by one, render, migrate, start, report."""

import configparser
import importlib.util
import os
import urllib.parse

import pytest
import yaml
from charms.reactive import bus

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PEERS = yaml.safe_load(open(os.path.join(HERE, '..', 'data', 'peers.yaml')))
HANDLERS = 'layers/openstack-base/reactive/openstack_base_handlers.py'


SERIES = {'yoga': 'jammy', 'zed': 'bookworm', 'caracal': 'noble'}


@pytest.fixture
def reactive_unit(unit):
    """The unit with only this charm's handlers registered on the bus,
    as in a hook's fresh process."""
    bus.Handler.clear()
    spec = importlib.util.spec_from_file_location(
        'reactive_handlers', os.path.join(ROOT, HANDLERS))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    unit.juju.at_every_hook.append(module.assess_status)
    yield unit
    bus.Handler.clear()


def run(unit, hook, rid=None, remote=None):
    unit.juju.run_hook(hook, rid, remote)


def add_peer(unit, endpoint, app):
    rid = unit.juju.relate(endpoint, app)
    for name, data in PEERS[app].items():
        unit.juju.join(rid, name)
    return rid


def answer(unit, rid, app):
    for name, data in PEERS[app].items():
        unit.juju.change(rid, name, data)


def relate_core(unit):
    """RabbitMQ, MySQL and Keystone, related and answering: active."""
    for app, endpoint in (('rabbitmq-server', 'amqp'),
                          ('mysql-router', 'shared-db'),
                          ('keystone', 'identity-service')):
        answer(unit, add_peer(unit, endpoint, app), app)


def ini(path):
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(path)
    return parser


def test_install_leaves_everything_stopped(reactive_unit):
    run(reactive_unit, 'install')
    assert 'mistral-engine' in reactive_unit.installed
    assert 'haproxy' in reactive_unit.installed
    assert sorted(os.listdir(reactive_unit.init.definitions_dir)) == sorted(
        name + '.service' for name in (
            'mistral-api', 'mistral-cron-trigger', 'mistral-engine',
            'mistral-engine-2', 'mistral-event-engine', 'mistral-executor'))
    assert reactive_unit.init.running == set()
    assert reactive_unit.juju.status == (
        'blocked', "Missing relations: 'amqp', 'identity-service', "
        "'shared-db' or 'db'")


@pytest.mark.parametrize('release', ['yoga', 'zed', 'caracal'])
@pytest.mark.parametrize('database', ['mysql', 'postgresql'])
def test_relations_one_by_one_until_active(reactive_unit, monkeypatch, release,
                                           database):
    import openstack_base.instance as instance
    from charmhelpers.core import host
    monkeypatch.setattr(instance, 'select_release', lambda base: release)
    monkeypatch.setattr(host, 'lsb_release',
                        lambda: {'DISTRIB_CODENAME': SERIES[release]})
    instance.forget_charm_instance()
    run(reactive_unit, 'install')

    amqp = add_peer(reactive_unit, 'amqp', 'rabbitmq-server')
    assert reactive_unit.juju.local_data(amqp)['username'] == 'mistral'
    assert reactive_unit.juju.local_data(amqp)['vhost'] == 'openstack'
    assert reactive_unit.juju.status[0] == 'blocked'
    answer(reactive_unit, amqp, 'rabbitmq-server')

    if database == 'mysql':
        db = add_peer(reactive_unit, 'shared-db', 'mysql-router')
        sent = reactive_unit.juju.local_data(db)
        assert (sent['database'], sent['username'], sent['hostname']) == (
            'mistral', 'mistral', '10.0.0.10')
        answer(reactive_unit, db, 'mysql-router')
        expected_db = ('mysql+pymysql://mistral:mysql%3Apw%40@127.0.0.1:'
                       '3306/mistral?charset=utf8')
        idle_session = {'init_command': ['SET SESSION wait_timeout = 30']}
    else:
        reactive_unit.juju.address = '10.0.0.10'
        db = add_peer(reactive_unit, 'db', 'postgresql')
        assert reactive_unit.juju.local_data(db)['database'] == 'mistral'
        answer(reactive_unit, db, 'postgresql')
        expected_db = ('postgresql+psycopg2://mistral_u:pgpw@10.5.3.1:5432/'
                       'mistral')
        idle_session = {
            'options': ['-c idle_in_transaction_session_timeout=30s']}

    keystone = add_peer(reactive_unit, 'identity-service', 'keystone')
    sent = reactive_unit.juju.local_data(keystone)
    assert sent['service'] == 'mistral'
    assert sent['region'] == 'RegionOne'
    assert sent['public_url'] == 'http://10.0.0.10:8989/v2'
    assert sent['admin_url'] == 'http://10.0.0.10:8989/v2'
    assert reactive_unit.juju.status == (
        'waiting', "Incomplete relations: 'identity-service'")
    answer(reactive_unit, keystone, 'keystone')

    assert reactive_unit.juju.status == ('active', 'Unit is ready')
    conf = ini(reactive_unit.conf)
    assert conf['DEFAULT']['transport_url'] == (
        'rabbit://mistral:rabbit%20pw%2F%2B@10.5.1.1:5672,'
        'mistral:rabbit%20pw%2F%2B@10.5.1.2:5672/openstack')
    assert conf['database']['connection'] == expected_db
    # what the driver is given at connect (oslo.db appends it to the URL)
    assert urllib.parse.parse_qs(
        conf['database']['connection_parameters']) == idle_session
    auth = conf['keystone_authtoken']
    assert auth['www_authenticate_uri'] == 'http://10.5.2.1:5000/v3'
    assert auth['auth_url'] == 'http://10.5.2.1:35357'
    assert (auth['username'], auth['password'], auth['project_name']) == (
        'mistral', 'ks-secret', 'services')
    assert auth['user_domain_name'] == 'service_domain'
    assert conf['api']['port'] == '8979'
    assert conf['api']['host'] == '10.0.0.10'
    assert conf['cron_trigger']['enabled'] == 'false'
    assert [c[-1] for c in reactive_unit.sync_calls] == ['head', 'populate']
    assert 'mistral-api' in reactive_unit.init.running
    haproxy = open(reactive_unit.haproxy).read()
    assert 'bind *:8989' in haproxy
    assert 'server mistral-0 10.0.0.10:8979 check' in haproxy
    assert '    option redispatch' in haproxy.splitlines()
    cron = ini(str(reactive_unit.etc / 'cron.conf'))
    assert cron['cron_trigger']['enabled'] == 'True'
    assert cron['api']['host'] == '127.0.0.1'


def test_update_status_only_checks(reactive_unit):
    run(reactive_unit, 'install')
    relate_core(reactive_unit)
    assert reactive_unit.juju.status == ('active', 'Unit is ready')
    reactive_unit.init.forget()
    reactive_unit.init.running.discard('mistral-executor')
    run(reactive_unit, 'update-status')
    assert reactive_unit.init.calls == []
    assert reactive_unit.juju.status == (
        'blocked', 'Services not running that should be: mistral-executor')
    run(reactive_unit, 'config-changed')
    assert reactive_unit.init.calls == [('start', 'mistral-executor')]


def test_both_databases_block_and_stop(reactive_unit):
    run(reactive_unit, 'install')
    relate_core(reactive_unit)
    assert 'mistral-api' in reactive_unit.init.running
    answer(reactive_unit, add_peer(reactive_unit, 'db', 'postgresql'),
           'postgresql')
    assert reactive_unit.juju.status == (
        'blocked', "Conflicting relations: 'shared-db' and 'db' (relate "
        "only one)")
    assert reactive_unit.init.running == set()


def test_rabbitmq_over_tls(reactive_unit):
    import base64
    pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'
    run(reactive_unit, 'install')
    amqp = add_peer(reactive_unit, 'amqp', 'rabbitmq-server')
    for name, data in PEERS['rabbitmq-server'].items():
        reactive_unit.juju.change(amqp, name, dict(
            data, ssl_port='5671',
            ssl_ca=base64.b64encode(pem.encode()).decode()))
    for app, endpoint in (('mysql-router', 'shared-db'),
                          ('keystone', 'identity-service')):
        answer(reactive_unit, add_peer(reactive_unit, endpoint, app), app)
    conf = ini(reactive_unit.conf)
    assert conf['oslo_messaging_rabbit']['ssl'] == 'true'
    ca_file = conf['oslo_messaging_rabbit']['ssl_ca_file']
    assert open(ca_file).read() == pem
    assert ':5671,' in conf['DEFAULT']['transport_url']


def test_nrpe_checks_for_every_daemon_and_the_api(reactive_unit, tmp_path,
                                                  monkeypatch):
    import relation_sim
    provides = relation_sim.load_interface('nrpe-external-master',
                                           'provides',
                                           reactive_unit.juju.charm_dir)
    monkeypatch.setattr(provides.NrpeExternalMasterProvides,
                        'NRPE_CONF_DIR', str(tmp_path / 'nrpe.d'))
    monkeypatch.setattr(provides.NrpeExternalMasterProvides,
                        'NAGIOS_EXPORT_DIR', str(tmp_path / 'export'))
    run(reactive_unit, 'install')
    rid = reactive_unit.juju.relate('nrpe-external-master', 'nrpe')
    reactive_unit.juju.join(rid, 'nrpe/0')
    checks = sorted(os.listdir(tmp_path / 'nrpe.d'))
    assert checks == [
        'check_mistral-api-http.cfg', 'check_mistral-api.cfg',
        'check_mistral-cron-trigger.cfg', 'check_mistral-engine-2.cfg',
        'check_mistral-engine.cfg', 'check_mistral-event-engine.cfg',
        'check_mistral-executor.cfg']
    engine = open(tmp_path / 'nrpe.d' / 'check_mistral-engine.cfg').read()
    assert 'check_procs -c 1: -u mistral' in engine
    assert '--server engine' in engine and 'logging-mistral-engine.conf' \
        in engine
    http = open(tmp_path / 'nrpe.d' / 'check_mistral-api-http.cfg').read()
    assert 'check_http -I 127.0.0.1 -p 8989' in http
    monitors = yaml.safe_load(reactive_unit.juju.local_data(rid)['monitors'])
    assert sorted(monitors['monitors']['remote']['nrpe']) == sorted(
        c[len('check_'):-len('.cfg')] for c in checks)
    # Unchanged checks are not rewritten on the next hook.
    os.remove(tmp_path / 'nrpe.d' / 'check_mistral-engine.cfg')
    run(reactive_unit, 'config-changed')
    assert not os.path.exists(tmp_path / 'nrpe.d' /
                              'check_mistral-engine.cfg')
    reactive_unit.juju.config['nagios_context'] = 'site'
    run(reactive_unit, 'config-changed')
    assert os.path.exists(tmp_path / 'nrpe.d' / 'check_mistral-engine.cfg')


def test_removed_relation_takes_its_credentials_away(reactive_unit):
    run(reactive_unit, 'install')
    rids = {}
    for app, endpoint in (('rabbitmq-server', 'amqp'),
                          ('mysql-router', 'shared-db'),
                          ('keystone', 'identity-service')):
        rids[endpoint] = add_peer(reactive_unit, endpoint, app)
        answer(reactive_unit, rids[endpoint], app)
    assert 'rabbit%20pw' in open(reactive_unit.conf).read()
    reactive_unit.juju.break_relation(rids['amqp'])
    conf = open(reactive_unit.conf).read()
    assert 'transport_url' not in conf and 'rabbit%20pw' not in conf
    assert 'ks-secret' in conf          # the other relations' stay
    assert reactive_unit.init.running == set()
    assert reactive_unit.juju.status == ('blocked',
                                         "Missing relations: 'amqp'")


def test_upgrade_charm_with_no_change_restarts_nothing(reactive_unit):
    run(reactive_unit, 'install')
    relate_core(reactive_unit)
    assert reactive_unit.juju.status == ('active', 'Unit is ready')
    reactive_unit.init.forget()
    run(reactive_unit, 'upgrade-charm')
    assert reactive_unit.init.calls == []
    assert reactive_unit.juju.status == ('active', 'Unit is ready')


@pytest.mark.parametrize('endpoint, app, bad, expected', [
    ('amqp', 'rabbitmq-server', {'hostname': 'not a host!'},
     "'amqp' (hostname: must be an IP address or a host name)"),
    ('amqp', 'rabbitmq-server', {'ssl_port': 'tls', 'ssl_ca': 'Q0E='},
     "'amqp' (ssl_port: must be an integer)"),
    ('amqp', 'rabbitmq-server', {'password': ''}, "'amqp'"),
    ('shared-db', 'mysql-router', {'db_port': '33o6'},
     "'shared-db' (db_port: must be an integer)"),
    ('identity-service', 'keystone', {'service_port': '99999'},
     "'identity-service' (service_port: must be at most 65535)"),
    ('identity-service', 'keystone', {'auth_protocol': 'gopher'},
     "'identity-service' (auth_protocol: must be one of http, https)"),
])
def test_malformed_relation_data_waits_naming_the_relation(
        reactive_unit, endpoint, app, bad, expected):
    run(reactive_unit, 'install')
    for peer_app, peer_endpoint in (('rabbitmq-server', 'amqp'),
                                    ('mysql-router', 'shared-db'),
                                    ('keystone', 'identity-service')):
        rid = add_peer(reactive_unit, peer_endpoint, peer_app)
        for name, data in PEERS[peer_app].items():
            reactive_unit.juju.change(rid, name, dict(
                data, **(bad if peer_app == app else {})))
    assert reactive_unit.juju.status == ('waiting',
                                         'Incomplete relations: ' + expected)
    assert reactive_unit.init.running == set()
    warnings = [m for m in reactive_unit.juju.logs
                if 'sent unusable data' in str(m)]
    assert len(warnings) == (0 if expected == "'amqp'" else 1)
    run(reactive_unit, 'update-status')     # not logged again
    assert len([m for m in reactive_unit.juju.logs
                if 'sent unusable data' in str(m)]) == len(warnings)


def deploy(reactive_unit, monkeypatch, release, series):
    """The unit installs this release, on this series."""
    import openstack_base.instance as instance
    from charmhelpers.core import host
    monkeypatch.setattr(instance, 'select_release', lambda base: release)
    monkeypatch.setattr(host, 'lsb_release',
                        lambda: {'DISTRIB_CODENAME': series})
    from openstack_base import apt
    monkeypatch.setattr(apt, 'not_installed', lambda packages: [
        p for p in packages if p not in reactive_unit.installed])
    instance.forget_charm_instance()


def said_missing(reactive_unit):
    """The warnings logged about mistral-extra."""
    return [message for message, level in reactive_unit.juju.logs
            if 'mistral-extra is not installed' in message
            and level == 'WARNING']


# Ubuntu packages mistral-extra from 26.04 (gazpacho) on: none of these
# archives has it, whatever apt is asked.
@pytest.mark.parametrize('release,series', [
    ('yoga', 'jammy'), ('zed', 'bookworm'), ('caracal', 'noble'),
    ('flamingo', 'noble')])
def test_no_openstack_actions_before_gazpacho_said_once(
        reactive_unit, monkeypatch, release, series):
    deploy(reactive_unit, monkeypatch, release, series)
    if release == 'flamingo':
        reactive_unit.juju.config['openstack-origin'] = 'cloud:noble-flamingo'
    run(reactive_unit, 'install')
    assert not [p for p in reactive_unit.installed if 'mistral-extra' in p]
    relate_core(reactive_unit)
    run(reactive_unit, 'update-status')
    assert said_missing(reactive_unit) == [
        'mistral-extra is not installed (not packaged for {}): no '
        'OpenStack actions (nova.*, glance.*, ...), so '
        'use-internal-endpoints has no effect'.format(release)]
    assert reactive_unit.juju.status == ('active', 'Unit is ready')
    reactive_unit.juju.config['use-internal-endpoints'] = True
    run(reactive_unit, 'config-changed')
    assert reactive_unit.juju.status == (
        'active', 'Unit is ready (use-internal-endpoints has no effect '
        'without mistral-extra)')
    assert len(said_missing(reactive_unit)) == 1


@pytest.mark.parametrize('in_archive', [True, False])
def test_gazpacho_installs_mistral_extra_where_apt_finds_it(
        reactive_unit, monkeypatch, in_archive):
    from openstack_base import apt
    deploy(reactive_unit, monkeypatch, 'gazpacho', 'noble')
    monkeypatch.setattr(apt, 'in_archive', lambda package: in_archive)
    reactive_unit.juju.config['openstack-origin'] = 'cloud:noble-gazpacho'
    reactive_unit.juju.config['use-internal-endpoints'] = True
    run(reactive_unit, 'install')
    assert ('mistral-extra' in reactive_unit.installed) == in_archive
    relate_core(reactive_unit)
    assert said_missing(reactive_unit) == ([] if in_archive else [
        'mistral-extra is not installed (apt finds none): no OpenStack '
        'actions (nova.*, glance.*, ...), so use-internal-endpoints has '
        'no effect'])
    assert reactive_unit.juju.status[1].endswith(
        'ready' if in_archive else 'without mistral-extra)')


def test_an_upgrade_to_gazpacho_installs_mistral_extra(unit, monkeypatch):
    from charmhelpers.core import host
    from openstack_base import apt
    from openstack_base.instance import forget_charm_instance
    monkeypatch.setattr(host, 'lsb_release',
                        lambda: {'DISTRIB_CODENAME': 'noble'})
    monkeypatch.setattr(apt, 'in_archive', lambda package: True)
    unit.relate_all()
    unit.landed = 'flamingo'
    unit.charm('flamingo', **{
        'openstack-origin': 'cloud:noble-flamingo'}).converge()
    assert not unit.upgrades
    unit.offered = 'gazpacho'
    forget_charm_instance()
    unit.charm('flamingo', **{
        'openstack-origin': 'cloud:noble-gazpacho'}).converge()
    assert unit.landed == 'gazpacho'
    assert 'mistral-extra' in unit.upgrades[-1]


def test_tokens_are_cached_on_the_units_own_memcached_encrypted(
        reactive_unit):
    run(reactive_unit, 'install')
    relate_core(reactive_unit)
    peers = reactive_unit.juju.relate('cluster', 'mistral')
    reactive_unit.juju.join(peers, 'mistral/1',
                            {'private-address': '10.0.0.11'})
    assert 'memcache' not in open(reactive_unit.conf).read()
    auth = ini(reactive_unit.token_cache_conf)['keystone_authtoken']
    assert auth['memcached_servers'] == '127.0.0.1:11211'
    assert auth['memcache_security_strategy'] == 'ENCRYPT'
    key = reactive_unit.juju.leader_data['memcache-secret-key']
    assert auth['memcache_secret_key'] == key and len(key) == 64
    assert '-l 127.0.0.1\n' in open(reactive_unit.memcached_conf).read()
    assert 'memcached' in reactive_unit.init.running
    assert 'python3-memcache' in reactive_unit.installed
    # A peer joining changes haproxy's backends, reloaded; nothing else.
    before = open(reactive_unit.token_cache_conf).read()
    reactive_unit.init.forget()
    reactive_unit.juju.join(peers, 'mistral/2',
                            {'private-address': '10.0.0.12'})
    assert open(reactive_unit.token_cache_conf).read() == before
    assert '10.0.0.12' in open(reactive_unit.haproxy).read()
    assert reactive_unit.init.calls == [('reload', 'haproxy')], \
        reactive_unit.init.calls


@pytest.mark.parametrize('queue_type, exchange, suffix, flags', [
    (None, 'mistral', '_quorum', {'rabbit_quorum_queue': 'true'}),
    ('durable', 'mistral', '_durable', {'amqp_durable_queues': 'true'}),
    ('transient', 'openstack', '', {})])
def test_rpc_queues_keep_their_messages_through_a_broker_restart(
        reactive_unit, queue_type, exchange, suffix, flags):
    # quorum by default; each type declares its own exchange and queue
    # names, so a change never redeclares a queue another way (406).
    if queue_type:
        reactive_unit.juju.config['rabbit-queue-type'] = queue_type
    run(reactive_unit, 'install')
    relate_core(reactive_unit)
    assert reactive_unit.juju.status == ('active', 'Unit is ready')
    conf = ini(reactive_unit.conf)
    assert conf['DEFAULT']['control_exchange'] == exchange
    assert {section: conf[section]['topic'] for section in (
        'engine', 'executor', 'event_engine', 'notifier')} == {
        'engine': 'mistral_engine' + suffix,
        'executor': 'mistral_executor' + suffix,
        'event_engine': 'mistral_event_engine' + suffix,
        'notifier': 'mistral_notifier' + suffix}
    rabbit = conf['oslo_messaging_rabbit']
    assert {k: rabbit[k] for k in ('rabbit_quorum_queue',
                                   'amqp_durable_queues') if k in rabbit
            } == flags
    assert rabbit['rabbit_interval_max'] == '10'


def test_an_unknown_queue_type_blocks_and_keeps_the_last_good_config(
        reactive_unit):
    run(reactive_unit, 'install')
    relate_core(reactive_unit)
    before = open(reactive_unit.conf).read()
    reactive_unit.init.forget()
    reactive_unit.juju.config['rabbit-queue-type'] = 'mirrored'
    run(reactive_unit, 'config-changed')
    assert reactive_unit.juju.status == (
        'blocked', 'Invalid config: rabbit-queue-type: must be one of '
        'durable, quorum, transient')
    assert open(reactive_unit.conf).read() == before
    assert reactive_unit.init.calls == []
    # back to a type: every daemon reads the new names
    reactive_unit.juju.config['rabbit-queue-type'] = 'durable'
    run(reactive_unit, 'config-changed')
    assert ini(reactive_unit.conf)['engine']['topic'] == \
        'mistral_engine_durable'
    restarted = {name for verb, name in reactive_unit.init.calls
                 if verb == 'restart'}
    assert {'mistral-engine', 'mistral-executor', 'mistral-api',
            'mistral-event-engine'} <= restarted, reactive_unit.init.calls


@pytest.mark.parametrize('timeout, interval, missed', [
    (60, 10, 6), (30, 5, 6), (7, 1, 7), (1000, 167, 6), (0, 0, 0)])
def test_lost_actions_fail_within_the_heartbeat_timeout(
        reactive_unit, timeout, interval, missed):
    # Mistral fails an action unheard of for check_interval x missed
    # heartbeats; one never taken by an executor after the start timeout.
    reactive_unit.juju.config.update({'action-heartbeat-timeout': timeout,
                                      'action-start-timeout': 90})
    run(reactive_unit, 'install')
    relate_core(reactive_unit)
    beat = ini(reactive_unit.conf)['action_heartbeat']
    assert (int(beat['check_interval']), int(beat['max_missed_heartbeats'])
            ) == (interval, missed)
    assert abs(interval * missed - timeout) <= interval / 2
    assert beat['first_heartbeat_timeout'] == '90'


def test_the_default_heartbeats_ride_out_a_90_s_broker_outage(
        reactive_unit):
    run(reactive_unit, 'install')
    relate_core(reactive_unit)
    beat = ini(reactive_unit.conf)['action_heartbeat']
    rabbit = ini(reactive_unit.conf)['oslo_messaging_rabbit']
    # Mistral's own defaults are 20 s x 15 and 3600 s for the first.
    # No heartbeat arrives while the broker is down, and one may come a
    # reconnect back-off and a check interval after it is back: an
    # action alive through 90 s of outage is not failed.
    interval = int(beat['check_interval'])
    bound = interval * int(beat['max_missed_heartbeats'])
    assert bound == 120
    assert 90 + int(rabbit['rabbit_interval_max']) + interval <= bound
    assert beat['first_heartbeat_timeout'] == '120'


def test_openstack_upgrade_renders_the_new_release_with_the_relations(
        reactive_unit, monkeypatch):
    # An action is no hook: nothing but the charm starts the endpoints,
    # and without them the new release's config has no database in it.
    import openstack_base.instance as instance
    from charmhelpers.core import hookenv, host
    from openstack_base import actions
    monkeypatch.setattr(host, 'lsb_release',
                        lambda: {'DISTRIB_CODENAME': 'jammy'})
    reactive_unit.landed = 'yoga'   # what apt installed: the charm's release
    monkeypatch.setattr(instance, 'select_release',
                        lambda base: reactive_unit.landed)
    instance.forget_charm_instance()
    run(reactive_unit, 'install')
    relate_core(reactive_unit)
    before = ini(reactive_unit.conf)
    reactive_unit.juju.config.update({'action-managed-upgrade': True,
                                      'openstack-origin': 'cloud:jammy-zed'})
    run(reactive_unit, 'config-changed')
    assert reactive_unit.juju.status == (
        'active', 'Unit is ready (openstack-upgrade to zed available)')
    reactive_unit.offered = 'zed'
    results = {}
    monkeypatch.setattr(hookenv, 'action_set', results.update)
    monkeypatch.setattr(hookenv, 'action_fail',
                        lambda message: results.setdefault('fail', message))
    monkeypatch.setattr(hookenv, 'action_get', lambda key=None: None)
    instance.forget_charm_instance()
    with reactive_unit.juju.action('openstack-upgrade'):
        assert actions.main(['/charm/actions/openstack-upgrade']) == 0
    assert 'fail' not in results, results
    assert (results['from'], results['to']) == ('yoga', 'zed')
    after = ini(reactive_unit.conf)
    for section, key in (('database', 'connection'),
                         ('DEFAULT', 'transport_url'),
                         ('keystone_authtoken', 'password')):
        assert after[section][key] == before[section][key], key


def test_a_dead_units_amqp_connections_drop_before_its_requests_expire(
        reactive_unit):
    # RabbitMQ requeues what a dead unit held only once it drops the
    # unit's connections: within the heartbeat timeout, which must be
    # below the 60 s an RPC request waits in the queue
    run(reactive_unit, 'install')
    relate_core(reactive_unit)
    rabbit = ini(reactive_unit.conf)['oslo_messaging_rabbit']
    assert int(rabbit['heartbeat_timeout_threshold']) == 20
    reactive_unit.juju.config['rabbit-heartbeat-timeout'] = 0
    run(reactive_unit, 'config-changed')
    assert ini(reactive_unit.conf)['oslo_messaging_rabbit'][
        'heartbeat_timeout_threshold'] == '0'


def test_the_database_session_timeout_can_be_left_to_the_server(reactive_unit):
    run(reactive_unit, 'install')
    relate_core(reactive_unit)
    reactive_unit.juju.config['database-idle-timeout'] = 0
    run(reactive_unit, 'config-changed')
    database = ini(reactive_unit.conf)['database']
    assert 'connection' in database
    assert 'connection_parameters' not in database


def test_every_daemon_restarts_itself_when_it_dies(reactive_unit):
    # systemd does not run here: read the definitions it would load
    run(reactive_unit, 'install')
    relate_core(reactive_unit)
    names = [d.name for d in reactive_unit.charm().daemons()]
    assert 'mistral-engine' in names and 'mistral-executor' in names
    for name in names:
        definition = configparser.ConfigParser(interpolation=None,
                                               strict=False)
        definition.read(os.path.join(reactive_unit.init.definitions_dir,
                                     name + '.service'))
        service = definition['Service']
        assert service['Restart'] == 'on-failure', name
        assert int(service['RestartSec']) <= 10, name
        assert service['ExecStart'].startswith('/usr/bin/mistral-server ')


def test_a_series_upgrade_stops_the_services_until_it_is_complete(
        reactive_unit):
    run(reactive_unit, 'install')
    relate_core(reactive_unit)
    assert 'mistral-engine' in reactive_unit.init.running
    run(reactive_unit, 'pre-series-upgrade')
    assert reactive_unit.init.running == set()
    assert reactive_unit.juju.status == (
        'blocked', 'Ready for do-release-upgrade and reboot. Set complete '
        'when finished.')
    run(reactive_unit, 'config-changed')            # stays stopped meanwhile
    assert reactive_unit.init.running == set()
    run(reactive_unit, 'post-series-upgrade')
    assert 'mistral-engine' in reactive_unit.init.running
    assert reactive_unit.juju.status == ('active', 'Unit is ready')


def test_the_local_stories_baked_image_has_what_install_installs(
        reactive_unit, monkeypatch):
    # local/image.py: the image later deployments of a func-local run boot
    from local import image
    deploy(reactive_unit, monkeypatch, 'zed', 'bookworm')
    run(reactive_unit, 'install')
    assert sorted(reactive_unit.installed) == sorted(image.PACKAGES)
