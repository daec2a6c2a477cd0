"""SQLite: a snapshot through the online backup API while the site writes, and a restore
into place through the same API, in one write transaction queued with the site's writers."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import sqlalchemy as sa

from newsroom import sqlite
from newsroom.backup.common import BackupError, known_revision, same_file


def database_path(url: sa.URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("The site's database is in memory; there is no file to back up.")
    return Path(url.database).resolve()


def snapshot(live: Path, partial: Path) -> None:
    """Copy the database at `live` into `partial` as it stood at one moment."""
    if not live.is_file():
        raise BackupError(f"There is no database at {live} yet; nothing to back up.")
    # Plain connections: the backup API reads and writes pages, not statements, so the
    # engine's writer queue (newsroom/sqlite.py) has nothing to do with them.
    with contextlib.closing(sqlite3.connect(live)) as source:
        source.execute(f"PRAGMA busy_timeout={sqlite.BUSY_TIMEOUT_MS}")
        with contextlib.closing(sqlite3.connect(partial)) as copy:
            try:
                # In one step, the whole copy is read in one read transaction: a snapshot of
                # one moment. In WAL mode the site's writers go on meanwhile; steps of a few
                # pages would instead start over after each write.
                source.backup(copy)
                copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            except sqlite3.Error as error:
                raise BackupError(f"The backup failed: {error}.") from None
            newsroom_revision(copy, partial)


def newsroom_revision(connection: sqlite3.Connection, source: Path) -> str:
    """The schema revision of a newsroom SQLite database, once it is found intact."""
    try:
        check = connection.execute("PRAGMA quick_check").fetchall()
        if check != [("ok",)]:
            raise BackupError(f"{source} is damaged ({check[0][0]}).")
        table = connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        ).fetchone()
        rows = []
        if table:
            rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{source} cannot be read as a database ({error}).") from None
    if len(rows) != 1:
        raise BackupError(
            f"{source} is a SQLite database but not a newsroom one (no schema revision in "
            "alembic_version)."
        )
    return rows[0][0]


def restore_into(live: Path, source: Path, shown_as: Path | None = None) -> str:
    """Replace the database at `live` with the backup in `source` (named `shown_as` in
    messages: the backup file it came out of), whole or not at all; returns the backup's
    schema revision."""
    named = shown_as or source
    if same_file(source, live):
        raise BackupError(f"{named} is the site's own database.")
    with contextlib.closing(
        sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    ) as backup:
        revision = known_revision(newsroom_revision(backup, named), named)
        # Queued with the site's writers, so none of them meets SQLite's lock meanwhile.
        held = sqlite.take_writer_lock(str(live))
        if held is None:
            raise BackupError("The database stayed busy with writes; try again.")
        try:
            with contextlib.closing(sqlite3.connect(live, isolation_level=None)) as target:
                target.execute(f"PRAGMA busy_timeout={sqlite.BUSY_TIMEOUT_MS}")
                # One step is one write transaction on the target: all of it, or nothing.
                backup.backup(target)
        except sqlite3.Error as error:
            raise BackupError(f"The restore failed: {error}.") from None
        finally:
            sqlite.let_go(held)
    return revision
