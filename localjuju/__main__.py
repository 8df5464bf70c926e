"""python -m localjuju <command>: the emulator's CLI with no provider."""

import sys

from localjuju.cli import Cli

if __name__ == '__main__':
    sys.exit(Cli().main())
