"""Errors that carry one clear line for the user (the CLI prints it and exits 2)."""


class DsagenError(Exception):
    """Base of every error dsagen raises on purpose; str(e) is the whole message."""


class SpecError(DsagenError, ValueError):
    """A spec file is wrong: the message names the file, the key and the reason."""


class UsageError(DsagenError, ValueError):
    """A CLI argument or an API argument is wrong."""
