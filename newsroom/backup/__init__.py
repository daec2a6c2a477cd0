"""Backing up the whole database to a file, and restoring one: SQLite through its online
backup API, PostgreSQL through `pg_dump` and `pg_restore`.

A backup is a snapshot of one moment, taken while the site goes on writing. It is written
beside its destination under a temporary name and renamed into place once complete, so a
failed run never leaves a half-written file under the name asked for; the file is readable
by its owner only (it holds staff password hashes and readers' e-mail addresses).

A restore first checks that the file is a newsroom backup this code can read (its
`alembic_version`, and on SQLite an intact file), then replaces the database in one
transaction: other connections see the old database or the restored one, never a mix, and
a restore that fails part-way leaves the old one as it was. Pages cached before it are
never served after it: the site is dated as changed (`pagecache.touch_site`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from newsroom import pagecache
from newsroom.backup import postgres, sqlite_files
from newsroom.backup.common import (
    BackupError,
    kind_of_backup,
    migrations,
    same_file,
    written_into_place,
)
from newsroom.backup.postgres import libpq_conninfo
from newsroom.extensions import db
from newsroom.models import Article, Comment

__all__ = [
    "BackupError",
    "Restored",
    "backup_database",
    "database_kind",
    "describe_database",
    "libpq_conninfo",
    "restore_database",
]


@dataclass(frozen=True)
class Restored:
    revision: str  # the schema revision of the backup
    head: str  # the revision this code's migrations reach
    articles: int
    comments: int

    @property
    def needs_upgrade(self) -> bool:
        return self.revision != self.head


def database_kind() -> str:
    """The site's database as an operator would name it ("SQLite", "PostgreSQL")."""
    name = db.engine.url.get_backend_name()
    if name == "sqlite":
        return "SQLite"
    if name == "postgresql":
        return "PostgreSQL"
    raise BackupError(f"Backups cover SQLite and PostgreSQL; this site uses {name}.")


def describe_database() -> str:
    """Which database a restore would replace, without its password."""
    url = db.engine.url
    if database_kind() == "SQLite":
        return f"the SQLite database {sqlite_files.database_path(url)}"
    where = f"{url.host or 'the local socket'}" + (f":{url.port}" if url.port else "")
    return f"the PostgreSQL database {url.database} on {where}"


def backup_database(destination: Path, *, replace: bool = False) -> None:
    """Write a snapshot of the site's database to `destination` while the site runs."""
    destination = Path(destination)
    kind = database_kind()
    if not destination.parent.is_dir():
        raise BackupError(f"{destination.parent} is not a folder; create it first.")
    if destination.is_dir():
        raise BackupError(f"{destination} is a folder; give the backup file's name.")
    if destination.exists() and not replace:
        raise BackupError(f"{destination} already exists; choose a new name, or pass --replace.")
    url = db.engine.url
    if kind == "SQLite":
        live = sqlite_files.database_path(url)
        if same_file(destination, live) or any(
            same_file(destination, Path(f"{live}{suffix}"))
            for suffix in ("-wal", "-shm", "-writer.lock")
        ):
            raise BackupError(f"{destination} is the site's own database; back up elsewhere.")
        with written_into_place(destination) as partial:
            sqlite_files.snapshot(live, partial)
    else:
        with written_into_place(destination) as partial:
            postgres.dump(url, partial)


def restore_database(source: Path) -> Restored:
    """Replace the whole database with the backup in `source`, or change nothing."""
    source = Path(source)
    kind = database_kind()
    if not source.is_file():
        raise BackupError(f"{source}: no such file.")
    found = kind_of_backup(source)
    if found is None:
        raise BackupError(
            f"{source} is not a newsroom backup: neither a SQLite database nor a pg_dump archive."
        )
    if found != kind:
        raise BackupError(f"{source} is a {found} backup, and this site's database is {kind}.")
    url = db.engine.url
    head = migrations().get_current_head()
    if kind == "SQLite":
        revision = sqlite_files.restore_into(sqlite_files.database_path(url), source)
    else:
        revision = postgres.restore_into(url, source)
    db.session.remove()
    # Versions of cached pages repeat after a restore (comments_version goes back): a new
    # site date keys every page afresh, in this process and every other one.
    pagecache.touch_site()
    db.session.commit()
    return Restored(
        revision=revision,
        head=head,
        articles=db.session.scalar(sa.select(sa.func.count()).select_from(Article)),
        comments=db.session.scalar(sa.select(sa.func.count()).select_from(Comment)),
    )
