"""The deployments the Mistral functional tests share, one live at a time
(they share the host's services), in a state root of their own so that
a demo deployment's files are never touched. Each unit serves on its own
address (``Deployment.address``), which the host reaches over the bridge.

A deployment is built/mistral as `mistral`, related to real providers by
the emulator's Controller; helpers look inside its unit the way an
operator would: workload status and its history, service PIDs, the
rendered mistral.conf, the REST API with a Keystone token.
"""

import configparser
import datetime
import json
import os
import subprocess
import threading
import time
import urllib.parse
import urllib.request

from local import emulator, figures, image, workflows
from local.mistral_user import (
    Mistral, admin_client, create_workflows, run_workflow, wait_answering)
from local.readiness import wait_for_workload
from localjuju import events
from localjuju import cgroups
from localjuju import model as m
from localjuju import pacemaker
from localjuju.runner import machine_of, relation_view

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
CHARM = os.path.join(REPO, 'build', 'mistral')
ROOT = os.environ.get('LOCAL_JUJU_FUNC_STATE', '/var/lib/local-juju-func')
APP = 'mistral'
UNIT = 'mistral/0'
# The workflows the zaza suite runs too (src/tests/mistral_workflows.py).
SHARED = workflows.load()
# relations of each variant, in the order an operator would add them
VARIANTS = {
    'postgresql': (('mistral:amqp', 'rabbitmq-server'),
                   ('mistral:db', 'postgresql'),
                   ('mistral:identity-service', 'keystone')),
    'mysql': (('mistral:amqp', 'rabbitmq-server'),
              ('mistral:shared-db', 'mistral-mysql-router'),
              ('mistral:identity-service', 'keystone')),
}
MISTRAL_SERVICES = ('mistral-api', 'mistral-engine', 'mistral-engine-2',
                    'mistral-executor', 'mistral-event-engine',
                    'mistral-cron-trigger')
SERVICES = MISTRAL_SERVICES + ('haproxy',)
READY_TIMEOUT = 300
READY = ('active', 'Unit is ready')
# The three-unit deployment of the HA and fault stories.
VIP = '10.231.0.100'
PORT = 8989
HACLUSTER = 'mistral-hacluster'
# pacemaker's bound for moving the VIP off a lost machine: corosync's token
# timeout (3 s) and the monitor's tick (1 s), see localjuju/pacemaker.py;
# the issue allows at most 15 s.
VIP_TOKEN, VIP_FAILOVER = 3, 4
# What the stand-in's tick may run late by on two cores busy with three
# units and a load: the bound the stories check is VIP_FAILOVER + this.
VIP_SLACK = 3
# When the other units' haproxy stops sending requests to a unit cut off
# the network: the charm's backends check with haproxy's defaults (every
# 2 s, down after 3 failures); a check of a machine that drops packets takes
# the 2 s interval to fail, so a cut unit is down within 3 x (2 + 2) s.
HAPROXY_DOWN = 12
# Keep deployments after the session and reuse them in the next one: for
# working on one test (`-k`); the deploy/relate tests need a fresh one.
KEEP = os.environ.get('LOCAL_JUJU_FUNC_KEEP') == '1'


class Deployment:
    def __init__(self, variant, root=ROOT, image_packages=()):
        self.variant = variant
        self.image_packages = image_packages
        self.model = m.Model('func-' + variant, root)
        self.lines = []
        self.controller = emulator.controller(self.model,
                                              out=self.lines.append)

    # -- operations ------------------------------------------------------
    def deploy(self):
        self.controller.deploy(CHARM, APP,
                               image_packages=self.image_packages)

    def relate(self, left, right):
        self.controller.relate(left, right)

    def relate_all(self):
        for left, right in VARIANTS[self.variant]:
            self.relate(left, right)

    def config(self, **values):
        pairs = ['{}={}'.format(key.replace('_', '-'), value)
                 for key, value in values.items()]
        self.controller.config(APP, pairs)

    def reset(self, *keys):
        self.controller.config(APP, reset=list(keys))

    def remote_change(self, app, **changes):
        """The units of ``app`` change their relation data as their charm
        would (a value of None removes the key), the provider standing
        aside; then the model settles."""
        with self.model.edit() as state:
            for key, relation in state['relations'].items():
                for unit, data in relation['units'].items():
                    if m.app_of(unit) != app:
                        continue
                    for name, value in changes.items():
                        if value is None:
                            data.pop(name, None)
                        else:
                            data[name] = value
                view = relation_view(state, int(key), relation, app) \
                    if app in (s['application']
                               for s in relation['endpoints']) else None
                if view is not None:
                    relation['provider-seen'] = events.digest(
                        view.charm_units, view.charm_app,
                        view.provider_units)
        self.controller.runner.settle()

    def hook(self, name):
        return self.controller.hook(UNIT, name)

    def action(self, name, **params):
        return self.controller.run_action(
            UNIT, name, ['{}={}'.format(k, v) for k, v in params.items()])

    def wait_ready(self, timeout=READY_TIMEOUT, message='Unit is ready',
                   unit=UNIT):
        return wait_for_workload(self.controller, unit, message=message,
                                 timeout=timeout)

    def wait_serving(self, timeout=60):
        """Wait until the public API answers an authenticated request."""
        wait_answering(self.client(), timeout)

    def destroy(self):
        if self.model.exists():
            self.controller.destroy()

    # -- observations ----------------------------------------------------
    def unit_record(self, unit=UNIT):
        return self.model.read()['units'][unit]

    def units(self):
        """The application's units, lowest number first."""
        return sorted(self.model.read()['applications'][APP]['units'],
                      key=lambda unit: int(unit.split('/')[1]))

    def leader(self):
        return self.model.read()['applications'][APP]['leader']

    def workload(self, unit=UNIT):
        record = self.unit_record(unit)
        return record['workload']['status'], record['workload']['message']

    def history(self, since=0):
        """(status, message) the unit passed through since a time.time(),
        oldest first."""
        return [(h['status'], h['message'])
                for h in self.unit_record().get('status-history', [])
                if h['since'] >= since]

    def hook_error(self):
        return self.unit_record().get('error')

    def log_path(self):
        return m.unit_log(self.model.root, UNIT)

    def address(self, unit=UNIT):
        return self.model.read()['units'][unit]['address']

    def machine(self, unit=UNIT):
        return machine_of(self.model, self.model.read(), unit)

    def inside(self, *command, check=True, unit=UNIT):
        """Run a command inside a unit (its namespaces)."""
        return subprocess.run(
            self.machine(unit).enter_command() + list(command),
            capture_output=True, text=True, check=check)

    def unit_property(self, service, name, unit=UNIT):
        """A property of a service's systemd unit (``systemctl show``)."""
        return self.inside('systemctl', 'show', '-p', name, '--value',
                           service, unit=unit).stdout.strip()

    def pid(self, service, unit=UNIT):
        """The main PID of a service in its machine, or None when it is
        not running."""
        return int(self.unit_property(service, 'MainPID', unit)) or None

    def pids(self, services=SERVICES, unit=UNIT):
        return {name: self.pid(name, unit) for name in services}

    def service_running(self, service, unit=UNIT):
        return self.inside('service', service, 'status',
                           check=False, unit=unit).returncode == 0

    def mistral_conf(self, unit=UNIT):
        parser = configparser.ConfigParser(interpolation=None,
                                           strict=False)
        parser.read_string(self.inside(
            'cat', '/etc/mistral/mistral.conf', unit=unit).stdout)
        return parser

    def amqp_vhost(self):
        """The RabbitMQ vhost the units' mistral.conf names."""
        url = self.mistral_conf()['DEFAULT']['transport_url']
        return urllib.parse.urlsplit(
            url.split(',')[0]).path.lstrip('/') or '/'

    def vip_holder(self, hacluster='mistral-hacluster'):
        """The unit whose machine holds the VIP now (pacemaker's placement),
        or None."""
        path = os.path.join(self.model.root, 'providers', hacluster,
                            'cib.json.placement')
        try:
            with open(path) as stored:
                placed = list(json.load(stored).values())
        except (OSError, ValueError):
            return None
        addresses = {record['address']: unit for unit, record in
                     self.model.read()['units'].items()}
        return addresses.get(placed[0]['address']) if placed else None

    def hacluster_standby(self, unit, on, hacluster=HACLUSTER):
        """Pause (on) or resume the hacluster subordinate of ``unit``:
        pacemaker puts its node in standby, and the VIP leaves it."""
        pacemaker.set_standby(os.path.join(
            self.model.root, 'providers', hacluster, 'cib.json'), unit, on)

    def migrations(self):
        """How many migrations the units' logs show, all units
        together."""
        return sum(open(os.path.join(self.model.root, 'units',
                                     unit.replace('/', '-'),
                                     'unit.log')).read()
                   .count('Migrating the database to')
                   for unit in self.units())

    def client(self):
        """Mistral as Keystone's admin, at the public endpoint."""
        return admin_client(self.model.root)

    def service_client(self, unit=UNIT):
        """Mistral as the charm's own service user (the project the
        charm's jobs live in), logged in as the charm logs in, at
        ``unit``'s API."""
        return Mistral.from_conf(os.path.join(
            self.machine(unit).host_path('/etc/mistral'), 'mistral.conf'))


class Site:
    """Hands out deployments, keeping at most one alive."""

    def __init__(self, root=ROOT):
        self.root = root
        self.current = None
        self.deployed = 0

    def check_host(self):
        """Fail early with what to do, not deep inside a hook."""
        if not os.path.isdir(os.path.join(CHARM, 'hooks')):
            raise RuntimeError(
                '{} is missing: run `tox -e build` first'.format(CHARM))
        for variant in VARIANTS:  # left by an interrupted session
            if not KEEP:
                Deployment(variant, self.root).destroy()
            elif Deployment(variant, self.root).model.exists():
                return
        if cgroups.machines_alive():
            raise RuntimeError(
                'another local deployment is live on this host (it would '
                'hold port 8989 and the providers): remove it with '
                '`python -m local destroy` (add `-m MODEL` for other '
                'models) first')

    def deployment(self, variant):
        """The live deployment of ``variant``: only deployed, no relation
        yet, when new."""
        if self.current is not None and self.current.variant != variant:
            self.current.destroy()
            self.current = None
        if self.current is None:
            # the first installs the payload on a bare machine, as on a
            # new cloud; the others boot local/image.py's baked image
            self.current = Deployment(
                variant, self.root,
                image.PACKAGES if self.deployed else ())
            if not (KEEP and self.current.model.exists()):
                self.current.deploy()
            self.deployed += 1
        return self.current

    def close(self):
        if self.current is not None and not KEEP:
            self.current.destroy()
            self.current = None


# What the fault and HA stories measured, printed at the end of the run
# (conftest's terminal summary) even when pytest captures output.
FIGURES = []


def record(line):
    print(line)
    FIGURES.append(line)


def three_units(site):
    """The MySQL deployment grown to three units behind a VIP that
    hacluster places, every unit active and the VIP answering."""
    deployed = site.deployment('mysql')
    deployed.relate_all()
    wait_all_ready(deployed)
    deployed.started = time.time()
    deployed.config(vip=VIP)
    deployed.controller.add_units(APP, 3 - len(deployed.units()))
    deployed.relate('mistral:ha', HACLUSTER)
    wait_all_ready(deployed)
    wait_until(lambda: deployed.vip_holder(), 'the VIP placed', 30)
    wait_answering(vip_client(deployed), 60)
    return deployed


def wait_all_ready(deployed, timeout=READY_TIMEOUT):
    for unit in deployed.units():
        assert deployed.wait_ready(timeout=timeout, unit=unit) == READY, unit


def vip_client(deployed, scheme='http'):
    token = deployed.client().token
    return Mistral('{}://{}:{}/v2'.format(scheme, VIP, PORT), token)


LOAD_RATE, LOAD_SECONDS = 10, 60


class Load:
    """A steady load through the VIP: ``rate`` requests a second, each in
    its own thread with a 10 s timeout and no retry, as a client with no
    patience would send them."""

    def __init__(self, client, rate=LOAD_RATE):
        self.client, self.rate = client, rate
        self.results = []   # (sent at, ok)
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.sender = threading.Thread(target=self._send, daemon=True)

    def _one(self, sent):
        request = urllib.request.Request(
            self.client.url + '/workflows?limit=1',
            headers={'X-Auth-Token': self.client.token})
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                ok = answer.status == 200
        except OSError:
            ok = False
        with self.lock:
            self.results.append((sent, ok, time.monotonic()))

    def _send(self):
        workers, next_at = [], time.monotonic()
        while not self.stopped.is_set():
            worker = threading.Thread(target=self._one,
                                      args=(time.monotonic(),), daemon=True)
            worker.start()
            workers.append(worker)
            next_at += 1.0 / self.rate
            time.sleep(max(0, next_at - time.monotonic()))
        for worker in workers:
            worker.join(15)

    def __enter__(self):
        self.started = time.monotonic()
        self.sender.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()
        self.sender.join(30)
        self.ended = time.monotonic()

    def run_for(self, seconds):
        time.sleep(max(0, self.started + seconds - time.monotonic()))

    def failed_after(self, lost_at, served_from):
        """Whether requests were sent after ``served_from``, and when the
        failed ones among them were sent (s after ``lost_at``)."""
        late = [(sent, ok) for sent, ok, _ in self.results
                if sent > served_from]
        return bool(late), ['{:.1f}'.format(sent - lost_at)
                            for sent, ok in late if not ok]

    def figures(self):
        """(sent, succeeded, longest outage in s): the outage is the
        longest time in which no request was answered successfully
        (requests held up by a moving VIP count as well as failed ones)."""
        answered = sorted(done for _, ok, done in self.results if ok)
        gaps = [b - a for a, b in zip(answered, answered[1:])]
        return (len(self.results), len(answered),
                max(gaps, default=float(LOAD_SECONDS)))


def report(what, load, step=None):
    """Print and record the load's figures; ``step`` names them apart
    when a story runs several loads."""
    sent, succeeded, outage = load.figures()
    record('{}: {} requests in {:.0f} s, {} succeeded ({:.2f}%), longest '
           'outage {:.1f} s'.format(what, sent, load.ended - load.started,
                                    succeeded, 100.0 * succeeded / sent,
                                    outage))
    suffix = ' ({})'.format(step) if step else ''
    figures.record({'requests through the VIP' + suffix: sent,
                    'of them answered' + suffix: succeeded,
                    'longest time unanswered (s)' + suffix: round(outage, 1)})
    return sent, succeeded, outage


def created(execution):
    """When Mistral created an execution (UTC, to the second)."""
    return datetime.datetime.strptime(execution['created_at'],
                                      '%Y-%m-%d %H:%M:%S')


# The most a cron period may be late when the cron process moves (the
# leader lost: its lease, LOCAL_JUJU_LEASE 15 s, the election's hooks
# and the new process's start; or paused).
HAND_OVER = 45
EARLY = 5


def check_once_a_minute(times, least):
    """At least ``least`` executions (creation times, oldest first), one
    per minute from the first to the last: none missed, none twice, each
    fired in its own minute, a few seconds early or late as the cron
    process's scans fall, or late by at most the hand-over (the first
    one too), after which the next minute fires on time."""
    def minute(t):
        t += datetime.timedelta(seconds=EARLY)
        return t.replace(second=0, microsecond=0)
    first = minute(times[0])
    periods = round((minute(times[-1]) - first).total_seconds() / 60) + 1
    assert len(times) == periods >= least, times
    late = [(t - first).total_seconds() - 60 * n
            for n, t in enumerate(times)]
    assert all(-EARLY <= s <= HAND_OVER for s in late), late


def cron_figures(times):
    gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:])]
    return '{} at {}; gaps {} s'.format(
        len(times), [t.strftime('%H:%M:%S') for t in times], gaps)


def record_cron(times):
    gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:])]
    figures.record({'cron executions': len(times),
                    'gaps between them (s)': ' '.join(
                        '{:.0f}'.format(g) for g in gaps)})


def fan_out(client):
    """Run the shared fan-out workflow to SUCCESS with its output; its
    execution's id."""
    create_workflows(client, SHARED.FAN_OUT_DEFINITION)
    execution = run_workflow(client, SHARED.FAN_OUT_WORKFLOW,
                             SHARED.FAN_OUT_INPUT)
    assert execution['state'] == 'SUCCESS', execution.get('state_info')
    assert execution['output'] == SHARED.FAN_OUT_OUTPUT
    return execution['id']


def new_executions(client, workflow, before):
    """The executions of ``workflow`` whose ids are not in ``before``,
    oldest first: what a cron trigger fired since."""
    return sorted((e for e in client.executions(workflow_name=workflow,
                                                limit=1000)
                   if e['id'] not in before), key=created)


def wait_until(check, what, timeout=60, interval=1):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError('{} not within {}s'.format(what, timeout))
        time.sleep(interval)
