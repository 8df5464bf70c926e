#!/usr/bin/env python3
"""Mojo verify: every application settled, its units idle and active
with a "ready" message (zaza's default target; vault is ready once
vault_setup.py ran)."""

import zaza.model

if __name__ == '__main__':
    zaza.model.wait_for_application_states(states={}, timeout=3600)
