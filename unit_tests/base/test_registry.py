import pytest

from openstack_base.charm import OpenStackCharm
from openstack_base.instance import select_release
from charm.openstack.mistral import MistralCharm


def make_family():
    class Base(OpenStackCharm):
        release = 'ussuri'

    class Later(Base):
        release = 'zed'

    class Latest(Later):
        release = 'caracal'
    return Base, Later, Latest


def test_newest_class_not_newer_than_release():
    base, later, latest = make_family()
    assert base.for_release('ussuri') is base
    assert base.for_release('yoga') is base
    assert base.for_release('zed') is later
    assert latest.for_release('bobcat') is later
    assert base.for_release('gazpacho') is latest
    assert base.for_release(None) is latest


def test_families_do_not_mix():
    first = make_family()[0]
    second = make_family()[0]
    assert first.for_release('zed') is not second.for_release('zed')


def test_release_older_than_every_class_is_refused():
    class Modern(OpenStackCharm):
        release = 'zed'
    with pytest.raises(RuntimeError, match='oldest is zed'):
        Modern.for_release('yoga')


def test_two_classes_for_one_release_is_an_error():
    base = make_family()[0]
    with pytest.raises(RuntimeError, match='both claim release zed'):
        class Again(base):
            release = 'zed'


def test_unknown_release_is_refused():
    with pytest.raises(ValueError):
        class Odd(OpenStackCharm):
            release = 'nonsense'


def test_mistral_serves_every_supported_release():
    for release in ('yoga', 'zed', 'caracal', 'gazpacho'):
        assert issubclass(MistralCharm.for_release(release), MistralCharm)


def test_release_from_installed_package(monkeypatch):
    import openstack_base.instance as instance
    monkeypatch.setattr(instance, 'installed_version',
                        lambda pkg: '15.0.0-1+deb12u1')
    assert select_release(MistralCharm) == 'zed'
