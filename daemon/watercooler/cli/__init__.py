"""The command line, on top of every stage: parse arguments, read the clock, print.

:mod:`~watercooler.cli.app` holds the parser and the one error boundary;
:mod:`~watercooler.cli.options` defines the shared options once;
:mod:`~watercooler.cli.session` carries one run's settings, secrets and output; one module
per command group (:mod:`~watercooler.cli.check`, :mod:`~watercooler.cli.rules`,
:mod:`~watercooler.cli.delivery`, :mod:`~watercooler.cli.holds`); and the renderers.
"""

from watercooler.cli.app import main

__all__ = ["main"]
