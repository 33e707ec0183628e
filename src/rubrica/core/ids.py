"""Record ids typed or posted by people: ASCII digits only, within a 64-bit integer.

``str.isdigit()`` accepts "²" and other Unicode digits that ``int()`` refuses, and a 30-digit id
overflows the database integer; both used to end in a 500.
"""

from __future__ import annotations

import re

MAX_ID = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")


def parse_id(text: object) -> int | None:
    """The id in ``text``, or None when it is not a plain positive id."""
    if isinstance(text, bool):
        return None
    if isinstance(text, int):
        return text if 0 < text <= MAX_ID else None
    value = str(text).strip()
    if not _DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def is_id(text: object) -> bool:
    return parse_id(text) is not None
