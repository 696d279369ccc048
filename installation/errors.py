"""Errors meant for people: each says what, where, and what is allowed."""


class UserError(Exception):
    """A mistake the operator can fix (a config value, a flag, a missing file).

    The command line prints the message alone (no traceback) and exits with `exit_code`.
    """

    exit_code = 2


class ConfigError(UserError):
    """A configuration file, `--set` or flag is invalid."""


class MissingPartError(UserError):
    """Something the config says is required (a camera, a model file) is not there."""

    exit_code = 1
