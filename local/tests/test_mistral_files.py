"""Files where the mistral user can write, on a real unit: any workflow
action runs as that user, who owns ~mistral (/var/lib/mistral) and
/var/log/mistral. A link it plants at the ssh key, at ~/.ssh or at the
old temporary name makes the charm write, chown or chmod nothing else:
the hook exits 0, the link's target (a root-owned file or directory)
keeps its content, owner and mode, and the key is refused with a status
naming the path, or written as the mistral user's. logrotate rotates
/var/log/mistral as mistral."""

import base64
import os
import subprocess

import pytest

from local.tests.mistral_site import record

pytestmark = pytest.mark.needs_root

SSH_DIR = '/var/lib/mistral/.ssh'
KEY_PATH = SSH_DIR + '/juju-jobs'
# Root's files inside the unit (its own copy of /etc/mistral): what a
# followed link would overwrite or chown.
VICTIM = '/etc/mistral/files-story-victim'
VICTIM_DIR = '/etc/mistral/files-story-victim.d'


@pytest.fixture(scope='module')
def keys(tmp_path_factory):
    """Two RSA keys in PEM (what the option takes), base64-encoded."""
    work = str(tmp_path_factory.mktemp('keys'))
    found = []
    for name in ('one', 'two'):
        subprocess.run(['ssh-keygen', '-q', '-t', 'rsa', '-b', '2048', '-m',
                        'PEM', '-N', '', '-f', os.path.join(work, name)],
                       check=True)
        with open(os.path.join(work, name)) as f:
            pem = f.read()
        found.append((pem, base64.b64encode(pem.encode()).decode()))
    return found


@pytest.fixture(scope='module')
def deployment(serving):
    serving.wait_ready()
    serving.inside('sh', '-c', 'printf precious > {0} && chmod 600 {0} && '
                   'mkdir -m 700 {1} && printf root > {1}/authorized_keys'
                   .format(VICTIM, VICTIM_DIR))
    yield serving
    serving.reset('ssh-private-key')
    serving.inside('rm', '-rf', VICTIM, VICTIM_DIR, check=False)


def as_mistral(deployment, script):
    """A shell script run in the unit as the mistral user, as a workflow
    action would run it."""
    return deployment.inside('runuser', '-u', 'mistral', '--', 'sh', '-c',
                             script)


def shown(deployment, path):
    """'mode owner:group type' of path, not following a link."""
    return deployment.inside('stat', '-c', '%a %U:%G %F', path).stdout.strip()


def victims(deployment):
    return {'file': (shown(deployment, VICTIM),
                     deployment.inside('cat', VICTIM).stdout),
            'dir': (shown(deployment, VICTIM_DIR), deployment.inside(
                'ls', '-la', VICTIM_DIR).stdout)}


def key_held(deployment):
    return deployment.inside('cat', KEY_PATH).stdout


def test_links_planted_by_the_mistral_user_are_refused_not_followed(
        deployment, keys):
    (first, first_b64), (second, second_b64) = keys
    before, pids = victims(deployment), deployment.pids()
    checked = []

    # 1. A link at the key, to root's file: refused, naming the path.
    as_mistral(deployment, 'mkdir -p {0} && ln -sfn {1} {2}'.format(
        SSH_DIR, VICTIM, KEY_PATH))
    deployment.config(ssh_private_key=first_b64)
    assert deployment.hook_error() is None
    assert deployment.workload() == (
        'blocked', 'Refused to write config: ssh-private-key: {} is a '
        'symbolic link, not a regular file'.format(KEY_PATH))
    assert victims(deployment) == before
    assert deployment.pids() == pids
    checked.append('link at the key: blocked')
    # The operator removes it: the next hook writes the key, mistral's.
    deployment.inside('rm', KEY_PATH)
    assert deployment.hook('config-changed')
    deployment.wait_ready()
    assert key_held(deployment) == first
    assert shown(deployment, KEY_PATH) == '600 mistral:mistral regular file'
    assert shown(deployment, SSH_DIR) == '700 mistral:mistral directory'
    checked.append('key written 0600 mistral:mistral in a 0700 ~/.ssh')

    # 2. A link at the temporary name earlier versions used (opened
    # O_CREAT|O_TRUNC as root): not followed, the key is replaced.
    as_mistral(deployment, 'ln -sfn {} {}.charm-new'.format(VICTIM, KEY_PATH))
    deployment.config(ssh_private_key=second_b64)
    assert deployment.hook_error() is None
    deployment.wait_ready()
    assert key_held(deployment) == second
    assert shown(deployment, KEY_PATH) == '600 mistral:mistral regular file'
    assert victims(deployment) == before
    as_mistral(deployment, 'rm {}.charm-new'.format(KEY_PATH))
    checked.append('link at the old temporary name: not followed')

    # 3. ~/.ssh itself a link, to root's directory: refused.
    as_mistral(deployment, 'mv {0} {0}.away && ln -s {1} {0}'.format(
        SSH_DIR, VICTIM_DIR))
    deployment.config(ssh_private_key=first_b64)
    assert deployment.hook_error() is None
    assert deployment.workload() == (
        'blocked', 'Refused to write config: ssh-private-key: {} is a '
        'symbolic link, not a directory'.format(SSH_DIR))
    assert victims(deployment) == before
    assert deployment.pids() == pids
    checked.append('link at ~/.ssh: blocked')
    as_mistral(deployment, 'rm {0} && mv {0}.away {0}'.format(SSH_DIR))
    assert deployment.hook('config-changed')
    deployment.wait_ready()
    assert key_held(deployment) == first

    # 4. The option unset with a link at the key: the link goes, not its
    # target.
    as_mistral(deployment, 'rm {0} && ln -s {1} {0}'.format(KEY_PATH, VICTIM))
    deployment.reset('ssh-private-key')
    assert deployment.hook_error() is None
    deployment.wait_ready()
    assert deployment.inside('test', '-L', KEY_PATH,
                             check=False).returncode == 1
    assert victims(deployment) == before
    checked.append('option unset: the link removed, its target kept')
    assert deployment.pids() == pids
    record('files: {} planted links, every hook exited 0, root\'s file and '
           'directory unchanged (content, owner, mode), {} daemons never '
           'restarted; {}'.format(4, len(pids), '; '.join(checked)))


def test_logrotate_rotates_the_mistral_logs_as_mistral(deployment):
    config = '/etc/logrotate.d/mistral-charm'
    text = deployment.inside('cat', config).stdout
    assert '    su mistral mistral\n' in text
    dry = deployment.inside('logrotate', '-d', '-f', '-s',
                            '/run/charm-logrotate-state', config,
                            check=False)
    out = dry.stdout + dry.stderr
    uid = deployment.inside('id', '-u', 'mistral').stdout.strip()
    assert dry.returncode == 0, out
    assert 'error' not in out.lower(), out
    assert 'switching euid from 0 to {} '.format(uid) in out
    owner = shown(deployment, '/var/log/mistral')
    assert owner.split()[1].startswith('mistral:')
    assert not int(owner.split()[0], 8) & 0o022
    rotated = out.count('rotating log /var/log/mistral/')
    record('logrotate -d on the unit: su mistral mistral accepted, {} logs '
           'of /var/log/mistral ({}) rotated as uid {}'.format(
               rotated, owner, uid))
