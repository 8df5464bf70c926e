"""Where openstack-origin points apt: the pocket a cloud: origin names,
as charmhelpers' add_source writes it."""

import os

import pytest
from charmhelpers import fetch

from openstack_base import apt

UCA = 'deb http://ubuntu-cloud.archive.canonical.com/ubuntu {} main\n'


@pytest.fixture
def added(unit, monkeypatch):
    """The sources given to add-apt-repository (charmhelpers)."""
    sources = []
    monkeypatch.setattr(fetch, 'add_source',
                        lambda source, key=None: sources.append(source))
    return sources


@pytest.mark.parametrize('origin,suite', [
    ('cloud:jammy-caracal', 'jammy-updates/caracal'),
    ('cloud:jammy-caracal/updates', 'jammy-updates/caracal'),
    ('cloud:jammy-caracal/proposed', 'jammy-proposed/caracal'),
    ('cloud:noble-epoxy/proposed', 'noble-proposed/epoxy'),
])
def test_a_cloud_origin_gets_the_pocket_it_names(unit, added, origin,
                                                 suite):
    apt.configure_source(origin, origin[6:11])
    assert open(apt.ORIGIN_LIST).read() == UCA.format(suite)
    assert 'ubuntu-cloud-keyring' in unit.installed
    assert added == []
    assert unit.apt_calls[-1] == ('update',)


def test_staging_is_the_cloud_archive_teams_ppa(unit, added):
    apt.configure_source('cloud:jammy-bobcat', 'jammy')
    apt.configure_source('cloud:jammy-bobcat/staging', 'jammy')
    assert added == ['ppa:ubuntu-cloud-archive/bobcat-staging']
    # the updates pocket of the origin before does not stay behind
    assert not os.path.exists(apt.ORIGIN_LIST)
    assert unit.apt_calls[-1] == ('update',)


def test_distro_removes_the_origins_source(unit, added):
    apt.configure_source('cloud:jammy-caracal', 'jammy')
    apt.configure_source('distro', 'jammy')
    assert not os.path.exists(apt.ORIGIN_LIST)
