"""The emulator (localjuju) as the Mistral harness runs it: with the
providers backed by real services, build/mistral as the default charm,
and the `demo` command."""

import os

from local import demo, horizon
from local.providers import PROVIDERS
from localjuju.cli import Cli
from localjuju.controller import Controller
from localjuju.runner import progress

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_CHARM = os.path.join(REPO, 'build', 'mistral')


def controller(model=None, out=progress):
    """A Controller of ``model`` that can relate to the real providers."""
    return Controller(model, out=out, providers=PROVIDERS)


def demo_arguments(cli, parser):
    cli.charm_argument(parser)
    parser.add_argument('-n', '--units', type=int, default=1)


def cli():
    """`python -m local`: the emulator's commands, and `demo`."""
    made = Cli(prog='python -m local', providers=PROVIDERS,
               default_charm=DEFAULT_CHARM,
               description='python -m local <command>: the local Juju '
               'emulator with the Mistral providers.')
    made.add_command(
        'demo', lambda c, a: demo.run(c, a.charm, a.units, out=progress),
        demo_arguments, help='deploy build/mistral related to '
        'rabbitmq-server, postgresql and keystone, wait for it and run a '
        'workflow')
    made.add_command(
        'dashboard', lambda c, a: horizon.add(c, out=progress),
        None, help='add Horizon (openstack-dashboard '
        'with the mistral-dashboard subordinate) to the deployment and '
        'print its URL, a user and where its password is')
    return made
