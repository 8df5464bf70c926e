"""Template lookup per release, and how config files are written."""

import base64
import configparser
import errno
import grp
import os
import stat

import pytest
from charms.reactive import flags
from fake_juju import COMPLETE

from openstack_base import rendering, status


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
    monkeypatch.setattr(os, 'geteuid', lambda: 0)
    monkeypatch.setattr(os, 'fchown',
                        lambda fd, u, g: chowned.append((u, g)))
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

    def busy(source, target, **dir_fds):
        if target == path.name:
            raise OSError(errno.EBUSY, 'Device or resource busy')
        return real_replace(source, target, **dir_fds)
    monkeypatch.setattr(os, 'replace', busy)
    assert rendering.write_if_changed(str(path), '-l 10.0.0.2\n')
    assert path.read_text() == '-l 10.0.0.2\n'
    assert os.stat(path).st_ino == inode
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert os.listdir(tmp_path) == ['memcached.conf']


def test_config_dir_is_root_owned_and_closed_to_others(unit, monkeypatch):
    chowned = []
    monkeypatch.setattr(os, 'geteuid', lambda: 0)
    monkeypatch.setattr(os, 'fchown', lambda fd, u, g: chowned.append(
        (os.readlink('/proc/self/fd/{}'.format(fd)), u)))
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


# RabbitMQ over TLS: rabbitmq-server's amqp answers (hooks/ssl_utils.py
# configure_client_ssl), through the real interface, the AMQP adapter and
# the real templates. The other relations stand in by their flags, set in
# each hook once their endpoints (not related here) have cleared them.
RABBIT = {'hostname': '10.5.1.1', 'password': 'rabbit-pw'}
CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'
CA_B64 = base64.b64encode(CA_PEM.encode()).decode()
OTHER_RELATIONS = [f for f in COMPLETE + ('charm.installed',)
                   if not f.startswith('amqp.')]


@pytest.fixture
def rabbitmq(unit):
    """answer(data): RabbitMQ's unit data becomes ``data``; the unit
    converges. Returns (incomplete relations, mistral.conf or None)."""
    rid = unit.juju.relate('amqp', 'rabbitmq-server')
    unit.juju.join(rid, 'rabbitmq-server/0')
    with unit.juju.hook('amqp-relation-changed', rid, 'rabbitmq-server/0'):
        unit.juju.endpoint('amqp').request_access('mistral', 'openstack')

    def answer(data):
        unit.juju.change(rid, 'rabbitmq-server/0', data, replace=True)
        with unit.juju.hook('update-status'):
            for flag in OTHER_RELATIONS:
                flags.set_flag(flag)
            charm = unit.charm_class(
                'zed', endpoints={'amqp': unit.juju.endpoint('amqp')})
            charm.converge()
            incomplete = status.relation_state(charm)[1]
        if not os.path.exists(unit.conf):
            return incomplete, None
        conf = configparser.ConfigParser(interpolation=None)
        conf.read(unit.conf)
        return incomplete, conf
    return answer


def test_rabbitmq_without_tls_is_plain_amqp(unit, rabbitmq):
    incomplete, conf = rabbitmq(RABBIT)
    assert incomplete == []
    assert 'ssl' not in conf['oslo_messaging_rabbit']
    assert '@10.5.1.1:5672/' in conf['DEFAULT']['transport_url']


def test_rabbitmq_ssl_port_without_ca_verifies_against_system_bundle(
        unit, rabbitmq):
    # rabbitmq-server with its own ssl_cert/ssl_key and no ssl_ca sends
    # ssl_port alone; with ssl=only it does not listen on 5672 at all.
    incomplete, conf = rabbitmq(dict(RABBIT, ssl_port='5671'))
    assert incomplete == []
    section = conf['oslo_messaging_rabbit']
    assert section['ssl'] == 'true'
    assert section['ssl_ca_file'] == '/etc/ssl/certs/ca-certificates.crt'
    assert '@10.5.1.1:5671/' in conf['DEFAULT']['transport_url']
    assert not os.path.exists(unit.etc / 'rabbitmq-ca.pem')


def test_rabbitmq_ca_is_written_used_and_removed_when_withdrawn(
        unit, rabbitmq):
    ca_file = str(unit.etc / 'rabbitmq-ca.pem')
    incomplete, conf = rabbitmq(dict(RABBIT, ssl_port='5671',
                                     ssl_ca=CA_B64))
    assert conf['oslo_messaging_rabbit']['ssl_ca_file'] == ca_file
    assert open(ca_file).read() == CA_PEM
    # rabbitmq-server's ssl_ca option unset: it keeps ssl_port only
    incomplete, conf = rabbitmq(dict(RABBIT, ssl_port='5671'))
    assert conf['oslo_messaging_rabbit']['ssl_ca_file'] == \
        '/etc/ssl/certs/ca-certificates.crt'
    assert not os.path.exists(ca_file)
    assert '@10.5.1.1:5671/' in conf['DEFAULT']['transport_url']


def test_rabbitmq_ca_base64_with_line_breaks(unit, rabbitmq):
    # rabbitmq-server passes an ssl_ca option that is already base64 on
    # as given, line breaks included (`base64` wraps at 76 columns)
    wrapped = '\n'.join(CA_B64[i:i + 76] for i in range(0, len(CA_B64), 76))
    assert '\n' in wrapped
    incomplete, conf = rabbitmq(dict(RABBIT, ssl_port='5671',
                                     ssl_ca=wrapped))
    assert incomplete == []
    assert open(unit.etc / 'rabbitmq-ca.pem').read() == CA_PEM


@pytest.mark.parametrize('bad, named', [
    ({'ssl_port': 'amqps'}, 'ssl_port: must be an integer'),
    ({'ssl_port': '70000'}, 'ssl_port: must be at most 65535'),
    ({'ssl_port': '5671', 'ssl_ca': '%% not base64 %%'},
     'ssl_ca: must be base64-encoded PEM'),
    ({'ssl_port': '5671', 'ssl_ca': base64.b64encode(b'no PEM').decode()},
     'ssl_ca: must be base64-encoded PEM (CERTIFICATE)'),
])
def test_rabbitmq_malformed_tls_data_keeps_amqp_incomplete(
        unit, rabbitmq, bad, named):
    incomplete, conf = rabbitmq(dict(RABBIT, **bad))
    assert incomplete == ["'amqp' ({})".format(named)]
    assert conf is None         # nothing rendered, in plaintext or else
