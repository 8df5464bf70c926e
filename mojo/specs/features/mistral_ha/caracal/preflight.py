#!/usr/bin/env python3
"""Mojo script: what the bundle and the scripts take from the
environment, checked before anything is deployed."""

import os
import sys

NEEDED = {
    'MOJO_OS_VIP01': "the VIP: a free address of the units' network",
    'MISTRAL_CHARM': 'the packed charm to deploy (charmcraft pack), '
                     'an absolute path',
    'MOJO_LOCAL_DIR': "Mojo's local directory (the admin openrc goes "
                      'there)',
}

if __name__ == '__main__':
    missing = ['{}: {}'.format(name, why) for name, why in NEEDED.items()
               if not os.environ.get(name)]
    if not missing and not os.path.isabs(os.environ['MISTRAL_CHARM']):
        missing.append('MISTRAL_CHARM: not an absolute path')
    elif not missing and not os.path.exists(os.environ['MISTRAL_CHARM']):
        missing.append('MISTRAL_CHARM: no such file')
    if missing:
        sys.exit('Set:\n  ' + '\n  '.join(missing))
