"""A local emulator of the part of Juju a charm sees (see README.md)."""

# The Juju version the emulator answers as (JUJU_VERSION, jujud, status).
JUJU_VERSION = '3.4.0'
