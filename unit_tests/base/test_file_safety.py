"""Files the charm writes as root never go through a link: not one on
the way, not one at the file, not one at a temporary name (which is new
and unpredictable). Files in a directory the service user owns are
written by a process running as that user. logrotate rotates as the
user that writes the logs."""

import os
import pwd
import shutil
import stat
import subprocess
import tempfile

import pytest

from openstack_base import rendering

as_root = pytest.mark.skipif(os.geteuid() != 0,
                             reason='ownership: run as root')
NOBODY = pwd.getpwnam('nobody')


def victim(path, text='precious\n', mode=0o644):
    """A root-owned file a planted link points at; its (text, mode,
    owner) to compare afterwards."""
    path.write_text(text)
    os.chmod(path, mode)
    return state(path)


def state(path):
    held = os.lstat(path)
    return (path.read_text(), stat.S_IMODE(held.st_mode), held.st_uid,
            held.st_gid)


def test_a_link_at_the_file_is_refused_not_followed(tmp_path):
    target = tmp_path / 'victim'
    before = victim(target)
    (tmp_path / 'etc').mkdir()
    path = tmp_path / 'etc' / 'mistral.conf'
    path.symlink_to(target)
    with pytest.raises(rendering.UnsafePath) as refused:
        rendering.write_if_changed(str(path), 'password = x\n')
    assert str(refused.value) == \
        '{} is a symbolic link, not a regular file'.format(path)
    assert state(target) == before
    assert os.listdir(tmp_path / 'etc') == ['mistral.conf']


def test_a_directory_at_the_file_is_refused(tmp_path):
    (tmp_path / 'mistral.conf').mkdir()
    with pytest.raises(rendering.UnsafePath, match='is a directory'):
        rendering.write_if_changed(str(tmp_path / 'mistral.conf'), 'x\n')


def test_a_link_at_the_old_temporary_name_is_not_followed(tmp_path):
    # <path>.charm-new was opened O_CREAT|O_TRUNC: through a link there
    target = tmp_path / 'victim'
    before = victim(target)
    path = tmp_path / 'mistral.conf'
    (tmp_path / 'mistral.conf.charm-new').symlink_to(target)
    assert rendering.write_if_changed(str(path), 'password = x\n', mode=0o640)
    assert state(target) == before
    assert path.read_text() == 'password = x\n'
    assert not path.is_symlink()
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(os.listdir(tmp_path)) == [
        'mistral.conf', 'mistral.conf.charm-new', 'victim']


def test_temporary_names_are_new_and_unpredictable(tmp_path, monkeypatch):
    made = []
    real_open = os.open

    def record(name, flags, *args, **kwargs):
        if flags & os.O_CREAT:
            made.append((name, flags))
        return real_open(name, flags, *args, **kwargs)
    monkeypatch.setattr(os, 'open', record)
    for text in ('a\n', 'b\n'):
        rendering.write_if_changed(str(tmp_path / 'f.conf'), text)
    assert len(made) == 2 and made[0][0] != made[1][0]
    for name, flags in made:
        assert flags & os.O_EXCL and flags & os.O_NOFOLLOW, name


def test_a_link_on_the_way_is_refused(tmp_path):
    elsewhere = tmp_path / 'elsewhere'
    elsewhere.mkdir()
    (tmp_path / 'apache2').mkdir()
    (tmp_path / 'apache2' / 'ssl').symlink_to(elsewhere)
    path = tmp_path / 'apache2' / 'ssl' / 'mistral' / 'key_10.0.0.10'
    with pytest.raises(rendering.UnsafePath) as refused:
        rendering.write_if_changed(str(path), 'KEY\n')
    assert str(refused.value) == '{} is a symbolic link, not a ' \
        'directory'.format(tmp_path / 'apache2' / 'ssl')
    assert os.listdir(elsewhere) == []
    with pytest.raises(rendering.UnsafePath):
        rendering.secure_dir(str(path.parent), 'root')
    with pytest.raises(rendering.UnsafePath):
        rendering.remove_if_present(str(path))
    assert os.listdir(elsewhere) == []


@as_root
def test_secure_dir_refuses_a_link_and_leaves_its_target_alone(tmp_path):
    target = tmp_path / 'theirs'
    target.mkdir()
    os.chown(target, NOBODY.pw_uid, NOBODY.pw_gid)
    os.chmod(target, 0o755)
    (tmp_path / 'mistral').symlink_to(target)
    with pytest.raises(rendering.UnsafePath, match='symbolic link'):
        rendering.secure_dir(str(tmp_path / 'mistral'), 'root')
    held = os.stat(target)
    assert (held.st_uid, stat.S_IMODE(held.st_mode)) == (NOBODY.pw_uid,
                                                         0o755)
    rendering.secure_dir(str(tmp_path / 'etc'), 'root')
    held = os.stat(tmp_path / 'etc')
    assert (held.st_uid, stat.S_IMODE(held.st_mode)) == (0, 0o750)


def test_removing_a_link_removes_the_link_only(tmp_path):
    target = tmp_path / 'victim'
    before = victim(target)
    (tmp_path / 'juju-jobs').symlink_to(target)
    assert rendering.remove_if_present(str(tmp_path / 'juju-jobs'))
    assert state(target) == before
    assert not rendering.remove_if_present(str(tmp_path / 'juju-jobs'))
    assert not rendering.remove_if_present(str(tmp_path / 'no' / 'file'))


def test_a_bind_mounted_file_swapped_for_a_link_is_refused(
        tmp_path, monkeypatch):
    # os.replace onto a mount point fails with EBUSY and the file is
    # rewritten in place: a link found there then is not followed
    import errno
    target = tmp_path / 'victim'
    before = victim(target)
    path = tmp_path / 'memcached.conf'
    path.write_text('-l 10.0.0.1\n')

    def busy(source, name, **dir_fds):
        path.unlink()
        path.symlink_to(target)
        raise OSError(errno.EBUSY, 'Device or resource busy')
    monkeypatch.setattr(os, 'replace', busy)
    with pytest.raises(rendering.UnsafePath, match='symbolic link'):
        rendering.write_if_changed(str(path), '-l 10.0.0.2\n')
    assert state(target) == before
    assert sorted(os.listdir(tmp_path)) == ['memcached.conf', 'victim']


# --- as the service user ----------------------------------------------------

@as_root
def test_a_file_of_the_users_directory_is_written_as_the_user(tmp_path):
    home = tmp_path / 'home'
    path = home / '.ssh' / 'juju-jobs'
    assert rendering.write_as_user(str(path), 'KEY\n', 'nobody')
    for made, mode in ((path.parent, 0o700), (path, 0o600)):
        held = os.lstat(made)
        assert (held.st_uid, held.st_gid, stat.S_IMODE(held.st_mode)) == (
            NOBODY.pw_uid, NOBODY.pw_gid, mode), made
    assert path.read_text() == 'KEY\n'
    assert not rendering.write_as_user(str(path), 'KEY\n', 'nobody')
    assert os.listdir(path.parent) == ['juju-jobs']


@as_root
def test_the_users_writer_cannot_write_what_the_user_cannot(tmp_path):
    # The kernel, not the charm's care, is the last guard: the child
    # process runs with the user's uid and gid only
    private = tmp_path / 'root-only'
    private.mkdir(mode=0o700)

    def write():
        with open(private / 'x', 'w') as f:
            f.write('x')
    with pytest.raises(PermissionError):
        rendering.as_user((NOBODY.pw_uid, NOBODY.pw_gid), write)
    assert os.listdir(private) == []
    assert rendering.as_user((NOBODY.pw_uid, NOBODY.pw_gid), os.getuid) \
        == NOBODY.pw_uid
    assert rendering.as_user((NOBODY.pw_uid, NOBODY.pw_gid),
                             os.getgroups) in ([], [NOBODY.pw_gid])


# --- logrotate --------------------------------------------------------------

def test_logrotate_rotates_as_the_user_that_writes_the_logs(unit):
    unit.relate_all()
    unit.charm().converge()
    text = open(unit.logrotate.format('mistral')).read()
    blocks = text.split('/*.log {')[1:]
    assert blocks and all(
        block.splitlines()[1] == '    su mistral root' for block in blocks)
    # the fixture's service group is root; the daemons' user is mistral
    assert ('/var/log/mistral', 'mistral') in unit.log_dirs


@pytest.fixture
def log_tree():
    """A directory nobody can reach, for logrotate running as nobody
    (pytest's tmp_path is root's alone)."""
    top = tempfile.mkdtemp(prefix='charm-logrotate-')
    os.chmod(top, 0o755)
    yield top
    shutil.rmtree(top)


@as_root
@pytest.mark.skipif(not shutil.which('logrotate'),
                    reason='logrotate is not installed (local/'
                    'host-packages.txt installs it)')
@pytest.mark.parametrize('dir_mode', [0o750, 0o770])
def test_logrotate_accepts_the_rendered_config(unit, log_tree, dir_mode):
    logs = os.path.join(log_tree, 'log')
    os.mkdir(logs)
    os.chown(logs, NOBODY.pw_uid, NOBODY.pw_gid)
    os.chmod(logs, dir_mode)
    with open(os.path.join(logs, 'mistral-api.log'), 'w') as f:
        f.write('a line\n')
    os.chown(os.path.join(logs, 'mistral-api.log'), NOBODY.pw_uid,
             NOBODY.pw_gid)
    config = os.path.join(log_tree, 'logrotate.conf')
    with open(config, 'w') as f:
        f.write(rendering.render('logrotate.conf', {'options': {
            'service_name': 'mistral', 'log_dirs': [
                {'path': logs, 'user': 'nobody', 'group': 'nogroup'}]}},
            'zed'))
    dry = subprocess.run(
        ['logrotate', '-d', '-f', '-s', os.path.join(log_tree, 'state'),
         config], capture_output=True, text=True)
    out = dry.stdout + dry.stderr
    assert dry.returncode == 0, out
    assert 'error' not in out.lower(), out
    assert 'switching euid from 0 to {} and egid from 0 to {}'.format(
        NOBODY.pw_uid, NOBODY.pw_gid) in out
    assert 'rotating log {}/mistral-api.log'.format(logs) in out
    # Without su, as root, logrotate refuses a directory others may write
    # in, and follows links in one the user alone writes in.
    without_su = open(config).read().replace('su nobody nogroup', '')
    with open(config, 'w') as f:
        f.write(without_su)
    plain = subprocess.run(
        ['logrotate', '-d', '-f', '-s', os.path.join(log_tree, 'state'),
         config], capture_output=True, text=True)
    assert ('insecure permissions' in plain.stdout + plain.stderr) == (
        dir_mode == 0o770)


@as_root
def test_a_log_dir_becomes_the_users_and_closed_to_others(tmp_path):
    logs = tmp_path / 'log'
    logs.mkdir()
    os.chown(logs, 0, 4)            # root:adm, as another package made it
    os.chmod(logs, 0o775)
    rendering.log_dir(str(logs), 'nobody')
    held = os.stat(logs)
    assert (held.st_uid, held.st_gid, stat.S_IMODE(held.st_mode)) == (
        NOBODY.pw_uid, 4, 0o755)
    rendering.log_dir(str(tmp_path / 'new'), 'nobody')
    held = os.stat(tmp_path / 'new')
    assert (held.st_uid, held.st_gid, stat.S_IMODE(held.st_mode)) == (
        NOBODY.pw_uid, NOBODY.pw_gid, 0o750)
    target = tmp_path / 'theirs'
    target.mkdir(mode=0o700)
    (tmp_path / 'linked').symlink_to(target)
    with pytest.raises(rendering.UnsafePath):
        rendering.log_dir(str(tmp_path / 'linked'), 'nobody')
    assert os.stat(target).st_uid == 0
