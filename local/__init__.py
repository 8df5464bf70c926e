"""The Mistral harness of the local deployment (see README.md).

It talks to Mistral with the charm's own client
(src/lib/charm/openstack/mistral_api.py), taken from the source tree, not
from a build: src/lib goes first on the import path, where ``charm`` (a
namespace package, as in the built charm's lib/) is found.
"""

import os
import sys

CHARM_LIB = os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), 'src', 'lib')
if CHARM_LIB not in sys.path:
    sys.path.insert(0, CHARM_LIB)
