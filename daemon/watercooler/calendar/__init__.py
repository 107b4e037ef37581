"""The calendar stage: raw iCalendar objects → the user's timeline of occurrences.

:mod:`~watercooler.calendar.content` decodes the text and mends its damaged structure,
:mod:`~watercooler.calendar.parse` reads it (VTIMEZONEs once, only the lines that
matter), :mod:`~watercooler.calendar.events` reduces each VEVENT to plain values,
:mod:`~watercooler.calendar.repairs` mends real clients' quirks,
:mod:`~watercooler.calendar.density` bounds pathological recurrence rules,
:mod:`~watercooler.calendar.expansion` turns an event into occurrences,
:mod:`~watercooler.calendar.parse_cache` keeps what parsing found by content hash, and
:mod:`~watercooler.calendar.timeline` ties them together over every source.
"""
