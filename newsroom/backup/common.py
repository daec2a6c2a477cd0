"""What backups and restores on either database share: the error an operator reads, files
written into place, what kind of backup a file is, and the schema revisions this release
knows."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from newsroom.extensions import MIGRATIONS

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory

SQLITE_HEADER = b"SQLite format 3\x00"
PG_DUMP_HEADER = b"PGDMP"  # pg_dump's custom format


class BackupError(Exception):
    """A backup or restore that was not done; the message tells the operator why."""


@contextlib.contextmanager
def written_into_place(destination: Path) -> Iterator[Path]:
    """A new owner-only file beside `destination`, renamed to it once the block succeeds."""
    partial = destination.with_name(f".{destination.name}.partial-{secrets.token_hex(4)}")
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        yield partial
        with partial.open("rb") as file:
            os.fsync(file.fileno())
        os.replace(partial, destination)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    folder = os.open(destination.parent, os.O_RDONLY)
    try:
        os.fsync(folder)  # the rename itself survives a crash
    finally:
        os.close(folder)


def kind_of_backup(path: Path) -> str | None:
    """The kind of backup a file is by its first bytes: "SQLite", "PostgreSQL" or None."""
    with path.open("rb") as file:
        header = file.read(len(SQLITE_HEADER))
    if header == SQLITE_HEADER:
        return "SQLite"
    if header.startswith(PG_DUMP_HEADER):
        return "PostgreSQL"
    return None


def same_file(one: Path, other: Path) -> bool:
    return os.path.realpath(one) == os.path.realpath(other)


def migrations() -> ScriptDirectory:
    from alembic.script import ScriptDirectory  # not in the web workers' memory until used

    return ScriptDirectory(MIGRATIONS)


def known_revision(revision: str, source: Path) -> str:
    if revision not in {script.revision for script in migrations().walk_revisions()}:
        raise BackupError(
            f"{source} has schema revision {revision!r}, which this release's migrations "
            "don't know (a backup from a newer release?)."
        )
    return revision
