"""PostgreSQL: `pg_dump --format=custom` for a backup, `pg_restore` in one transaction for a
restore, both given libpq's connection parameters and the password in PGPASSWORD."""

from __future__ import annotations

import os
import shutil
import subprocess  # nosec B404 # runs pg_dump and pg_restore, without a shell
from pathlib import Path

import sqlalchemy as sa

from newsroom.backup.common import BackupError, known_revision
from newsroom.extensions import db

# What a failing tool said, at most: the last lines carry the reason.
TOOL_ERROR_LINES = 6


def libpq_conninfo(url: sa.URL) -> tuple[str, str | None]:
    """SQLAlchemy's URL (postgresql+psycopg://user:secret@host/db?sslmode=...) as libpq's
    connection string for pg_dump and pg_restore, and the password apart: it goes to them in
    PGPASSWORD, since any user of the machine can read a process's arguments."""
    parameters = {
        "host": url.host,
        "port": url.port,
        "user": url.username,
        "dbname": url.database,
    }
    for name, value in url.query.items():  # libpq's own options (sslmode, host=/socket, ...)
        parameters[name] = value[-1] if isinstance(value, tuple) else value
    from psycopg.conninfo import make_conninfo  # the driver, loaded on PostgreSQL sites only

    return make_conninfo(**{k: v for k, v in parameters.items() if v is not None}), url.password


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} was not found on PATH; install PostgreSQL's client programs "
            "(Debian: apt-get install postgresql-client), of the server's major version or newer."
        )
    return path


def _run(args: list[str], password: str | None, **kwargs) -> subprocess.CompletedProcess:
    environment = dict(os.environ)
    if password is not None:
        environment["PGPASSWORD"] = password
    # An argument list, no shell; --no-password on every call: fail, never wait for a prompt.
    return subprocess.run(  # nosec B603 # a program from PATH, our own arguments, no shell
        args, env=environment, stdin=subprocess.DEVNULL, check=False, **kwargs
    )


def _said(result: subprocess.CompletedProcess) -> str:
    lines = (result.stderr or b"").decode(errors="replace").strip().splitlines()
    return "\n".join(lines[-TOOL_ERROR_LINES:]) or f"exit status {result.returncode}"


def dump(url: sa.URL, partial: Path) -> None:
    """pg_dump's custom archive of the database at `url`, into `partial`."""
    conninfo, password = libpq_conninfo(url)
    command = [_tool("pg_dump"), "--format=custom", "--no-password", f"--dbname={conninfo}"]
    # pg_dump reads in one repeatable-read transaction: a snapshot, taken without blocking
    # the site's writers. Its output goes into our owner-only file.
    with partial.open("wb") as file:
        result = _run(command, password, stdout=file, stderr=subprocess.PIPE)
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed:\n{_said(result)}")


def _dump_revision(tool: str, source: Path, named: Path) -> str:
    """The schema revision in a pg_dump archive: its alembic_version table's one row."""
    result = _run(
        [tool, "--data-only", "--table=alembic_version", "--file=-", str(source)],
        None,
        capture_output=True,
    )
    if result.returncode != 0:
        raise BackupError(f"{named} cannot be read by pg_restore:\n{_said(result)}")
    # The table's COPY block: "COPY public.alembic_version (version_num) FROM stdin;", its
    # rows, then a line "\.".
    rows: list[str] = []
    copying = False
    for line in result.stdout.decode(errors="replace").splitlines():
        if copying and line == "\\.":
            break
        if copying:
            rows.append(line)
        copying = copying or (line.startswith("COPY ") and "alembic_version" in line)
    if len(rows) != 1:
        raise BackupError(
            f"{named} is a pg_dump archive but not of a newsroom database (no schema revision "
            "in alembic_version)."
        )
    return rows[0]


def restore_into(url: sa.URL, source: Path, shown_as: Path | None = None) -> str:
    """Replace the database at `url` with the archive in `source` (named `shown_as` in
    messages: the backup file it came out of), whole or not at all; returns the archive's
    schema revision."""
    named = shown_as or source
    tool = _tool("pg_restore")
    revision = known_revision(_dump_revision(tool, source, named), named)
    # This process holds no lock meanwhile: the restore waits for nobody of ours.
    db.session.remove()
    db.engine.dispose()
    conninfo, password = libpq_conninfo(url)
    result = _run(
        [
            tool,
            "--clean",
            "--if-exists",
            "--no-owner",
            # One transaction (and stop at the first error): the database is restored
            # whole or left as it was. Its DROPs wait for the site's open transactions.
            "--single-transaction",
            "--no-password",
            f"--dbname={conninfo}",
            str(source),
        ],
        password,
        capture_output=True,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed:\n{_said(result)}")
    return revision
