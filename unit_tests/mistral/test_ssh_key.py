"""The executors' ssh key (std.ssh's ``juju-jobs``) lives in the mistral
user's ~/.ssh, which any workflow action (running as that user) can
change: the key and ~/.ssh are the user's, written as the user, and a
link planted there is refused, never followed, through the real hooks."""

import base64
import os
import pwd
import stat

import pytest

from mistral.test_story import (  # noqa: F401 (reactive_unit is a fixture)
    reactive_unit, relate_core, run,
)

pytestmark = pytest.mark.skipif(os.geteuid() != 0,
                                reason='ownership: run as root')
KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n' \
    '-----END OPENSSH PRIVATE KEY-----\n'
NOBODY = pwd.getpwnam('nobody')


@pytest.fixture
def ssh_unit(reactive_unit, monkeypatch):  # noqa: F811
    """An active unit whose service user is nobody (present on every
    machine)."""
    monkeypatch.setattr(reactive_unit.charm_class, 'user', 'nobody')
    run(reactive_unit, 'install')
    relate_core(reactive_unit)
    assert reactive_unit.juju.status == ('active', 'Unit is ready')
    return reactive_unit


def set_key(unit, key=KEY):
    unit.juju.config['ssh-private-key'] = base64.b64encode(
        key.encode()).decode() if key else ''
    unit.init.forget()
    run(unit, 'config-changed')         # raises if the hook would fail


def owner_and_mode(path):
    held = os.lstat(path)
    return held.st_uid, held.st_gid, stat.S_IMODE(held.st_mode)


def victim(path):
    """A root-owned file (or directory) a link is planted to: what must
    stay as it is."""
    if path.suffix == '.d':
        path.mkdir(mode=0o700)
        (path / 'authorized_keys').write_text('root key\n')
        return owner_and_mode(path), sorted(os.listdir(path))
    path.write_text('precious\n')
    os.chmod(path, 0o644)
    return owner_and_mode(path), path.read_text()


def as_now(path):
    return owner_and_mode(path), (sorted(os.listdir(path)) if path.is_dir()
                                  else path.read_text())


def test_the_key_and_its_directory_are_the_users(ssh_unit):
    set_key(ssh_unit)
    key, ssh_dir = ssh_unit.ssh_key, os.path.dirname(ssh_unit.ssh_key)
    assert open(key).read() == KEY
    assert owner_and_mode(key) == (NOBODY.pw_uid, NOBODY.pw_gid, 0o600)
    assert owner_and_mode(ssh_dir) == (NOBODY.pw_uid, NOBODY.pw_gid, 0o700)
    assert os.listdir(ssh_dir) == ['juju-jobs']
    assert ssh_unit.juju.status == ('active', 'Unit is ready')
    assert ssh_unit.init.calls == []        # a key restarts nothing


def test_the_old_root_owned_key_becomes_the_users(ssh_unit):
    # what earlier versions wrote: root:<group> 0750 and 0640
    key = ssh_unit.ssh_key
    os.makedirs(os.path.dirname(key), mode=0o750)
    with open(key, 'w') as f:
        f.write(KEY)
    os.chmod(key, 0o640)
    set_key(ssh_unit)
    assert owner_and_mode(key) == (NOBODY.pw_uid, NOBODY.pw_gid, 0o600)
    assert owner_and_mode(os.path.dirname(key)) == (
        NOBODY.pw_uid, NOBODY.pw_gid, 0o700)


@pytest.mark.parametrize('planted, kind', [
    ('key', 'a symbolic link, not a regular file'),
    ('ssh_dir', 'a symbolic link, not a directory'),
])
def test_a_planted_link_is_refused_and_its_target_untouched(
        ssh_unit, tmp_path, planted, kind):
    key = ssh_unit.ssh_key
    ssh_dir = os.path.dirname(key)
    os.makedirs(ssh_dir)
    target = tmp_path / ('shadow' if planted == 'key' else 'root-ssh.d')
    before = victim(target)
    at = key if planted == 'key' else ssh_dir
    if planted == 'ssh_dir':
        os.rmdir(ssh_dir)
    os.symlink(target, at)
    conf = open(ssh_unit.conf).read()
    set_key(ssh_unit, KEY.replace('AAAA', 'BBBB'))
    assert ssh_unit.juju.status == (
        'blocked', 'Refused to write config: ssh-private-key: {} is '
        '{}'.format(at, kind))
    assert as_now(target) == before
    assert os.path.islink(at)
    assert ssh_unit.init.calls == []
    assert open(ssh_unit.conf).read() == conf
    # The operator removes the link: the next hook writes the key.
    os.unlink(at)
    run(ssh_unit, 'config-changed')
    assert open(key).read() == KEY.replace('AAAA', 'BBBB')
    assert owner_and_mode(key) == (NOBODY.pw_uid, NOBODY.pw_gid, 0o600)
    assert ssh_unit.juju.status == ('active', 'Unit is ready')


def test_a_link_at_the_old_temporary_name_is_not_followed(ssh_unit,
                                                          tmp_path):
    key = ssh_unit.ssh_key
    os.makedirs(os.path.dirname(key))
    before = victim(tmp_path / 'shadow')
    os.symlink(tmp_path / 'shadow', key + '.charm-new')
    set_key(ssh_unit)
    assert as_now(tmp_path / 'shadow') == before
    assert open(key).read() == KEY
    assert ssh_unit.juju.status == ('active', 'Unit is ready')


def test_unsetting_the_key_removes_a_link_there_not_its_target(
        ssh_unit, tmp_path):
    set_key(ssh_unit)
    key = ssh_unit.ssh_key
    os.unlink(key)
    before = victim(tmp_path / 'shadow')
    os.symlink(tmp_path / 'shadow', key)
    set_key(ssh_unit, '')
    assert not os.path.lexists(key)
    assert as_now(tmp_path / 'shadow') == before
    # ~/.ssh itself a link: no key of the charm's behind it, nothing done
    ssh_dir = os.path.dirname(key)
    os.rmdir(ssh_dir)
    before = victim(tmp_path / 'root-ssh.d')
    os.symlink(tmp_path / 'root-ssh.d', ssh_dir)
    os.symlink(tmp_path / 'shadow', tmp_path / 'root-ssh.d' / 'juju-jobs')
    set_key(ssh_unit, '')
    assert os.path.lexists(tmp_path / 'root-ssh.d' / 'juju-jobs')
    assert ssh_unit.juju.status == ('active', 'Unit is ready')
