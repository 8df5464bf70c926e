#!/usr/bin/env python3
# Entry point of Mistral's own actions (run-workflow, ...): each is a link
# to this file, and openstack_base.actions runs the one its name says, as
# the base layer's actions/openstack_actions.py does for pause, resume...
# The links stay inside src/: charmcraft's reactive plugin copies only
# src/ (charmcraft.yaml's part source), links as links, so a link into
# layers/ would dangle there; charm-build then copies what each resolves
# to into the built charm's actions/.
import os
import sys

sys.path.append(os.path.join(
    os.path.dirname(os.path.dirname(os.path.realpath(__file__))), 'lib'))

import hook_bootstrap  # noqa: E402

hook_bootstrap.activate_venv()

from openstack_base import actions  # noqa: E402

sys.exit(actions.main(sys.argv))
