"""The CLI a harness builds: its own commands, providers and name."""

import pytest

from localjuju.cli import Cli
from localjuju.testing import FakeDB


def test_harness_command_gets_a_controller_with_its_plugins(state_root):
    seen = []

    def hello(controller, args):
        seen.append((controller.registry, args.name))

    cli = Cli(prog='python -m harness', providers={'toydb': FakeDB})
    cli.add_command('hello', hello,
                    lambda cli, parser: parser.add_argument('name'),
                    help='greet')
    assert cli.main(['-m', 'test', 'hello', 'bob']) == 0
    assert seen == [({'toydb': FakeDB}, 'bob')]


def test_deploy_needs_a_charm_unless_the_harness_has_a_default():
    with pytest.raises(SystemExit):
        Cli().parser().parse_args(['deploy'])
    args = Cli(default_charm='/charms/toy').parser().parse_args(['deploy'])
    assert (args.charm, args.app, args.units) == ('/charms/toy', None, 1)
    args = Cli().parser().parse_args(['deploy', '/charms/toy', 'web',
                                      '-n', '2'])
    assert (args.charm, args.app, args.units) == ('/charms/toy', 'web', 2)


@pytest.mark.needs_root
def test_a_failed_hook_points_at_the_harness_debug_log(deployed, capsys):
    deployed.config('toy', ['fail-hook=update-status'])
    cli = Cli(prog='python -m harness', providers={'toydb': FakeDB})
    assert cli.main(['-m', 'test', 'hook', 'toy/0', 'update-status']) == 1
    err = capsys.readouterr().err
    assert 'ERROR unit toy/0 hook "update-status" failed' in err
    assert '`python -m harness debug-log toy/0`' in err
    assert cli.main(['-m', 'test', 'debug-log', 'toy/0', '-n', '1']) == 0
    assert capsys.readouterr().out.count('\n') == 1
