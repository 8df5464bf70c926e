"""resource-get: the attached file's path, or Juju's error."""

from localjuju.tests.hooktools.calls import call


def test_resource_get(model, capsys):
    code, _, err = call(capsys, 'resource-get', 'po')
    assert code == 1 and 'resource#toy/po not found' in err
    with model.edit() as state:
        state['applications']['toy']['resources'] = {'po': '/r/po.zip'}
    assert call(capsys, 'resource-get', 'po', unit='toy/1') == (
        0, '/r/po.zip', '')
    assert call(capsys, 'resource-get')[0] == 2
