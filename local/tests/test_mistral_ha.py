"""High availability, shown: three Mistral units, each its own machine,
behind a VIP that hacluster's pacemaker moves, on one shared deployment
(the MySQL one, grown to three units and related to hacluster).

Stories, in order: three units active with one migration and the VIP in
the catalog; the VIP spreads requests over every unit's API; the VIP's
machine lost under load (a machine without the VIP lost, and the VIP's
cut off, under load with executions running, are in test_mistral_faults.py);
scale down (the leader goes) and back up
under load, restarting nothing on the units that stay, with a cron
trigger firing through the leader changes, then the new
leader reconciles the workflows option; TLS at the VIP.
Figures are printed (`pytest -s` shows them)."""

import os
import socket
import ssl
import subprocess
import time
import urllib.request

import pytest
import yaml

from local import figures
from local.mistral_user import (
    create_workflows, delete_cron_trigger_if_any, run_workflow, wait_answering)
from local.providers import keystone, keystone_api
from local.providers.vault import Vault
from local.tests.mistral_site import (
    HAPROXY_DOWN, MISTRAL_SERVICES, PORT, READY, SHARED, VIP,
    VIP_FAILOVER, VIP_SLACK, VIP_TOKEN, Load, check_once_a_minute, created,
    cron_figures, fan_out, new_executions, record, record_cron, report,
    vip_client, wait_all_ready, wait_until)

pytestmark = pytest.mark.needs_root


def catalog(deployed):
    provider = keystone.Keystone(
        os.path.join(deployed.model.root, 'providers', 'keystone'))
    _, body = keystone_api.password_token(
        'admin', provider.admin_password(), 'admin')
    return {interface: keystone_api.find_endpoint(body, 'workflowv2',
                                                  interface)
            for interface in ('public', 'internal', 'admin')}


def api_requests(deployed, unit):
    """How many API requests a unit's mistral-api has logged."""
    found = deployed.inside('grep', '-c', '"GET /v2/',
                            '/var/log/mistral/mistral-api.log',
                            check=False, unit=unit)
    return int(found.stdout.strip() or 0)


def test_three_units_active_one_migration_catalog_at_the_vip(ha_deployment):
    units = ha_deployment.units()
    assert len(units) == 3
    for unit in units:
        assert ha_deployment.workload(unit) == READY
        # units that joined later wait for the leader's migration and
        # never run their own
        assert ('maintenance', 'Migrating the database') not in [
            (h['status'], h['message'])
            for h in ha_deployment.unit_record(unit).get('status-history', [])
            if h['since'] >= ha_deployment.started], unit
    migrated = [unit for unit in units
                if 'Migrating the database to' in open(
                    '{}/units/{}/unit.log'.format(
                        ha_deployment.model.root,
                        unit.replace('/', '-'))).read()]
    assert migrated == [units[0]]
    addresses = {ha_deployment.address(unit) for unit in units}
    assert len(addresses) == 3 and VIP not in addresses
    assert catalog(ha_deployment) == {
        interface: 'http://{}:{}/v2'.format(VIP, PORT)
        for interface in ('public', 'internal', 'admin')}


def test_the_vip_spreads_requests_over_every_units_api(ha_deployment):
    api = vip_client(ha_deployment)
    before = {unit: api_requests(ha_deployment, unit)
              for unit in ha_deployment.units()}
    for _ in range(300):
        api.request('GET', '/workflows?limit=1')
    served = {unit: api_requests(ha_deployment, unit) - before[unit]
              for unit in ha_deployment.units()}
    record('300 requests through the VIP, per backend: {}'.format(served))
    figures.record({'requests answered by ' + unit: count
                    for unit, count in served.items()})
    assert sum(served.values()) == 300
    assert all(count > 0 for count in served.values()), served


def revive(deployed, unit):
    deployed.controller.revive_unit(unit)
    assert deployed.wait_ready(unit=unit) == READY


# The load's length: 30 s after the kill, past the move (at most
# VIP_FAILOVER + VIP_SLACK) and haproxy's checks (HAPROXY_DOWN).
VIP_LOAD_SECONDS = 40


def test_the_vip_moves_off_a_lost_machine_within_pacemakers_bound(
        ha_deployment):
    holder = ha_deployment.vip_holder()
    try:
        vip_moves_off(ha_deployment, holder)
    finally:
        # the stories after this one need three units, whatever it found
        revive(ha_deployment, holder)


def vip_moves_off(ha_deployment, holder):
    with Load(vip_client(ha_deployment)) as load:
        load.run_for(10)
        killed_at = time.monotonic()
        ha_deployment.controller.kill_unit(holder, wait=False)
        moved = wait_until(
            lambda: ha_deployment.vip_holder() not in (None, holder) and
            ha_deployment.vip_holder(), 'the VIP moved', 30, interval=0.2)
        moved_after = time.monotonic() - killed_at
        load.run_for(VIP_LOAD_SECONDS)
    # the election after the lease runs while the others keep serving
    ha_deployment.controller.elect('mistral')
    sent, succeeded, outage = report(
        '{} (holding the VIP) killed, VIP on {} after {:.1f} s'.format(
            holder, moved, moved_after), load)
    figures.record({'VIP moved after (s)': round(moved_after, 1)})
    # declared dead by corosync's token timeout, not sooner
    assert VIP_TOKEN - 0.5 <= moved_after <= VIP_FAILOVER + VIP_SLACK
    # requests are answered again right after the move...
    assert outage <= moved_after + 2, outage
    # ...but for those the new holder's haproxy still sends the dead
    # machine until its checks mark it down: every one sent after both
    # succeeds
    late, failed = load.failed_after(
        killed_at, killed_at + max(moved_after, HAPROXY_DOWN))
    assert late and not failed, 'failed, sent s after the kill: ' + \
        ' '.join(failed)


def haproxy_backends(deployed, unit):
    """The API backend servers in a unit's haproxy.cfg: {name: address}."""
    conf = deployed.inside('cat', '/etc/haproxy/haproxy.cfg',
                           unit=unit).stdout
    servers = [line.split() for line in conf.splitlines()
               if line.strip().startswith('server ')]
    return {fields[1]: fields[2].rpartition(':')[0] for fields in servers}


def mysql_hosts_granted():
    """The hosts the mistral database user is granted on (MariaDB)."""
    found = subprocess.run(
        ['mysql', '-N', '-e', "SELECT Host FROM mysql.db WHERE "
         "User = 'mistral' AND Db = 'mistral'"],
        capture_output=True, text=True, check=True).stdout.split()
    return set(found) - {'localhost', '127.0.0.1'}


def amqp_peers():
    """The addresses RabbitMQ's clients connect from."""
    found = subprocess.run(
        ['rabbitmqctl', '-q', 'list_connections', 'peer_host'],
        capture_output=True, text=True, check=True).stdout.split()
    return set(found) - {'peer_host'}


def follows(deployed):
    """Every unit's haproxy, the MySQL grants and RabbitMQ's connections
    name exactly the live units."""
    addresses = {deployed.address(unit) for unit in deployed.units()}
    for unit in deployed.units():
        assert set(haproxy_backends(deployed, unit).values()) == \
            addresses, unit
    assert mysql_hosts_granted() == addresses
    wait_until(lambda: amqp_peers() == addresses,
               'RabbitMQ connections from {}'.format(sorted(addresses)),
               60)


def runs_a_workflow(deployed):
    api = vip_client(deployed)
    wait_answering(api, 60)
    fan_out(api)


def cron_units(deployed):
    return [unit for unit in deployed.units()
            if deployed.pid('mistral-cron-trigger', unit)]


def scaled_under_load(deployed, scale, step, keep=MISTRAL_SERVICES):
    """Run ``scale`` (which adds or removes a unit) while requests go
    through the VIP; then no process of ``keep`` on the units that stay
    is replaced (their token caches are their own; haproxy reloads its
    backends) and every request is answered."""
    staying = deployed.units()
    before = {unit: deployed.pids(keep, unit=unit) for unit in staying}
    with Load(vip_client(deployed)) as load:
        changed = scale()
        wait_all_ready(deployed)
        load.run_for(10)   # the backends as they are after the change
    staying = [unit for unit in staying if unit != changed]
    sent, succeeded, outage = report(step, load, step)
    after = {unit: deployed.pids(keep, unit=unit) for unit in staying}
    replaced = sorted('{} {}'.format(unit, name) for unit in staying
                      for name in keep
                      if before[unit][name] != after[unit][name])
    record('{}: {} of {} Mistral processes on the other units replaced: '
           '{}'.format(step, len(replaced), len(staying) * len(keep),
                       replaced))
    assert replaced == []
    assert succeeded == sent
    return changed


def test_scale_down_and_up_with_a_cron_trigger_through_leader_changes(
        ha_deployment):
    """The leader leaves (two units), the new leader pauses, a third unit
    joins again; a cron trigger fires once a minute all along, and the
    haproxy backends, the database grants and RabbitMQ's connections
    follow the units. Requests go through the VIP while the leader
    leaves and while the unit joins: every one is answered, and no
    Mistral process of the units that stay is replaced (but the cron
    trigger process, which follows leadership)."""
    follows(ha_deployment)
    api = vip_client(ha_deployment)
    create_workflows(api, SHARED.CRON_DEFINITION)
    name = 'ha-every-minute'
    delete_cron_trigger_if_any(api, name)
    before = {e['id'] for e in api.executions(
        workflow_name=SHARED.CRON_WORKFLOW, limit=1000)}

    def fired():
        return new_executions(api, SHARED.CRON_WORKFLOW, before)

    def next_fire(count):
        return wait_until(lambda: len(fired()) >= count and fired(),
                          'cron execution {}'.format(count), 150)

    assert cron_units(ha_deployment) == [ha_deployment.leader()]
    api.create_cron_trigger({
        'name': name, 'workflow_name': SHARED.CRON_WORKFLOW,
        'pattern': SHARED.CRON_PATTERN})
    paused = None
    try:
        next_fire(1)
        removed = ha_deployment.leader()        # the leader goes: two units
        gone = ha_deployment.address(removed)

        def remove_leader():
            ha_deployment.controller.remove_unit(removed)
            assert len(ha_deployment.units()) == 2
            assert cron_units(ha_deployment) == [ha_deployment.leader()]
            return removed
        scaled_under_load(ha_deployment, remove_leader, 'remove-unit',
                          keep=[name for name in MISTRAL_SERVICES
                                if name != 'mistral-cron-trigger'])
        follows(ha_deployment)
        assert gone not in mysql_hosts_granted()
        runs_a_workflow(ha_deployment)
        next_fire(2)
        paused = ha_deployment.leader()         # the new leader pauses
        ha_deployment.controller.run_action(paused, 'pause', [])
        assert ha_deployment.leader() == paused
        handed = cron_units(ha_deployment)
        assert len(handed) == 1 and handed != [paused], handed
        next_fire(3)
        ha_deployment.controller.run_action(paused, 'resume', [])
        paused = None
        # back on the leader
        assert cron_units(ha_deployment) == [ha_deployment.leader()]
        added = scaled_under_load(                              # three again
            ha_deployment, lambda: ha_deployment.controller.add_unit(
                'mistral'), 'add-unit')
        assert len(ha_deployment.units()) == 3
        follows(ha_deployment)
        assert ha_deployment.address(added) in mysql_hosts_granted()
        runs_a_workflow(ha_deployment)
        time.sleep(20)                  # time for a duplicate to show
        executions = fired()
    finally:
        delete_cron_trigger_if_any(api, name)
        if paused:
            ha_deployment.controller.run_action(paused, 'resume', [])
    times = [created(e) for e in executions]
    record('cron executions with the leader removed, then paused, then a '
           'unit added: {}'.format(cron_figures(times)))
    record_cron(times)
    check_once_a_minute(times, least=3)
    assert cron_units(ha_deployment) == [ha_deployment.leader()]
    ha_deployment.removed_leader = removed


JOB = """version: '2.0'
ha_job_report:
  tasks:
    say:
      action: std.echo output=hello
"""


def test_the_new_leader_reconciles_the_workflows_option(ha_deployment):
    # In the module's order the cron story has removed a leader: the one
    # elected after it applies the option, and removes what it made.
    leader = ha_deployment.leader()
    assert leader is not None and leader != getattr(
        ha_deployment, 'removed_leader', leader)
    service = ha_deployment.service_client(leader)
    ha_deployment.controller.config('mistral', ['workflows=' + yaml.safe_dump(
        {'workflows': {'ha_job_report': JOB}})])
    try:
        assert ha_deployment.wait_ready(unit=leader, timeout=60, message=(
            'Unit is ready (1 workflow, 0 cron triggers from config)'))
        assert set(service.workflows('juju')) == {'ha_job_report'}
        # every unit's API serves it (one database behind them all)
        for unit in ha_deployment.units():
            assert 'ha_job_report' in ha_deployment.service_client(
                unit).workflows('juju'), unit
    finally:
        ha_deployment.controller.config('mistral', reset=['workflows'])
    assert set(service.workflows('juju')) == set()
    wait_all_ready(ha_deployment)


# -- TLS at the VIP -------------------------------------------------------
def handshake(address, ca_file, version=None):
    """The certificate served on address:PORT, verified against the CA,
    optionally offering exactly one TLS version."""
    context = ssl.create_default_context(cafile=ca_file)
    if version is not None:
        context.minimum_version = context.maximum_version = version
        context.set_ciphers('DEFAULT:@SECLEVEL=0')  # let the client try
    with socket.create_connection((address, PORT), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname=address) as tls:
            return tls.getpeercert()


def certificate_names(deployed, unit):
    """The subjectAltNames of the certificate a unit's apache2 holds."""
    found = deployed.inside(
        'sh', '-c', 'openssl x509 -noout -ext subjectAltName -in '
        '/etc/apache2/ssl/mistral/cert_*', unit=unit).stdout
    names = set()
    for item in found.split('\n', 1)[1].split(','):
        kind, _, value = item.strip().partition(':')
        names.add((kind, value))
    return names


@pytest.fixture
def https(ha_deployment):
    ha_deployment.relate('mistral:certificates', 'vault')
    wait_all_ready(ha_deployment)
    vault = Vault(os.path.join(ha_deployment.model.root, 'providers', 'vault'))
    context = ssl.create_default_context(cafile=vault.ca_cert_path)
    urllib.request.install_opener(urllib.request.build_opener(
        urllib.request.HTTPSHandler(context=context)))
    yield vault
    # The last story: the deployment goes at the end of the session, so
    # TLS stays (removing it is shown on one unit, test_mistral_tls).
    urllib.request.install_opener(None)


def test_tls_at_the_vip_on_three_units(ha_deployment, https):
    assert catalog(ha_deployment) == {
        interface: 'https://{}:{}/v2'.format(VIP, PORT)
        for interface in ('public', 'internal', 'admin')}
    addresses = {('IP Address', ha_deployment.address(unit))
                 for unit in ha_deployment.units()}
    for unit in ha_deployment.units():
        # each unit's certificate names the VIP, every unit's address
        # (haproxy may hand a connection to any unit) and its hostname
        hostname = ha_deployment.inside('hostname', unit=unit).stdout.strip()
        names = certificate_names(ha_deployment, unit)
        assert {('IP Address', VIP), ('DNS', hostname)} | addresses <= \
            names, (unit, names)
        # verified against the test CA, for the address dialled
        for _ in range(3):   # whichever backend answers
            handshake(ha_deployment.address(unit), https.ca_cert_path)
    served = handshake(VIP, https.ca_cert_path)   # the chain verifies
    assert ('IP Address', VIP) in served['subjectAltName']
    for old in (ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1):
        with pytest.raises(ssl.SSLError):
            handshake(VIP, https.ca_cert_path, old)
    handshake(VIP, https.ca_cert_path, ssl.TLSVersion.TLSv1_2)
    api = vip_client(ha_deployment, 'https')
    wait_answering(api, 60)
    create_workflows(api, SHARED.FAN_OUT_DEFINITION)
    execution = run_workflow(api, SHARED.FAN_OUT_WORKFLOW,
                             SHARED.FAN_OUT_INPUT)
    assert execution['state'] == 'SUCCESS', execution.get('state_info')
