"""The classification stage: occurrences → each day's lunch, each social event's status.

:mod:`~watercooler.classify.classifier` implements DESIGN.md's rules as written;
:mod:`~watercooler.classify.words` matches the configured words and phrases.
"""
