"""Rules: the rule-file format, loading rule files, and evaluating rules into nudges.

:mod:`~watercooler.rulebook.format` defines what a rule may say,
:mod:`~watercooler.rulebook.loading` reads files with line numbers into a
:class:`~watercooler.rulebook.loading.Rulebook`, :mod:`~watercooler.rulebook.values` computes
the facts a message can name, and :mod:`~watercooler.rulebook.evaluate` turns rules and
facts into :class:`~watercooler.rulebook.nudge.Nudge` values. (The shipped rule files
themselves are data, at ``watercooler/rules`` inside the wheel.)
"""
