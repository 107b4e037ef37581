"""Progress: the history of lunches and socials, the journal, people, goals and the report."""
