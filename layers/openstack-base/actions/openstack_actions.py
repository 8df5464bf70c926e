#!/usr/bin/env python3
# Entry point of every action, the base layer's (pause, resume, ...) and
# the charm's own (run-workflow, ...): each is a link to this file, and
# openstack_base.actions runs the one its name says.
import os
import sys

sys.path.append(os.path.join(
    os.path.dirname(os.path.dirname(os.path.realpath(__file__))), 'lib'))

import hook_bootstrap  # noqa: E402

hook_bootstrap.activate_venv()

from openstack_base import actions  # noqa: E402

sys.exit(actions.main(sys.argv))
