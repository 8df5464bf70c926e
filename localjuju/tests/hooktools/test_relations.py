"""relation-get, -set, -ids, -list: scopes, publication, failures."""

import json

import yaml

from localjuju.tests.hooktools.calls import call


def test_relation_get_remote_unit_and_app(model, capsys):
    code, out, _ = call(capsys, 'relation-get', '--format=json', '-r',
                        'db:1', '-', 'toydb/0')
    assert code == 0
    data = json.loads(out)
    assert data['password'] == 'pw'
    assert data['ingress-address'] == '127.0.0.1'
    assert data['egress-subnets'] == '127.0.0.1/32'
    # the hook's own relation and remote unit come from the environment
    _, out, _ = call(capsys, 'relation-get', 'password',
                     JUJU_RELATION_ID='db:1', JUJU_REMOTE_UNIT='toydb/0')
    assert out == 'pw\n'
    _, out, _ = call(capsys, 'relation-get', '--format=json', '--app',
                     '-r', '1', '-', 'toydb')
    assert json.loads(out) == {'version': '1'}


def test_relation_get_failures(model, capsys):
    code, _, err = call(capsys, 'relation-get', '-r', 'db:99', '-', 'x/0')
    assert code == 2 and 'relation not found' in err
    # the endpoint name must match this application's side
    assert call(capsys, 'relation-get', '-r', 'amqp:1', '-', 'toydb/0')[
        0] == 2
    code, _, err = call(capsys, 'relation-get', '-r', 'db:1')
    assert code == 2 and err == 'ERROR no unit or application specified\n'
    code, _, err = call(capsys, 'relation-get', '-r', 'db:1', '-', 'a/9')
    assert code == 1 and 'settings not found' in err
    code, _, err = call(capsys, 'relation-get', 'x')
    assert code == 2 and 'no relation id' in err
    # only the leader reads its own application's data
    code, _, err = call(capsys, 'relation-get', '--app', '-r', 'db:1', '-',
                        'toy', unit='toy/1')
    assert code == 1 and 'leader' in err


def test_relation_set_is_published_only_at_hook_end(model, capsys,
                                                    tmp_path):
    settings = tmp_path / 'settings.yaml'
    settings.write_text(yaml.safe_dump({'database': 'toy', 'gone': None}))
    code, _, _ = call(capsys, 'relation-set', '-r', 'db:1', '--file',
                      str(settings), 'username=toy', JUJU_CONTEXT_ID='c1')
    assert code == 0
    state = model.read()
    assert 'database' not in state['relations']['1']['units']['toy/0']
    # ...but the hook itself reads back what it set
    _, out, _ = call(capsys, 'relation-get', '--format=json', '-r', 'db:1',
                     '-', 'toy/0', JUJU_CONTEXT_ID='c1')
    assert json.loads(out)['database'] == 'toy'
    assert state['contexts']['c1']['relations']['1']['unit'] == {
        'database': 'toy', 'gone': None, 'username': 'toy'}


def test_relation_set_file_holds_strings_as_juju_reads_them(
        model, capsys, tmp_path):
    settings = tmp_path / 'settings.yaml'
    # yaml.v2 into map[string]string: each scalar as written, a null
    # removes the key (as charmhelpers' None does)
    settings.write_text('port: 5432\nssl: yes\nratio: 1.50\n'
                        'password: pw\nnote: ~\n')
    assert call(capsys, 'relation-set', '-r', 'db:1', '--file',
                str(settings), 'note=kept') == (0, '', '')
    data = model.read()['relations']['1']['units']['toy/0']
    assert (data['port'], data['ssl'], data['ratio'], data['note']) == (
        '5432', 'yes', '1.50', 'kept')
    settings.write_text('password: ~\n')
    call(capsys, 'relation-set', '-r', 'db:1', '--file', str(settings))
    assert 'password' not in model.read()['relations']['1']['units'][
        'toy/0']
    # a list or a map is no relation setting: refused, nothing written
    for value in ('[a, b]', '{a: b}'):
        settings.write_text('hosts: {}\nother: x\n'.format(value))
        code, _, err = call(capsys, 'relation-set', '-r', 'db:1', '--file',
                            str(settings))
        assert code == 1 and 'cannot unmarshal !!' in err
        assert 'other' not in model.read()['relations']['1']['units'][
            'toy/0']


def test_relation_set_app_needs_leader(model, capsys):
    code, _, err = call(capsys, 'relation-set', '--app', '-r', 'db:1',
                        'a=b', unit='toy/1')
    assert (code, err) == (1, 'ERROR cannot write relation settings\n')
    assert call(capsys, 'relation-set', '--app', '-r', 'db:1', 'a=b')[
        0] == 0
    assert model.read()['relations']['1']['apps']['toy'] == {'a': 'b'}


def test_relation_set_help_mentions_file(model, capsys):
    # charmhelpers only uses --file when the help text mentions it
    assert '--file' in call(capsys, 'relation-set', '--help')[1]


def test_relation_ids_and_list(model, capsys):
    _, out, _ = call(capsys, 'relation-ids', '--format=json', 'db')
    assert json.loads(out) == ['db:1']
    assert json.loads(call(capsys, 'relation-ids', '--format=json',
                           'cluster')[1]) == []
    _, out, _ = call(capsys, 'relation-list', '--format=json', '-r', 'db:1')
    assert json.loads(out) == ['toydb/0']
    # toy/1 has not seen toydb/0 join yet
    _, out, _ = call(capsys, 'relation-list', '--format=json', '-r',
                     'db:1', unit='toy/1')
    assert json.loads(out) == []
    assert call(capsys, 'relation-list', '--app', '-r', 'db:1')[1] == \
        'toydb\n'
