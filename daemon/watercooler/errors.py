"""The small family of exceptions that the command line turns into one-line messages.

Everything the user can cause (a bad config, an unreadable source) raises a subclass of
:class:`WatercoolerError`; the CLI boundary prints ``str(error)`` and exits 2. Anything else
is a bug and is reported the same way, with the traceback behind ``--debug``.
"""


class WatercoolerError(Exception):
    """Base class of the errors a user can cause and fix."""


class ConfigError(WatercoolerError):
    """The configuration file or environment is invalid."""


class SourceError(WatercoolerError):
    """A calendar source could not be read at all."""
