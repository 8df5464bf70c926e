"""Calling a hook tool in-process, as a unit of the hand-made model."""

from localjuju import hooktools


def env(unit='toy/0', **extra):
    base = {'JUJU_UNIT_NAME': unit, 'JUJU_MODEL_NAME': 'test'}
    base.update(extra)
    return base


def call(capsys, tool, *argv, **environ):
    code = hooktools.main(tool, list(argv), env(**environ))
    out, err = capsys.readouterr()
    return code, out, err
