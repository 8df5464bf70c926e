"""The emulator's errors: an operation refused, a hook that failed."""


class OperationError(Exception):
    """An operation the model cannot do as asked (unknown unit, ...)."""


class HookFailed(Exception):
    """A hook failed, or the model did not settle."""
