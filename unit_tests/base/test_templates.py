"""Template lookup per release, and how config files are written."""

import errno
import grp
import os
import stat

from openstack_base import rendering


def test_newest_release_dir_not_newer_than_the_release_wins(unit):
    templates = os.path.join(unit.juju.charm_dir, 'templates')
    for release, text in (('yoga', 'yoga'), ('antelope', 'antelope')):
        os.makedirs(os.path.join(templates, release))
        with open(os.path.join(templates, release, 'probe'), 'w') as f:
            f.write(text)
    with open(os.path.join(templates, 'probe'), 'w') as f:
        f.write('generic')
    render = {r: rendering.render('probe', {}, r)
              for r in ('yoga', 'zed', 'antelope', 'caracal')}
    assert render == {'yoga': 'yoga', 'zed': 'yoga',
                      'antelope': 'antelope', 'caracal': 'antelope'}
    os.remove(os.path.join(templates, 'yoga', 'probe'))
    assert rendering.render('probe', {}, 'zed') == 'generic'


def test_config_files_are_0640_root_and_the_service_group(
        tmp_path, monkeypatch):
    groups = []

    class Group:
        gr_gid = 4242
    monkeypatch.setattr(grp, 'getgrnam',
                        lambda name: groups.append(name) or Group)
    chowned = []
    monkeypatch.setattr(os, 'chown', lambda p, u, g: chowned.append((u, g)))
    path = str(tmp_path / 'etc' / 'mistral.conf')
    assert rendering.write_if_changed(path, 'password = x\n',
                                      group='mistral')
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert groups == ['mistral'] and chowned == [(0, 4242)]
    assert not rendering.write_if_changed(path, 'password = x\n',
                                          group='mistral')
    assert chowned == [(0, 4242)]           # unchanged: not rewritten


def test_a_bind_mounted_file_is_rewritten_in_place(tmp_path, monkeypatch):
    # os.replace onto a mount point fails with EBUSY (a conffile a
    # container binds in): the same inode gets the content and the rights
    path = tmp_path / 'memcached.conf'
    path.write_text('-l 10.0.0.1\n')
    os.chmod(path, 0o644)
    inode = os.stat(path).st_ino
    real_replace = os.replace

    def busy(source, target):
        if str(target) == str(path):
            raise OSError(errno.EBUSY, 'Device or resource busy')
        return real_replace(source, target)
    monkeypatch.setattr(os, 'replace', busy)
    assert rendering.write_if_changed(str(path), '-l 10.0.0.2\n')
    assert path.read_text() == '-l 10.0.0.2\n'
    assert os.stat(path).st_ino == inode
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert os.listdir(tmp_path) == ['memcached.conf']


def test_config_dir_is_root_owned_and_closed_to_others(unit, monkeypatch):
    chowned = []
    monkeypatch.setattr(os, 'geteuid', lambda: 0)
    monkeypatch.setattr(os, 'chown', lambda p, u, g: chowned.append((p, u)))
    unit.relate_all()
    unit.charm().converge()
    assert (str(unit.etc), 0) in chowned
    assert stat.S_IMODE(os.stat(unit.etc).st_mode) == 0o750


def test_logrotate_covers_every_directory_the_daemons_log_to(unit):
    unit.relate_all()
    unit.charm().converge()
    text = open(unit.logrotate.format('mistral')).read()
    assert '/var/log/mistral/*.log {' in text
    assert 'copytruncate' in text and 'rotate 7' in text
    # Every file the daemons' logging writes is in a rotated directory.
    import glob
    import re
    written = set()
    for path in glob.glob(str(unit.etc / 'logging-*.conf')):
        written.update(re.findall(r"args = \('(/[^']+)',", open(path).read()))
    assert written and {os.path.dirname(p) for p in written} == {
        '/var/log/mistral'}
