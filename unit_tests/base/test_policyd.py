"""Policy overrides from the policyd-override resource: applied while
use-policyd-override is on, checked first, removed when switched off."""

import os
import zipfile

import pytest

RULES = 'workflows:list: "!"\n'


def zip_of(tmp_path, files, name='po.zip'):
    path = str(tmp_path / name)
    with zipfile.ZipFile(path, 'w') as archive:
        for member, text in files.items():
            archive.writestr(member, text)
    return path


@pytest.fixture
def ready(unit):
    unit.relate_all()
    unit.charm().converge()
    unit.init.forget()
    return unit


def test_overrides_are_applied_and_status_says_so(ready, tmp_path):
    # resource-get's output as charmhelpers hands it on, unstripped.
    ready.resources['policyd-override'] = zip_of(
        tmp_path, {'deny-listing.yaml': RULES}) + '\n'
    charm = ready.charm(**{'use-policyd-override': True})
    charm.converge()
    path = os.path.join(ready.policyd, 'deny-listing.yaml')
    assert open(path).read() == RULES
    assert ready.init.actions('restart') == ['mistral-api']
    assert charm.workload_status() == ('active', 'PO: Unit is ready')
    ready.init.forget()
    ready.charm().converge()             # nothing changed
    assert ready.init.calls == []
    ready.charm(**{'use-policyd-override': False}).converge()
    assert os.listdir(ready.policyd) == []
    assert ready.init.actions('restart') == ['mistral-api']
    assert ready.charm().workload_status() == ('active', 'Unit is ready')


@pytest.mark.parametrize('files, reason', [
    ({'notes.txt': 'x'}, 'notes.txt: only .yaml files, at the top of the '
     'zip'),
    ({'sub/rules.yaml': RULES}, 'sub/rules.yaml: only .yaml files'),
    ({'rules.yaml': 'a: [1, 2'}, 'rules.yaml: not YAML'),
    ({'rules.yaml': '- a list\n'}, 'rules.yaml: must map rule names to '
     'rules'),
])
def test_bad_overrides_block_and_keep_the_last_good_ones(
        ready, tmp_path, files, reason):
    ready.resources['policyd-override'] = zip_of(
        tmp_path, {'good.yaml': RULES})
    ready.charm(**{'use-policyd-override': True}).converge()
    ready.init.forget()
    ready.resources['policyd-override'] = zip_of(tmp_path, files, 'bad.zip')
    charm = ready.charm()
    charm.converge()
    assert os.listdir(ready.policyd) == ['good.yaml']
    assert ready.init.calls == []
    state, message = charm.workload_status()
    assert state == 'blocked'
    assert message.startswith('PO: Invalid policy override: ' + reason)


def test_no_resource_or_not_a_zip_blocks(ready, tmp_path):
    charm = ready.charm(**{'use-policyd-override': True})
    assert charm.workload_status() == (
        'blocked', 'Invalid policy override: no policyd-override resource '
        'attached')
    path = str(tmp_path / 'plain')
    with open(path, 'w') as f:
        f.write('not a zip')
    ready.resources['policyd-override'] = path
    assert charm.workload_status()[1] == (
        'Invalid policy override: the policyd-override resource is not a '
        'zip file')
