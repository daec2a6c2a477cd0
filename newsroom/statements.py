"""Whether a statement may change the database, from its text.

SQLite's writers queue by it (sqlite.py), and a plain statement run outside the session's
transaction must be a read (plainsql.py). In doubt, a statement writes: a reader queued as
a writer waits for nothing worse than its turn.
"""

from __future__ import annotations

import re

# Statements that read. A statement that opens with common table expressions (WITH ...)
# reads unless it names a change: the reader's search is one, and queued as a writer it
# waited for every comment and decision, and they for it. So does EXPLAIN, which runs the
# statement it explains when asked to ANALYZE it.
READS = ("SELECT", "PRAGMA")
_READ_UNLESS_CHANGING = ("WITH", "EXPLAIN")
_CHANGES = re.compile(r"\b(INSERT|UPDATE|DELETE|REPLACE|MERGE)\b", re.IGNORECASE)


def writes(statement: str) -> bool:
    """Whether `statement` may change the database."""
    opening = statement.lstrip()[:7].upper()
    if opening.startswith(READS):
        return False
    if opening.startswith(_READ_UNLESS_CHANGING):
        return _CHANGES.search(statement) is not None
    return True
