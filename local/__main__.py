"""python -m local <command>: the local Juju emulator with the Mistral
providers, and `demo` (see local/README.md)."""

import sys

from local.emulator import cli


def main(argv=None):
    return cli().main(argv)


if __name__ == '__main__':
    sys.exit(main())
