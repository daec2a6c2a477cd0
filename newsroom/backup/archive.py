"""A backup file: one tar archive of the database's snapshot and the articles' pictures
(instance/uploads/, newsroom/images.py), so that one file brings the whole site back.

    database.sqlite or database.pgdump   the snapshot (sqlite_files.py, postgres.py)
    uploads/<name>-<width>.webp          each stored picture

Pictures are added before the snapshot is taken and again after it (those stored
meanwhile), so every picture the snapshot's articles show is in the archive, also one that
was replaced, and its files removed, while the backup ran. A restore puts back the pictures
the site lacks and never replaces or removes one: a picture's name is a digest of its
content, so a file of the same name is the same picture.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path

from newsroom import images
from newsroom.backup.common import BackupError

DATABASE_MEMBERS = {"SQLite": "database.sqlite", "PostgreSQL": "database.pgdump"}
UPLOADS = "uploads/"
_TAR_MAGIC_AT = 257  # "ustar" in the first header block


def is_archive(path: Path) -> bool:
    with path.open("rb") as file:
        block = file.read(tarfile.BLOCKSIZE)
    return len(block) == tarfile.BLOCKSIZE and block[_TAR_MAGIC_AT:].startswith(b"ustar")


def _owned_by_nobody(member: tarfile.TarInfo) -> tarfile.TarInfo:
    # Restored files belong to whoever restores them; the archive names no user.
    member.uid = member.gid = 0
    member.uname = member.gname = ""
    return member


def _add_pictures(archive: tarfile.TarFile, folder: Path, added: set[str]) -> None:
    if not folder.is_dir():
        return
    for path in sorted(folder.iterdir()):
        if path.name in added or not images.FILE_NAME.match(path.name):
            continue  # a file being written (".part") or anything not a picture
        try:
            archive.add(path, arcname=UPLOADS + path.name, filter=_owned_by_nobody)
        except FileNotFoundError:
            continue  # removed since the folder was listed: no article shows it
        added.add(path.name)


def write(partial: Path, kind: str, uploads: Path, take_snapshot: Callable[[Path], None]) -> int:
    """The archive into `partial` (an owner-only file): the pictures in `uploads`, the
    snapshot `take_snapshot` writes into the file it is given, the pictures stored
    meanwhile. Returns how many pictures it holds."""
    snapshot = partial.with_name(f"{partial.name}.database")
    os.close(os.open(snapshot, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    added: set[str] = set()
    try:
        with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as archive:
            _add_pictures(archive, uploads, added)
            take_snapshot(snapshot)
            archive.add(snapshot, arcname=DATABASE_MEMBERS[kind], filter=_owned_by_nobody)
            _add_pictures(archive, uploads, added)
    finally:
        snapshot.unlink(missing_ok=True)
    return len({images.picture_of(name) for name in added})


@contextlib.contextmanager
def opened(source: Path) -> Iterator[tarfile.TarFile]:
    """The archive at `source`, read; BackupError when it is cut short or damaged."""
    try:
        with tarfile.open(source, "r:") as archive:
            yield archive
    except (tarfile.TarError, EOFError) as error:
        raise BackupError(f"{source} is cut short or damaged ({error}).") from None


def extract_database(archive: tarfile.TarFile, source: Path, into: Path) -> str:
    """Copy the archive's snapshot into `into` (a new owner-only file); returns the kind
    of database its member's name says it is."""
    found = [
        (kind, archive.getmember(name))
        for kind, name in DATABASE_MEMBERS.items()
        if name in archive.getnames()
    ]
    if len(found) != 1 or not found[0][1].isfile():
        raise BackupError(f"{source} is an archive, but not a newsroom backup.")
    kind, member = found[0]
    fd = os.open(into, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with archive.extractfile(member) as data, os.fdopen(fd, "wb") as copy:
        shutil.copyfileobj(data, copy)
    return kind


def restore_pictures(archive: tarfile.TarFile, uploads: Path) -> int:
    """Put the archive's pictures the site lacks into `uploads`; returns how many pictures
    were put back. A picture already there is left as it is (same name, same content)."""
    put_back: set[str] = set()
    for member in archive.getmembers():
        name = member.name.removeprefix(UPLOADS)
        if name == member.name or not member.isfile() or not images.FILE_NAME.match(name):
            continue  # nothing but pictures, and only into the uploads folder
        target = uploads / name
        if target.exists():
            continue
        uploads.mkdir(mode=0o755, parents=True, exist_ok=True)
        partial = target.with_suffix(f".{os.getpid()}.part")
        try:
            with archive.extractfile(member) as data, partial.open("wb") as copy:
                shutil.copyfileobj(data, copy)
            partial.replace(target)
        finally:
            partial.unlink(missing_ok=True)
        put_back.add(images.picture_of(name))
    return len(put_back)
