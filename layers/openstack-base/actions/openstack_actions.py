#!/usr/bin/env python3
# Entry point of the common actions (pause, resume, restart-services,
# openstack-upgrade): each is a symlink to this file.
import os
import sys

sys.path.append(os.path.join(
    os.path.dirname(os.path.dirname(os.path.realpath(__file__))), 'lib'))

import hook_bootstrap  # noqa: E402

hook_bootstrap.activate_venv()

from openstack_base import actions  # noqa: E402

sys.exit(actions.main(sys.argv))
