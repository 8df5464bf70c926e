"""What a machine is made of, without making one: the image's recipe,
the apt proxy's configuration, nspawn's command line."""

from localjuju import aptproxy
from localjuju import cgroups
from localjuju import image
from localjuju import network
from localjuju.machine import REPO, Machine


def test_the_image_is_rebuilt_when_its_recipe_changes(monkeypatch):
    spec = image.recipe()
    assert image.recipe_hash(spec) == image.recipe_hash(dict(spec))
    for key, value in (('include', spec['include'] + ['vim']),
                       ('week', '1999-01'),
                       ('configure', spec['configure'] + '\ntrue\n'),
                       ('mirror', 'http://mirror.example/debian')):
        assert image.recipe_hash(dict(spec, **{key: value})) != \
            image.recipe_hash(spec), key
    layer = image.layer_recipe('0123', ['b', 'a'])
    assert layer['packages'] == ['a', 'b']     # one layer, any order
    assert image.recipe_hash(layer) != image.recipe_hash(
        image.layer_recipe('0123', ['a', 'b', 'c']))
    assert image.recipe_hash(layer) != image.recipe_hash(
        image.layer_recipe('4567', ['a', 'b']))
    monkeypatch.setenv('LOCAL_JUJU_CACHE', '/srv/cache')
    assert image.images_dir() == '/srv/cache/images'


def test_the_proxy_serves_debians_archive_only_on_the_bridge(monkeypatch):
    monkeypatch.setenv('LOCAL_JUJU_MIRROR', 'http://mirror.example/debian/')
    text = aptproxy.config_text('/srv/cache/apt-cacher-ng')
    lines = dict(line.split(': ', 1) for line in text.splitlines())
    assert lines['BindAddress'] == '127.0.0.1 ' + network.HOST_ADDRESS
    assert lines['ForceManaged'] == '1'
    assert lines['Remap-debrep'].endswith('; http://mirror.example/debian/')
    assert lines['Remap-secdeb'].endswith(
        '; http://mirror.example/debian-security/')
    assert lines['CacheDir'] == '/srv/cache/apt-cacher-ng'
    assert aptproxy.url() == 'http://{}:3142'.format(network.HOST_ADDRESS)


def test_a_machine_boots_from_its_own_cgroup_in_its_netns():
    machine = Machine('/srv/model', 'mistral/1', '10.231.0.12', 1)
    script = machine.launch_command().splitlines()
    v1, v2 = cgroups.hierarchies()
    joined = [line for line in script if line.startswith('echo $$')]
    assert joined[-1] == 'echo $$ > {}/local-juju/lj12/cgroup.procs'.format(
        v2)
    assert len(joined) == (2 if v1 else 1)
    nspawn = script[-1].split()
    assert nspawn[:2] == ['exec', 'systemd-nspawn']
    for flag in ('--boot', '--register=no', '--keep-unit',
                 '--machine=lj12', '--hostname=juju-mistral-1',
                 '--directory=/srv/model/units/mistral-1/machine/root',
                 '--network-namespace-path=/run/netns/lj12',
                 '--bind=/srv/model', '--bind-ro=' + REPO):
        assert flag in nspawn, flag
    assert machine.host_path('/etc/mistral') == \
        '/srv/model/units/mistral-1/machine/root/etc/mistral'
