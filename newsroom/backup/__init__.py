"""Backing up the whole site to a file, and restoring one: the database (SQLite through
its online backup API, PostgreSQL through `pg_dump` and `pg_restore`) and the articles'
pictures, together in one tar archive (archive.py).

A backup is a snapshot of one moment, taken while the site goes on writing. It is written
beside its destination under a temporary name and renamed into place once complete, so a
failed run never leaves a half-written file under the name asked for; the file is readable
by its owner only (it holds staff password hashes and readers' e-mail addresses).

A restore first checks that the file is a newsroom backup this code can read (its
`alembic_version`, and on SQLite an intact file), puts back the pictures the site lacks,
then replaces the database in one transaction: other connections see the old database or
the restored one, never a mix, and a restore that fails part-way leaves the old one as it
was. Pages cached before it are never served after it: the site is dated as changed
(`pagecache.touch_site`). A backup of an earlier release is the bare database file: it
restores the database, and leaves the pictures as they are.
"""

from __future__ import annotations

import functools
import tempfile
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from newsroom import images, pagecache
from newsroom.backup import archive, postgres, sqlite_files
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
    "uploads_folder",
]


@dataclass(frozen=True)
class Restored:
    revision: str  # the schema revision of the backup
    head: str  # the revision this code's migrations reach
    articles: int
    comments: int
    # Pictures put back in the uploads folder; None: the backup holds none (a bare database
    # file, from a release before backups held pictures).
    pictures: int | None

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


def uploads_folder() -> Path:
    return images.upload_folder(current_app.instance_path)


def backup_database(destination: Path, *, replace: bool = False) -> int:
    """Write a snapshot of the site's database, with the articles' pictures, to
    `destination` while the site runs; returns how many pictures it holds."""
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
        take_snapshot = functools.partial(sqlite_files.snapshot, live)
    else:
        take_snapshot = functools.partial(postgres.dump, url)
    with written_into_place(destination) as partial:
        pictures = archive.write(partial, kind, uploads_folder(), take_snapshot)
    return pictures


def _same_kind(found: str | None, kind: str, source: Path) -> None:
    if found is None:
        raise BackupError(
            f"{source} is not a newsroom backup: neither a SQLite database nor a pg_dump archive."
        )
    if found != kind:
        raise BackupError(f"{source} is a {found} backup, and this site's database is {kind}.")


def _restore_file(kind: str, database: Path, source: Path) -> str:
    url = db.engine.url
    if kind == "SQLite":
        return sqlite_files.restore_into(sqlite_files.database_path(url), database, source)
    return postgres.restore_into(url, database, source)


def restore_database(source: Path) -> Restored:
    """Replace the whole database with the backup in `source`, and put back the pictures
    it holds that the site lacks; or change nothing."""
    source = Path(source)
    kind = database_kind()
    if not source.is_file():
        raise BackupError(f"{source}: no such file.")
    head = migrations().get_current_head()
    pictures = None
    if archive.is_archive(source):
        instance = Path(current_app.instance_path)
        instance.mkdir(parents=True, exist_ok=True)
        # The snapshot comes out beside the site's own files, readable by their owner only.
        with (
            tempfile.TemporaryDirectory(dir=instance, prefix=".restore-") as work,
            archive.opened(source) as backup,
        ):
            database = Path(work) / "database"
            _same_kind(archive.extract_database(backup, source, database), kind, source)
            _same_kind(kind_of_backup(database), kind, source)
            # Pictures first: the restored articles find theirs from the start. A restore
            # that fails after this has added files no article shows, and changed nothing.
            pictures = archive.restore_pictures(backup, uploads_folder())
            revision = _restore_file(kind, database, source)
    else:
        _same_kind(kind_of_backup(source), kind, source)
        revision = _restore_file(kind, source, source)
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
        pictures=pictures,
    )
