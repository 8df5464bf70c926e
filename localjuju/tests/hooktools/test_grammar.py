"""The hook tools' command lines as Juju's jujuc commands take them: the
flags each defines, the arguments its Init accepts (refused: exit 2),
what fails while it runs (exit 1)."""

import pytest

from localjuju.tests.hooktools.calls import call

ACTION = {'JUJU_ACTION_UUID': '7'}

REFUSED = [
    # flags the command does not define
    ('config-get', ['--bogus'], 'flag provided but not defined: --bogus'),
    ('leader-set', ['--file', 'x.yaml'],
     'flag provided but not defined: --file'),
    ('leader-set', ['--format=json', 'a=b'],
     'flag provided but not defined: --format'),
    ('status-set', ['--format', 'json', 'active'],
     'flag provided but not defined: --format'),
    ('action-set', ['-o', 'out', 'a=b'], 'flag provided but not defined: -o'),
    ('network-get', ['-r'], 'flag needs an argument: -r'),
    # formats each printing command has
    ('config-get', ['--format=xml'],
     'invalid value "xml" for flag --format: unknown format "xml"'),
    ('goal-state', ['--format=smart'], 'unknown format "smart"'),
    # positional arguments
    ('config-get', ['--all', 'port'],
     'cannot use argument --all together with key "port"'),
    ('config-get', ['port', 'greeting'], 'unrecognized args: ["greeting"]'),
    ('unit-get', [], 'no setting specified'),
    ('unit-get', ['mac-address'], 'unknown setting "mac-address"'),
    ('unit-get', ['private-address', 'x'], 'unrecognized args: ["x"]'),
    ('network-get', [], 'no arguments specified'),
    ('network-get', ['db', 'public'], 'unrecognized args: ["public"]'),
    ('goal-state', ['units'], 'unrecognized args: ["units"]'),
    ('relation-get', ['-r', 'db:1'], 'no unit or application specified'),
    ('relation-get', ['-r', 'db:1', 'k', 'toydb/0', 'x'],
     'unrecognized args: ["x"]'),
    ('relation-get', ['k', 'toydb/0'], 'no relation id specified'),
    ('relation-set', ['a=1'], 'no relation id specified'),
    ('relation-set', ['-r', 'db:1', 'novalue'],
     'expected "key=value", got "novalue"'),
    ('relation-set', ['-r', 'db:1', 'a=1', 'a=2'],
     'key "a" specified more than once'),
    ('relation-ids', [], 'no relation name specified'),
    ('relation-ids', ['db', 'cluster'], 'unrecognized args: ["cluster"]'),
    ('relation-list', ['-r', 'db:1', 'toydb/0'],
     'unrecognized args: ["toydb/0"]'),
    ('leader-get', ['a=b'], 'invalid key "a=b"'),
    ('leader-get', ['a', 'b'], 'unrecognized args: ["b"]'),
    ('leader-set', ['token'], 'expected "key=value", got "token"'),
    ('is-leader', ['now'], 'unrecognized args: ["now"]'),
    ('status-set', [], 'invalid args, require <status> [message]'),
    ('status-set', ['happy', 'x'], 'invalid status "happy", expected one '
     'of [maintenance blocked waiting active]'),
    ('status-set', ['active', 'all', 'good'], 'unrecognized args: ["good"]'),
    ('status-get', ['message'], 'unrecognized args: ["message"]'),
    ('application-version-set', [], 'no version specified'),
    ('application-version-set', ['1', '2'], 'unrecognized args: ["2"]'),
    ('juju-log', [], 'no message specified'),
    ('open-port', [], 'no port or range specified'),
    ('open-port', ['80', '81'], 'unrecognized args: ["81"]'),
    ('open-port', ['http'], 'invalid port "http"'),
    ('close-port', ['70000/tcp'], 'invalid port range "70000/tcp"'),
    ('opened-ports', ['80'], 'unrecognized args: ["80"]'),
    ('resource-get', [], 'missing required resource name'),
    ('resource-get', ['a', 'b'], 'unrecognized args: ["b"]'),
    ('action-get', ['a', 'b'], 'unrecognized args: ["b"]'),
    ('action-set', ['x'], 'argument "x" must be of the form key...=value'),
    ('action-set', ['Bad=1'], 'key "Bad" must start and end with lowercase'),
    ('action-set', ['out.stderr=1'],
     'cannot set reserved action key "stderr"'),
    ('action-fail', ['one', 'two'], 'unrecognized args: ["two"]'),
    ('action-log', [], 'no message specified'),
]


@pytest.mark.parametrize('tool, argv, message', REFUSED)
def test_what_juju_refuses_exits_2(model, capsys, tool, argv, message):
    code, out, err = call(capsys, tool, *argv, **ACTION)
    assert (code, out) == (2, '')
    assert err.startswith('ERROR ') and message in err


def test_run_failures_exit_1(model, capsys):
    code, _, err = call(capsys, 'network-get', 'db', '--primary-address',
                        '--bind-address')
    assert code == 1
    assert err == 'ERROR --primary-address must be the only flag specified\n'
    code, _, err = call(capsys, 'leader-set', 'token=x', unit='toy/1')
    assert code == 1 and 'not the leader' in err


def test_what_juju_accepts(model, capsys, tmp_path):
    # a deprecated --format that does nothing, on the commands keeping it
    assert call(capsys, 'relation-set', '--format=json', '-r', 'db:1',
                'a=b')[0] == 0
    assert call(capsys, 'open-port', '--format', 'yaml', '8080')[0] == 0
    # -o writes the output to a file
    assert call(capsys, 'config-get', '-o', str(tmp_path / 'port'),
                'port') == (0, '', '')
    assert (tmp_path / 'port').read_text() == '8989\n'
    # goal-state prints YAML unless told JSON
    assert call(capsys, 'goal-state')[1].startswith('relations:')
    # no results at all, a one-word status
    assert call(capsys, 'action-set', **ACTION) == (0, '', '')
    assert call(capsys, 'status-set', 'active') == (0, '', '')
    assert model.read()['units']['toy/0']['workload']['message'] == ''
    # several network-get flags print a map of them
    code, out, _ = call(capsys, 'network-get', 'db', '--format=json',
                        '--ingress-address', '--egress-subnets')
    assert (code, out) == (0, '{"ingress-address": "127.0.0.1", '
                              '"egress-subnets": ["127.0.0.1/32"]}\n')
