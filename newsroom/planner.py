"""Statistics for the databases' query planners, so they pick the indexes that bound a query.

Without them SQLite guesses from the shape of each index alone, and a guess once sent the
"have we approved this address before" check through every approved comment. The hot
queries are written so that the right index wins without statistics too (the plan tests
in tests/test_query_plans.py check both); statistics keep it that way as tables grow.

- After a bulk load (`flask bench-data`, imports, `flask analyze`): `refresh_statistics()`, a
  full ANALYZE, and on SQLite the full-text indexes merged into one segment each.
- On a schedule: PostgreSQL's autovacuum re-analyzes tables as they change. SQLite has no
  such daemon: each process runs `sample_statistics()` from its checkpoint thread
  (newsroom/sqlite.py) when it starts writing and then hourly while it writes. It reads
  about ANALYSIS_LIMIT rows per index, so it takes milliseconds at any size. (SQLite's own
  `PRAGMA optimize` only looks at tables the running connection has queried, and the
  checkpoint thread's connection queries none.)
"""

from __future__ import annotations

import sqlite3

import sqlalchemy as sa

from newsroom import search
from newsroom.extensions import db

# Rows SQLite samples per index on the schedule: enough for the planner's choices.
ANALYSIS_LIMIT = 1000


def refresh_statistics() -> None:
    """ANALYZE every table, in full (on SQLite and PostgreSQL alike), and commit; on SQLite
    the full-text indexes are merged first (search.merge_segments)."""
    search.merge_segments()
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()


def sample_statistics(connection: sqlite3.Connection) -> None:
    """SQLite's scheduled upkeep: ANALYZE every table from a sample of each index."""
    connection.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
    connection.execute("ANALYZE")
    connection.commit()
