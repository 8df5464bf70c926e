"""The administrator's story end to end: a scheduled job from the
`workflows` option runs a command on two machines over std.ssh, with the
key the charm installs from `ssh-private-key`, once per period, and no
credential shows in a log, a status or an action's result.

The machines are network namespaces of their own on the units' bridge,
each running its own sshd that accepts the job's key."""

import base64
import os
import subprocess
import time

import pytest
import yaml

from local.tests.mistral_site import record, wait_until
from localjuju import network

pytestmark = pytest.mark.needs_root

JOB = """version: '2.0'
ssh_touch:
  input:
    - hosts
    - mark
  tasks:
    touch:
      with-items: host in <% $.hosts %>
      concurrency: 2
      action: std.ssh
      input:
        host: <% $.host %>
        username: root
        private_key_filename: juju-jobs
        # which host ran it: the server address sshd saw
        cmd: echo ran >> <% $.mark %>-$(echo $SSH_CONNECTION | cut -d' ' -f3)
      retry:
        count: 2
        delay: 5
"""
SSHD_CONFIG = """Port 22
ListenAddress {address}
HostKey {work}/host_key
PidFile {work}/sshd-{address}.pid
AuthorizedKeysFile {work}/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
"""


def run(*command):
    return subprocess.run(command, check=True, capture_output=True,
                          text=True)


@pytest.fixture(scope='module')
def ssh_machines(serving, tmp_path_factory):
    """Two machines on the bridge, each its own sshd, accepting the job's
    key for root: (addresses, private key PEM, work dir)."""
    work = str(tmp_path_factory.mktemp('ssh-machines'))
    os.chmod(work, 0o755)
    run('ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f',
        work + '/host_key')
    # RSA in PEM: what Mistral's std.ssh (paramiko.RSAKey) reads
    run('ssh-keygen', '-q', '-t', 'rsa', '-b', '2048', '-m', 'PEM', '-N',
        '', '-C', 'juju-jobs', '-f', work + '/job_key')
    os.rename(work + '/job_key.pub', work + '/authorized_keys')
    os.makedirs('/run/sshd', exist_ok=True)   # sshd's privilege separation
    nets = []
    try:
        for number in (1, 2):
            address = network.allocate('{}:ssh-machines:machine-{}'.format(
                serving.model.root, number))
            net = network.MachineNetwork(address)
            net.create()
            nets.append(net)
            config = '{}/sshd-{}.conf'.format(work, address)
            with open(config, 'w') as out:
                out.write(SSHD_CONFIG.format(address=address, work=work))
            run('ip', 'netns', 'exec', net.netns, '/usr/sbin/sshd', '-f',
                config, '-E', '{}/sshd-{}.log'.format(work, address))
        with open(work + '/job_key') as key:
            yield [n.address for n in nets], key.read(), work
    finally:
        for net in nets:
            pidfile = '{}/sshd-{}.pid'.format(work, net.address)
            if os.path.exists(pidfile):
                with open(pidfile) as pid:
                    subprocess.run(['kill', pid.read().strip()])
            net.destroy()
            network.release(net.address)


def marks(work, mark, address):
    """How many times the job's command ran on the machine at address."""
    path = '{}/{}-{}'.format(work, mark, address)
    if not os.path.exists(path):
        return 0
    with open(path) as seen:
        return len(seen.read().split())


def test_a_scheduled_ssh_job_runs_on_each_machine_once_per_period(
        serving, ssh_machines):
    addresses, key, work = ssh_machines
    mark = os.path.join(work, 'ran')
    jobs = yaml.safe_dump({
        'workflows': {'ssh_touch': JOB},
        'cron-triggers': {'ssh-every-minute': {
            'workflow': 'ssh_touch', 'pattern': '* * * * *',
            'input': {'hosts': addresses, 'mark': mark}}}})
    encoded = base64.b64encode(key.encode()).decode()
    serving.controller.config('mistral', [
        'ssh-private-key=' + encoded, 'workflows=' + jobs])
    try:
        assert serving.hook_error() is None
        assert serving.wait_ready(message=None)[0] == 'active'
        # the key is the executors' own: mistral's, 0600 mistral:mistral
        shown = serving.inside('stat', '-c', '%a %U:%G',
                               '/var/lib/mistral/.ssh/juju-jobs').stdout
        assert shown.split() == ['600', 'mistral:mistral']

        def ran_on_both(times):
            return all(marks(work, 'ran', a) >= times for a in addresses)
        wait_until(lambda: ran_on_both(1), 'the first run on both machines',
                   timeout=100)
        first = time.monotonic()
        wait_until(lambda: ran_on_both(2), 'the second run on both machines',
                   timeout=80)
        period = time.monotonic() - first
        time.sleep(5)   # a duplicate would show now
        counts = {a: marks(work, 'ran', a) for a in addresses}
        record('std.ssh job: runs per machine {}, second period after {:.0f} '
               's'.format(counts, period))
        assert set(counts.values()) == {2}, counts
        listed = serving.controller.run_action(
            'mistral/0', 'list-executions', ['workflow=ssh_touch'])
        assert listed['status'] == 'completed', listed
    finally:
        serving.controller.config('mistral', reset=['workflows',
                                                    'ssh-private-key'])
    # No credential anywhere an operator looks, and the key left the unit.
    body = ''.join(key.splitlines()[2:4])
    for name, text in (
            ('action result', repr(listed)),
            ('status', repr(serving.model.read()['units']['mistral/0'])),
            ('unit log', open(serving.log_path()).read()),
            ('mistral logs', serving.inside(
                'sh', '-c', 'cat /var/log/mistral/*.log').stdout)):
        assert body not in text, name
    assert serving.inside('test', '-e', '/var/lib/mistral/.ssh/juju-jobs',
                          check=False).returncode == 1
