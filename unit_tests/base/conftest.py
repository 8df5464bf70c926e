import pytest
from charms.reactive import flags

from charm.openstack.mistral import MistralCharm
from openstack_base.charm import INSTALLED
from fake_juju import FakeInit, FakeJuju

COMPLETE = ('amqp.connected', 'amqp.available',
            'identity-service.connected', 'identity-service.available',
            'shared-db.connected', 'shared-db.available')


class Unit:
    """A Mistral unit with fake Juju and init system, real everything
    else; config files go to a temporary /etc."""

    def __init__(self, tmp_path, monkeypatch):
        self.juju = FakeJuju(tmp_path, monkeypatch)
        self.init = FakeInit(tmp_path, monkeypatch)
        self.etc = tmp_path / 'etc'
        self.conf = str(self.etc / 'mistral.conf')
        self.haproxy = str(self.etc / 'haproxy.cfg')
        monkeypatch.setattr(MistralCharm, 'config_files', {
            self.conf: 'mistral.conf',
            str(self.etc / 'cron.conf'): 'mistral-cron-trigger.conf'})
        monkeypatch.setattr(MistralCharm, 'haproxy_conf', self.haproxy)
        monkeypatch.setattr(MistralCharm, 'group', 'root')
        self.sync_calls = []
        import subprocess
        monkeypatch.setattr(subprocess, 'check_call',
                            lambda cmd, **kw: self.sync_calls.append(cmd))

    def charm(self, release='zed', **config):
        self.juju.config.update(config)
        return MistralCharm(release)

    def relate_all(self):
        for flag in COMPLETE + (INSTALLED,):
            flags.set_flag(flag)


@pytest.fixture
def unit(tmp_path, monkeypatch):
    return Unit(tmp_path, monkeypatch)
