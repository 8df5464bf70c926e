"""nrpe-external-master endpoint (provides, container scope).

The files and the ``monitors`` YAML follow what the nrpe charm consumes,
as charmhelpers.contrib.charmsupport.nrpe writes them (NRPE.write,
Check.write / write_service_config).
"""

import pytest
import yaml

from relation_sim import load_interface


@pytest.fixture
def dirs(tmp_path, monkeypatch):
    endpoint = load_interface('nrpe-external-master',
                              'provides').NrpeExternalMasterProvides
    conf, export = tmp_path / 'nrpe.d', tmp_path / 'export'
    export.mkdir()
    monkeypatch.setattr(endpoint, 'NRPE_CONF_DIR', str(conf))
    monkeypatch.setattr(endpoint, 'NAGIOS_EXPORT_DIR', str(export))
    return conf, export


@pytest.fixture
def nrpe(sim, dirs):
    rid = sim.relate('nrpe-external-master', 'nrpe')
    sim.join(rid, 'nrpe/0', {'nagios_hostname': 'juju-mistral-0'})
    return rid


def test_available_while_attached(sim, nrpe):
    assert 'nrpe-external-master.available' in sim.flags
    sim.break_relation(nrpe)
    assert 'nrpe-external-master.available' not in sim.flags


def test_add_check_writes_files_and_monitors(sim, nrpe, dirs):
    conf, export = dirs
    with sim.hook('nrpe-external-master-relation-changed', nrpe, 'nrpe/0'):
        ep = sim.endpoint('nrpe-external-master')
        ep.add_check(['/usr/lib/nagios/plugins/check_http', '-p', '8989'],
                     name='mistral_api', description='Mistral API',
                     context='juju', servicegroups='juju')
        ep.updated()
    assert (conf / 'check_mistral_api.cfg').read_text() == (
        '# check mistral_api\ncommand[check_mistral_api]='
        '/usr/lib/nagios/plugins/check_http -p 8989\n')
    service = (export / 'service__juju-mistral-0_check_mistral_api.cfg')
    text = service.read_text()
    assert 'check_command                   check_nrpe!check_mistral_api' \
        in text
    assert 'host_name                       juju-mistral-0' in text
    monitors = yaml.safe_load(sim.local_data(nrpe)['monitors'])
    assert monitors == {'monitors': {'remote': {'nrpe': {
        'mistral_api': {'command': 'check_mistral_api'}}}}}


def test_remove_check(sim, nrpe, dirs):
    conf, export = dirs
    with sim.hook('config-changed'):
        ep = sim.endpoint('nrpe-external-master')
        ep.add_check(['check_a'], name='a', description='A', context='c')
        ep.add_check(['check_b'], name='b', description='B', context='c')
        ep.updated()
    with sim.hook('config-changed'):
        ep = sim.endpoint('nrpe-external-master')
        ep.remove_check('a')
        ep.updated()
    assert not (conf / 'check_a.cfg').exists()
    assert not list(export.glob('*_check_a.cfg'))
    assert (conf / 'check_b.cfg').exists()
    nrpe_checks = yaml.safe_load(sim.local_data(nrpe)['monitors'])[
        'monitors']['remote']['nrpe']
    assert nrpe_checks == {'b': {'command': 'check_b'}}


def test_bad_check_name_rejected(sim, nrpe):
    with sim.hook('config-changed'):
        with pytest.raises(ValueError):
            sim.endpoint('nrpe-external-master').add_check(
                ['x'], name='bad name', description='d', context='c')
