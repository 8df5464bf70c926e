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
from charm.openstack import mistral

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PEERS = yaml.safe_load(open(os.path.join(HERE, '..', 'data', 'peers.yaml')))
HANDLERS = 'layers/openstack-base/reactive/openstack_base_handlers.py'


SERIES = {'yoga': 'jammy', 'zed': 'bookworm', 'caracal': 'noble'}


@pytest.fixture
def story(unit):
    """The unit with only this charm's handlers registered on the bus,
    as in a hook's fresh process."""
    bus.Handler.clear()
    spec = importlib.util.spec_from_file_location(
        'story_handlers', os.path.join(ROOT, HANDLERS))
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


def test_install_leaves_everything_stopped(story):
    run(story, 'install')
    assert 'mistral-engine' in story.installed
    assert 'haproxy' in story.installed
    assert sorted(os.listdir(story.init.definitions_dir)) == [
        'mistral-api', 'mistral-cron-trigger', 'mistral-engine',
        'mistral-engine-2', 'mistral-event-engine', 'mistral-executor']
    assert story.init.running == set()
    assert story.juju.status == (
        'blocked', "Missing relations: 'amqp', 'identity-service', "
        "'shared-db' or 'db'")


@pytest.mark.parametrize('release', ['yoga', 'zed', 'caracal'])
@pytest.mark.parametrize('database', ['mysql', 'postgresql'])
def test_relations_one_by_one_until_active(story, monkeypatch, release,
                                           database):
    import openstack_base.instance as instance
    from charmhelpers.core import host
    monkeypatch.setattr(instance, 'select_release', lambda base: release)
    monkeypatch.setattr(host, 'lsb_release',
                        lambda: {'DISTRIB_CODENAME': SERIES[release]})
    instance.forget_charm_instance()
    run(story, 'install')

    amqp = add_peer(story, 'amqp', 'rabbitmq-server')
    assert story.juju.local_data(amqp)['username'] == 'mistral'
    assert story.juju.local_data(amqp)['vhost'] == 'openstack'
    assert story.juju.status[0] == 'blocked'
    answer(story, amqp, 'rabbitmq-server')

    if database == 'mysql':
        db = add_peer(story, 'shared-db', 'mysql-router')
        sent = story.juju.local_data(db)
        assert (sent['database'], sent['username'], sent['hostname']) == (
            'mistral', 'mistral', '10.0.0.10')
        answer(story, db, 'mysql-router')
        expected_db = ('mysql+pymysql://mistral:mysql%3Apw%40@127.0.0.1:'
                       '3306/mistral?charset=utf8')
        idle_session = {'init_command': ['SET SESSION wait_timeout = 30']}
    else:
        story.juju.address = '10.0.0.10'
        db = add_peer(story, 'db', 'postgresql')
        assert story.juju.local_data(db)['database'] == 'mistral'
        answer(story, db, 'postgresql')
        expected_db = ('postgresql+psycopg2://mistral_u:pgpw@10.5.3.1:5432/'
                       'mistral')
        idle_session = {
            'options': ['-c idle_in_transaction_session_timeout=30s']}

    keystone = add_peer(story, 'identity-service', 'keystone')
    sent = story.juju.local_data(keystone)
    assert sent['service'] == 'mistral'
    assert sent['region'] == 'RegionOne'
    assert sent['public_url'] == 'http://10.0.0.10:8989/v2'
    assert sent['admin_url'] == 'http://10.0.0.10:8989/v2'
    assert story.juju.status == (
        'waiting', "Incomplete relations: 'identity-service'")
    answer(story, keystone, 'keystone')

    assert story.juju.status == ('active', 'Unit is ready')
    conf = ini(story.conf)
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
    assert [c[-1] for c in story.sync_calls] == ['head', 'populate']
    assert 'mistral-api' in story.init.running
    haproxy = open(story.haproxy).read()
    assert 'bind *:8989' in haproxy
    assert 'server mistral-0 10.0.0.10:8979 check' in haproxy
    assert '    option redispatch' in haproxy.splitlines()
    cron = ini(str(story.etc / 'cron.conf'))
    assert cron['cron_trigger']['enabled'] == 'True'
    assert cron['api']['host'] == '127.0.0.1'


def test_update_status_only_checks(story):
    run(story, 'install')
    relate_core(story)
    assert story.juju.status == ('active', 'Unit is ready')
    story.init.forget()
    story.init.running.discard('mistral-executor')
    run(story, 'update-status')
    assert story.init.calls == []
    assert story.juju.status == (
        'blocked', 'Services not running that should be: mistral-executor')
    run(story, 'config-changed')
    assert story.init.calls == [('start', 'mistral-executor')]


def test_both_databases_block_and_stop(story):
    run(story, 'install')
    relate_core(story)
    assert 'mistral-api' in story.init.running
    answer(story, add_peer(story, 'db', 'postgresql'), 'postgresql')
    assert story.juju.status == (
        'blocked', "Conflicting relations: 'shared-db' and 'db' (relate "
        "only one)")
    assert story.init.running == set()


def test_rabbitmq_over_tls(story):
    import base64
    pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'
    run(story, 'install')
    amqp = add_peer(story, 'amqp', 'rabbitmq-server')
    for name, data in PEERS['rabbitmq-server'].items():
        story.juju.change(amqp, name, dict(
            data, ssl_port='5671',
            ssl_ca=base64.b64encode(pem.encode()).decode()))
    for app, endpoint in (('mysql-router', 'shared-db'),
                          ('keystone', 'identity-service')):
        answer(story, add_peer(story, endpoint, app), app)
    conf = ini(story.conf)
    assert conf['oslo_messaging_rabbit']['ssl'] == 'true'
    ca_file = conf['oslo_messaging_rabbit']['ssl_ca_file']
    assert open(ca_file).read() == pem
    assert ':5671,' in conf['DEFAULT']['transport_url']


def test_nrpe_checks_for_every_daemon_and_the_api(story, tmp_path,
                                                  monkeypatch):
    import relation_sim
    provides = relation_sim.load_interface('nrpe-external-master',
                                           'provides',
                                           story.juju.charm_dir)
    monkeypatch.setattr(provides.NrpeExternalMasterProvides,
                        'NRPE_CONF_DIR', str(tmp_path / 'nrpe.d'))
    monkeypatch.setattr(provides.NrpeExternalMasterProvides,
                        'NAGIOS_EXPORT_DIR', str(tmp_path / 'export'))
    run(story, 'install')
    rid = story.juju.relate('nrpe-external-master', 'nrpe')
    story.juju.join(rid, 'nrpe/0')
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
    monitors = yaml.safe_load(story.juju.local_data(rid)['monitors'])
    assert sorted(monitors['monitors']['remote']['nrpe']) == sorted(
        c[len('check_'):-len('.cfg')] for c in checks)
    # Unchanged checks are not rewritten on the next hook.
    os.remove(tmp_path / 'nrpe.d' / 'check_mistral-engine.cfg')
    run(story, 'config-changed')
    assert not os.path.exists(tmp_path / 'nrpe.d' /
                              'check_mistral-engine.cfg')
    story.juju.config['nagios_context'] = 'site'
    run(story, 'config-changed')
    assert os.path.exists(tmp_path / 'nrpe.d' / 'check_mistral-engine.cfg')


def test_removed_relation_takes_its_credentials_away(story):
    run(story, 'install')
    rids = {}
    for app, endpoint in (('rabbitmq-server', 'amqp'),
                          ('mysql-router', 'shared-db'),
                          ('keystone', 'identity-service')):
        rids[endpoint] = add_peer(story, endpoint, app)
        answer(story, rids[endpoint], app)
    assert 'rabbit%20pw' in open(story.conf).read()
    story.juju.break_relation(rids['amqp'])
    conf = open(story.conf).read()
    assert 'transport_url' not in conf and 'rabbit%20pw' not in conf
    assert 'ks-secret' in conf          # the other relations' stay
    assert story.init.running == set()
    assert story.juju.status == ('blocked', "Missing relations: 'amqp'")


def test_upgrade_charm_with_no_change_restarts_nothing(story):
    run(story, 'install')
    relate_core(story)
    assert story.juju.status == ('active', 'Unit is ready')
    story.init.forget()
    run(story, 'upgrade-charm')
    assert story.init.calls == []
    assert story.juju.status == ('active', 'Unit is ready')


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
        story, endpoint, app, bad, expected):
    run(story, 'install')
    for peer_app, peer_endpoint in (('rabbitmq-server', 'amqp'),
                                    ('mysql-router', 'shared-db'),
                                    ('keystone', 'identity-service')):
        rid = add_peer(story, peer_endpoint, peer_app)
        for name, data in PEERS[peer_app].items():
            story.juju.change(rid, name, dict(
                data, **(bad if peer_app == app else {})))
    assert story.juju.status == ('waiting',
                                 'Incomplete relations: ' + expected)
    assert story.init.running == set()
    warnings = [m for m in story.juju.logs if 'sent unusable data' in str(m)]
    assert len(warnings) == (0 if expected == "'amqp'" else 1)
    run(story, 'update-status')     # not logged again
    assert len([m for m in story.juju.logs
                if 'sent unusable data' in str(m)]) == len(warnings)


def deploy(story, monkeypatch, release, series):
    """The unit installs this release, on this series."""
    import openstack_base.instance as instance
    from charmhelpers.core import host
    monkeypatch.setattr(instance, 'select_release', lambda base: release)
    monkeypatch.setattr(host, 'lsb_release',
                        lambda: {'DISTRIB_CODENAME': series})
    from openstack_base import apt
    monkeypatch.setattr(apt, 'not_installed', lambda packages: [
        p for p in packages if p not in story.installed])
    instance.forget_charm_instance()


def said_missing(story):
    """The warnings logged about mistral-extra."""
    return [message for message, level in story.juju.logs
            if 'mistral-extra is not installed' in message
            and level == 'WARNING']


# Ubuntu packages mistral-extra from 26.04 (gazpacho) on: none of these
# archives has it, whatever apt is asked.
@pytest.mark.parametrize('release,series', [
    ('yoga', 'jammy'), ('zed', 'bookworm'), ('caracal', 'noble'),
    ('flamingo', 'noble')])
def test_no_openstack_actions_before_gazpacho_said_once(
        story, monkeypatch, release, series):
    deploy(story, monkeypatch, release, series)
    if release == 'flamingo':
        story.juju.config['openstack-origin'] = 'cloud:noble-flamingo'
    run(story, 'install')
    assert not [p for p in story.installed if 'mistral-extra' in p]
    relate_core(story)
    run(story, 'update-status')
    assert said_missing(story) == [
        'mistral-extra is not installed (not packaged for {}): no '
        'OpenStack actions (nova.*, glance.*, ...), so '
        'use-internal-endpoints has no effect'.format(release)]
    assert story.juju.status == ('active', 'Unit is ready')
    story.juju.config['use-internal-endpoints'] = True
    run(story, 'config-changed')
    assert story.juju.status == (
        'active', 'Unit is ready (use-internal-endpoints has no effect '
        'without mistral-extra)')
    assert len(said_missing(story)) == 1


@pytest.mark.parametrize('in_archive', [True, False])
def test_gazpacho_installs_mistral_extra_where_apt_finds_it(
        story, monkeypatch, in_archive):
    from openstack_base import apt
    deploy(story, monkeypatch, 'gazpacho', 'noble')
    monkeypatch.setattr(apt, 'in_archive', lambda package: in_archive)
    story.juju.config['openstack-origin'] = 'cloud:noble-gazpacho'
    story.juju.config['use-internal-endpoints'] = True
    run(story, 'install')
    assert ('mistral-extra' in story.installed) == in_archive
    relate_core(story)
    assert said_missing(story) == ([] if in_archive else [
        'mistral-extra is not installed (apt finds none): no OpenStack '
        'actions (nova.*, glance.*, ...), so use-internal-endpoints has '
        'no effect'])
    assert story.juju.status[1].endswith(
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


def test_tokens_are_cached_on_every_units_memcached_encrypted(story):
    run(story, 'install')
    relate_core(story)
    peers = story.juju.relate('cluster', 'mistral')
    story.juju.join(peers, 'mistral/1', {'private-address': '10.0.0.11'})
    assert 'memcache' not in open(story.conf).read()
    auth = ini(story.token_cache_conf)['keystone_authtoken']
    assert auth['memcached_servers'] == '10.0.0.10:11211,10.0.0.11:11211'
    assert auth['memcache_security_strategy'] == 'ENCRYPT'
    key = story.juju.leader_data['memcache-secret-key']
    assert auth['memcache_secret_key'] == key and len(key) == 64
    assert '-l 10.0.0.10,127.0.0.1\n' in open(story.memcached_conf).read()
    assert 'memcached' in story.init.running
    assert 'python3-memcache' in story.installed
    # only the API reads the servers: a peer joining restarts nothing else
    readers = [d.name for d in story.charm().daemons()
               if mistral.TOKEN_CACHE_CONF in d.command]
    assert readers == ['mistral-api']
    story.init.forget()
    story.juju.join(peers, 'mistral/2', {'private-address': '10.0.0.12'})
    assert ini(story.token_cache_conf)['keystone_authtoken'][
        'memcached_servers'].endswith(',10.0.0.12:11211')
    restarted = {name for verb, name in story.init.calls
                 if verb == 'restart'}
    assert restarted == {'mistral-api', 'haproxy'}, story.init.calls


@pytest.mark.parametrize('timeout, interval, missed', [
    (60, 10, 6), (30, 5, 6), (7, 1, 7), (1000, 167, 6), (0, 0, 0)])
def test_lost_actions_fail_within_the_heartbeat_timeout(
        story, timeout, interval, missed):
    # Mistral fails an action unheard of for check_interval x missed
    # heartbeats; one never taken by an executor after the start timeout.
    story.juju.config.update({'action-heartbeat-timeout': timeout,
                              'action-start-timeout': 90})
    run(story, 'install')
    relate_core(story)
    beat = ini(story.conf)['action_heartbeat']
    assert (int(beat['check_interval']), int(beat['max_missed_heartbeats'])
            ) == (interval, missed)
    assert abs(interval * missed - timeout) <= interval / 2
    assert beat['first_heartbeat_timeout'] == '90'


def test_the_default_heartbeats_bound_a_lost_action_to_a_minute(story):
    run(story, 'install')
    relate_core(story)
    beat = ini(story.conf)['action_heartbeat']
    # Mistral's own defaults are 20 s x 15 and 3600 s for the first
    assert int(beat['check_interval']) * int(
        beat['max_missed_heartbeats']) == 60
    assert beat['first_heartbeat_timeout'] == '120'


def test_openstack_upgrade_renders_the_new_release_with_the_relations(
        story, monkeypatch):
    # An action is no hook: nothing but the charm starts the endpoints,
    # and without them the new release's config has no database in it.
    import openstack_base.instance as instance
    from charmhelpers.core import hookenv, host
    from openstack_base import actions
    monkeypatch.setattr(host, 'lsb_release',
                        lambda: {'DISTRIB_CODENAME': 'jammy'})
    story.landed = 'yoga'       # what apt installed: the charm's release
    monkeypatch.setattr(instance, 'select_release',
                        lambda base: story.landed)
    instance.forget_charm_instance()
    run(story, 'install')
    relate_core(story)
    before = ini(story.conf)
    story.juju.config.update({'action-managed-upgrade': True,
                              'openstack-origin': 'cloud:jammy-zed'})
    run(story, 'config-changed')
    assert story.juju.status == (
        'active', 'Unit is ready (openstack-upgrade to zed available)')
    story.offered = 'zed'
    results = {}
    monkeypatch.setattr(hookenv, 'action_set', results.update)
    monkeypatch.setattr(hookenv, 'action_fail',
                        lambda message: results.setdefault('fail', message))
    monkeypatch.setattr(hookenv, 'action_get', lambda key=None: None)
    instance.forget_charm_instance()
    with story.juju.action('openstack-upgrade'):
        assert actions.main(['/charm/actions/openstack-upgrade']) == 0
    assert 'fail' not in results, results
    assert (results['from'], results['to']) == ('yoga', 'zed')
    after = ini(story.conf)
    for section, key in (('database', 'connection'),
                         ('DEFAULT', 'transport_url'),
                         ('keystone_authtoken', 'password')):
        assert after[section][key] == before[section][key], key


def test_a_dead_units_amqp_connections_drop_before_its_requests_expire(
        story):
    # RabbitMQ requeues what a dead unit held only once it drops the
    # unit's connections: within the heartbeat timeout, which must be
    # below the 60 s an RPC request waits in the queue
    run(story, 'install')
    relate_core(story)
    rabbit = ini(story.conf)['oslo_messaging_rabbit']
    assert int(rabbit['heartbeat_timeout_threshold']) == 20
    story.juju.config['rabbit-heartbeat-timeout'] = 0
    run(story, 'config-changed')
    assert ini(story.conf)['oslo_messaging_rabbit'][
        'heartbeat_timeout_threshold'] == '0'


def test_the_database_session_timeout_can_be_left_to_the_server(story):
    run(story, 'install')
    relate_core(story)
    story.juju.config['database-idle-timeout'] = 0
    run(story, 'config-changed')
    database = ini(story.conf)['database']
    assert 'connection' in database
    assert 'connection_parameters' not in database


def test_under_systemd_every_daemon_restarts_itself_when_it_dies(
        story, monkeypatch):
    # systemd does not run here: read the definitions it would load
    from openstack_base import init_system
    monkeypatch.setattr(init_system, 'uses_systemd', lambda: True)
    run(story, 'install')
    relate_core(story)
    names = [d.name for d in story.charm().daemons()]
    assert 'mistral-engine' in names and 'mistral-executor' in names
    for name in names:
        definition = configparser.ConfigParser(interpolation=None,
                                               strict=False)
        definition.read(os.path.join(story.init.definitions_dir, name))
        service = definition['Service']
        assert service['Restart'] == 'on-failure', name
        assert int(service['RestartSec']) <= 10, name
        assert service['ExecStart'].startswith('/usr/bin/mistral-server ')


def test_a_series_upgrade_stops_the_services_until_it_is_complete(story):
    run(story, 'install')
    relate_core(story)
    assert 'mistral-engine' in story.init.running
    run(story, 'pre-series-upgrade')
    assert story.init.running == set()
    assert story.juju.status == (
        'blocked', 'Ready for do-release-upgrade and reboot. Set complete '
        'when finished.')
    run(story, 'config-changed')            # stays stopped meanwhile
    assert story.init.running == set()
    run(story, 'post-series-upgrade')
    assert 'mistral-engine' in story.init.running
    assert story.juju.status == ('active', 'Unit is ready')
