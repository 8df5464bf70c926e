"""The emulator's command line (deploy, relate, config, run, status...),
built by a harness with its providers, unit directories and commands."""

import argparse
import os
import sys

from localjuju import goyaml
from localjuju import model as m
from localjuju import resources
from localjuju import status as status_view
from localjuju.controller import Controller, split_pair
from localjuju.errors import HookFailed, OperationError
from localjuju.runner import machine_of

# command -> what it asks of the controller
COMMANDS = {
    'deploy': lambda c, a: c.deploy(a.charm, a.app, a.units),
    'add-unit': lambda c, a: c.add_units(a.app, a.num_units),
    'relate': lambda c, a: c.relate(a.left, a.right),
    'remove-relation': lambda c, a: c.remove_relation(a.left, a.right),
    'config': lambda c, a: c.config(a.app, [read_at_file(p) for p in a.pairs],
                                    reset_keys(a.reset)),
    'run': lambda c, a: c.run_action(a.unit, a.action, a.params,
                                     a.string_args, params_file(a.file)),
    'hook': lambda c, a: c.hook(a.unit, a.hook),
    'upgrade-charm': lambda c, a: c.upgrade_charm(a.app, a.path),
    'attach-resource': lambda c, a: resources.attach(
        c, a.app, *split_pair(a.resource)),
    'resolved': lambda c, a: c.resolved(a.unit),
    'remove-unit': lambda c, a: [c.remove_unit(u) for u in a.units],
    'kill-unit': lambda c, a: [c.kill_unit(u) for u in a.units],
    'revive-unit': lambda c, a: [c.revive_unit(u) for u in a.units],
    'cut-unit': lambda c, a: [c.cut_unit(u) for u in a.units],
    'reconnect-unit': lambda c, a: [c.reconnect_unit(u) for u in a.units],
    'destroy': lambda c, a: c.destroy(),
}


def read_at_file(pair):
    """`juju config` reads ``key=@path`` from the file at path."""
    key, eq, text = pair.partition('=')
    if eq and text.startswith('@'):
        with open(text[1:]) as source:
            return key + '=' + source.read()
    return pair


def reset_keys(values):
    """--reset takes comma-separated keys, and may be given again."""
    keys = [k for value in values for k in value.strip(',').split(',')]
    for key in keys:
        if '=' in key:
            raise OperationError('--reset accepts a comma delimited set of '
                                 'keys "a,b,c", received: "{}"'.format(key))
    return keys


def params_file(path):
    """`juju run --params FILE`: a YAML map of params (yaml.v2)."""
    if not path:
        return None
    with open(path) as source:
        params = goyaml.load(source.read())
    if not isinstance(params, dict):
        raise OperationError('params must contain a YAML map with string '
                             'keys')
    return params


def failed_units(state):
    return [(unit, record['error']['hook'])
            for unit, record in sorted(state['units'].items())
            if record.get('error')]


class Cli:
    """``prog`` names the command in messages; ``providers`` go to the
    Controller; ``default_charm`` is what deploy
    deploys when given no charm directory."""

    def __init__(self, prog='python -m localjuju', providers=None,
                 default_charm=None, description=__doc__):
        self.prog = prog
        self.providers = dict(providers or {})
        self.default_charm = default_charm
        self.description = description
        self.commands = dict(COMMANDS)
        self.extra = []

    def add_command(self, name, run, arguments=None, help=None):
        """A harness's own command: ``arguments(cli, subparser)``
        declares its arguments, ``run(controller, args)`` does it."""
        self.commands[name] = run
        self.extra.append((name, help, arguments))

    def controller(self, model):
        return Controller(model, providers=self.providers)

    def parser(self):
        top = argparse.ArgumentParser(prog=self.prog,
                                      description=self.description)
        top.add_argument('-m', '--model',
                         default=os.environ.get('LOCAL_JUJU_MODEL',
                                                m.DEFAULT_MODEL))
        sub = top.add_subparsers(dest='command', required=True)
        deploy = sub.add_parser('deploy', help='deploy a charm{}'.format(
            ' ({})'.format(os.path.relpath(self.default_charm))
            if self.default_charm else ''))
        self.charm_argument(deploy)
        deploy.add_argument('app', nargs='?')
        deploy.add_argument('-n', '--units', '--num-units', type=int,
                            default=1)
        add_unit = sub.add_parser('add-unit')
        add_unit.add_argument('app')
        add_unit.add_argument('-n', '--num-units', type=int, default=1)
        for name, text in (
                ('remove-unit', 'departed/broken, stop, then its machine '
                 'goes'),
                ('kill-unit', 'its machine loses power (every process killed '
                 'at once)'),
                ('revive-unit', 'boot a killed machine; the agent runs start '
                 'and config-changed'),
                ('cut-unit', 'its machine loses its network (its processes '
                 'live on)'),
                ('reconnect-unit', 'plug a cut off machine back')):
            unit_command = sub.add_parser(name, help=text)
            unit_command.add_argument('units', nargs='+', metavar='unit')
        for name in ('relate', 'remove-relation'):
            rel = sub.add_parser(name)
            rel.add_argument('left')
            rel.add_argument('right')
        config = sub.add_parser('config')
        config.add_argument('app')
        config.add_argument('pairs', nargs='*', metavar='key=value')
        config.add_argument('--reset', action='append', default=[])
        run = sub.add_parser('run', help='run an action')
        run.add_argument('unit')
        run.add_argument('action')
        run.add_argument('params', nargs='*', metavar='key[.key]=value')
        run.add_argument('--string-args', action='store_true',
                         help='every value a string, not YAML')
        run.add_argument('--params', dest='file', metavar='FILE',
                         help='a YAML map of params (key=value wins)')
        hook = sub.add_parser('hook', help='run a hook, e.g. update-status')
        hook.add_argument('unit')
        hook.add_argument('hook')
        upgrade = sub.add_parser('upgrade-charm')
        upgrade.add_argument('app')
        upgrade.add_argument('--path')
        attach = sub.add_parser('attach-resource',
                                help="attach a file to a charm's resource")
        attach.add_argument('app')
        attach.add_argument('resource', metavar='name=path')
        resolved = sub.add_parser('resolved', help='retry a failed hook')
        resolved.add_argument('unit')
        sub.add_parser('status')
        log = sub.add_parser('debug-log')
        log.add_argument('unit')
        log.add_argument('-n', '--lines', type=int, default=0)
        sub.add_parser('destroy')
        for name, help_text, arguments in self.extra:
            command = sub.add_parser(name, help=help_text)
            if arguments:
                arguments(self, command)
        return top

    def charm_argument(self, parser):
        """The optional charm directory (required without a default)."""
        if self.default_charm:
            parser.add_argument('charm', nargs='?',
                                default=self.default_charm)
        else:
            parser.add_argument('charm')

    def main(self, argv=None):
        parser = self.parser()
        args, extra = parser.parse_known_args(argv)
        if extra:   # `juju run`'s flags may come between its key=values
            if args.command != 'run' or any(e.startswith('-')
                                            for e in extra):
                parser.error('unrecognized arguments: ' + ' '.join(extra))
            args.params += extra
        model = m.Model(args.model)
        if args.command == 'status':
            state = model.read()
            sys.stdout.write(status_view.render(state, machines={
                unit: machine_of(model, state, unit).system_state()
                for unit, record in state['units'].items()
                if not record.get('provider')}))
            return 0
        if args.command == 'debug-log':
            return self.debug_log(model, args)
        try:
            result = self.commands[args.command](self.controller(model),
                                                 args)
        except (OperationError, HookFailed, ValueError, RuntimeError,
                OSError) as error:
            sys.stderr.write('ERROR {}\n'.format(error))
            return 1
        if args.command == 'destroy':
            return 0
        failures = failed_units(model.read())
        for unit, hook in failures:
            sys.stderr.write('ERROR unit {} hook "{}" failed; see {} or '
                             '`{} debug-log {}`\n'.format(
                                 unit, hook, m.unit_log(model.root, unit),
                                 self.prog, unit))
        if args.command == 'run':
            sys.stdout.write(status_view.action_output(result))
            return 0 if result['status'] == 'completed' else 1
        if args.command == 'config' and result is not None:
            for key, value in sorted(result.items()):
                sys.stdout.write('{}: {}\n'.format(key, value))
        return 1 if failures else 0

    @staticmethod
    def debug_log(model, args):
        path = m.unit_log(model.root, args.unit)
        if not os.path.exists(path):
            sys.stderr.write('ERROR no log for unit "{}"\n'.format(
                args.unit))
            return 1
        with open(path) as log:
            lines = log.readlines()
        sys.stdout.writelines(lines[-args.lines:] if args.lines else lines)
        return 0
