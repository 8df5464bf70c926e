"""The library's small contracts: the port scheme, strict templates,
stale daemons found by their marker, upstream-shaped declarations, and
the instance an upgrade hands on."""

import os

import pytest

from openstack_base import instance, rendering, services, upgrades


def test_port_scheme_has_one_definition():
    assert services.port_plan(8989, tls=False) == (8989, 8979, 8979)
    assert services.port_plan(8989, tls=True) == (8989, 8979, 8969)


def test_a_misspelt_template_name_is_an_error(unit):
    templates = os.path.join(unit.juju.charm_dir, 'templates')
    with open(os.path.join(templates, 'probe'), 'w') as f:
        f.write('{{ amqp.transport_ulr }}')
    with pytest.raises(Exception, match='transport_ulr'):
        rendering.render('probe', {'amqp': {'transport_url': 'x'}}, 'zed')


def test_stale_daemons_are_found_by_their_marker(unit, monkeypatch):
    from openstack_base import charm as base_charm
    monkeypatch.setattr(base_charm, 'usable_cpus', lambda: 2)
    unit.relate_all()
    unit.charm(**{'worker-multiplier': 2}).converge()
    assert os.path.exists(os.path.join(unit.init.definitions_dir,
                                       'mistral-engine-3.service'))
    # Not the charm's: same prefix, no marker.
    other = os.path.join(unit.init.definitions_dir, 'mistral-other.service')
    with open(other, 'w') as f:
        f.write('[Service]\n')
    unit.charm(**{'worker-multiplier': None}).converge()
    left = sorted(os.listdir(unit.init.definitions_dir))
    assert 'mistral-engine-3.service' not in left
    assert 'mistral-engine-2.service' in left
    assert 'mistral-other.service' in left


# the real one: the fake unit replaces it with its own payload's release
INSTALLED_RELEASE = instance.installed_release


def test_release_table_has_the_upstream_shape(unit, monkeypatch):
    charm_class = unit.charm_class
    assert set(charm_class.package_codenames) == {charm_class.release_pkg}
    monkeypatch.setattr(instance, 'installed_release', INSTALLED_RELEASE)
    monkeypatch.setattr(instance, 'installed_version',
                        lambda package: '2:18.0.1-0ubuntu1')
    assert instance.select_release(charm_class) == 'caracal'


def test_api_ports_have_the_upstream_shape(unit):
    for ports in unit.charm_class.api_ports.values():
        assert set(ports) == {'public', 'admin', 'int'}


def test_the_upgraded_instance_serves_the_rest_of_the_hook(
        unit, monkeypatch):
    from charmhelpers.core import host
    monkeypatch.setattr(host, 'lsb_release',
                        lambda: {'DISTRIB_CODENAME': 'jammy'})
    monkeypatch.setattr(instance, 'select_release', lambda base: 'yoga')
    instance.forget_charm_instance()
    unit.juju.config['openstack-origin'] = 'cloud:jammy-zed'
    unit.offered = 'zed'
    with instance.provide_charm_instance(unit.charm_class) as old:
        upgraded = upgrades.upgrade(old)
    with instance.provide_charm_instance(unit.charm_class) as current:
        assert current is upgraded and current.release == 'zed'


def test_daemons_restart_together(tmp_path, monkeypatch):
    # Each fake `systemctl` waits until every one of them has begun: run
    # one after another, the first would give up and fail.
    from openstack_base import init_system
    names = ['mistral-api', 'mistral-engine', 'mistral-executor']
    systemctl = tmp_path / 'systemctl'
    systemctl.write_text(
        '#!/bin/sh\n'
        'touch "{0}/$2.$1"\n'
        'for i in $(seq 100); do\n'
        '  [ $(ls "{0}" | grep -c "\\.$1$") -eq {1} ] && exit 0\n'
        '  sleep 0.1\n'
        'done\n'
        'exit 1\n'.format(tmp_path / 'begun', len(names)))
    systemctl.chmod(0o755)
    (tmp_path / 'begun').mkdir()
    monkeypatch.setenv('PATH', '{}:{}'.format(tmp_path, os.environ['PATH']))
    assert init_system.at_once('restart', names) == dict.fromkeys(names, True)
    assert sorted(os.listdir(tmp_path / 'begun')) == [
        name + '.restart' for name in names]


def test_what_is_installed_is_asked_of_dpkg():
    from openstack_base import apt
    assert apt.not_installed(['dpkg', 'no-such-package-here']) == [
        'no-such-package-here']
