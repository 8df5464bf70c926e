import pytest

from openstack_base import releases


@pytest.mark.parametrize('origin,series,release', [
    ('distro', 'jammy', 'yoga'),
    ('distro', 'noble', 'caracal'),
    ('distro', 'bookworm', 'zed'),
    ('cloud:jammy-caracal', 'jammy', 'caracal'),
    ('cloud:jammy-antelope/proposed', 'jammy', 'antelope'),
    ('cloud:noble-epoxy', 'noble', 'epoxy'),
    ('deb http://archive.example/ubuntu jammy main', 'jammy', None),
    ('deb http://archive.example/ubuntu jammy main|ABCDEF12', 'jammy', None),
    ('ppa:team/mistral', 'noble', None),
    # a raw line's release is the one it names
    ('deb http://uca.example/ubuntu jammy-updates/bobcat main', 'jammy',
     'bobcat'),
    ('deb [trusted=yes] file:/srv/mistral-antelope ./', 'bookworm',
     'antelope'),
])
def test_origin_names_release(origin, series, release):
    assert releases.release_from_origin(origin, series) == release


@pytest.mark.parametrize('origin,series,words', [
    ('cloud:focal-caracal', 'jammy', 'focal'),
    ('cloud:jammy-yoga', 'jammy', 'no'),           # yoga is jammy's distro
    ('cloud:jammy-gazpacho', 'jammy', 'no'),
    ('caracal', 'jammy', 'not distro'),
    ('', 'jammy', 'not distro'),
    ('distro', 'trusty', 'no known'),
])
def test_bad_origin_says_why(origin, series, words):
    with pytest.raises(releases.InvalidOrigin) as error:
        releases.release_from_origin(origin, series)
    assert words in str(error.value)


def test_order():
    assert releases.compare('yoga', 'zed') == -1
    assert releases.compare('caracal', 'caracal') == 0
    assert releases.compare('epoxy', 'bobcat') == 1
    with pytest.raises(ValueError):
        releases.compare('yoga', 'nonsense')


@pytest.mark.parametrize('version,release', [
    ('15.0.0-1+deb12u1', 'zed'),           # Debian bookworm
    ('2:14.0.0-0ubuntu1', 'yoga'),          # epoch, Ubuntu jammy
    ('18.0.1-0ubuntu1~cloud0', 'caracal'),
    ('99.0.0', None),
])
def test_version_names_release(version, release):
    codenames = {'14': 'yoga', '15': 'zed', '18': 'caracal'}
    assert releases.release_from_version(version, codenames) == release
