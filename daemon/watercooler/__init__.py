"""watercooler: read a work calendar and nudge its owner toward small social encounters."""

__version__ = "0.1.0"
