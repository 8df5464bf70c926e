"""The emulator's own tests: the toy charm end to end, the CLI, status."""
