#!/usr/bin/env python3
# Entry point of the base layer's actions (pause, resume, ...): each is a
# link to this file, and openstack_base.actions runs the one its name says.
# (A charm layer's own actions link to an entry point in its own actions/.)
import os
import sys

sys.path.append(os.path.join(
    os.path.dirname(os.path.dirname(os.path.realpath(__file__))), 'lib'))

import hook_bootstrap  # noqa: E402

hook_bootstrap.activate_venv()

from openstack_base import actions  # noqa: E402

sys.exit(actions.main(sys.argv))
