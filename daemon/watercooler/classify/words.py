"""Whole-word, case-insensitive matching of configured words and phrases.

"PTO" must not match "crypto" and "cake" must not match "pancakes", so each word is
anchored where it begins or ends with a letter or digit; a symbol such as "&" or "+"
matches wherever it stands. Spaces in a phrase match any run of white space.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


def _pattern(word: str) -> str:
    phrase = r"\s+".join(re.escape(part) for part in word.split())
    prefix = r"(?<!\w)" if re.match(r"\w", word) else ""
    suffix = r"(?!\w)" if re.search(r"\w$", word) else ""
    return f"{prefix}{phrase}{suffix}"


class WordMatcher:
    """Tells whether any of a list of words or phrases occurs in some texts."""

    def __init__(self, words: Iterable[str]) -> None:
        cleaned = sorted({word.strip() for word in words if word.strip()}, key=len, reverse=True)
        self.words = tuple(cleaned)
        self._regex = (
            re.compile("|".join(_pattern(word) for word in cleaned), re.IGNORECASE)
            if cleaned
            else None
        )

    def search(self, *texts: str) -> str | None:
        """Return the first word found in the texts (as written there), or None."""
        if self._regex is None:
            return None
        for text in texts:
            found = self._regex.search(text)
            if found:
                return found.group(0)
        return None

    def __contains__(self, text: str) -> bool:
        return self.search(text) is not None
