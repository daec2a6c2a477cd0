"""The whole site as one JSON file and back, on either database: `flask export`, the
admins' download, and `flask import-json` into an empty database.

Where a backup (this package's other half) is a copy of one kind of database, an export
is every row of every table as JSON: readable by any tool, loadable into SQLite or
PostgreSQL alike. Staff password hashes and session keys are left out unless asked for:
without them, staff set new passwords after a move.

The file is written one row a line, so it is streamed out without holding the site in
memory and read back the same way; it is still one JSON document:

    {"format": "newsroom export", "version": 1, "revision": "0019", ..., "tables": {
    "sections": [
    {"id": 1, "name": "News", ...},
    {"id": 2, ...}
    ],
    ...
    "site_settings": [
    {...}
    ]}}

A load writes every row as it was, ids included, in one transaction: an export loaded into
an empty database and exported again gives the same rows. It refuses a database that has
anything in it, and a file of another schema revision.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from newsroom.backup.common import BackupError, migrations, written_into_place
from newsroom.extensions import db
from newsroom.models import CommentTally, UTCDateTime

FORMAT = "newsroom export"
VERSION = 1
# Left out of an export unless asked for (--with-secrets): what lets a staff member in.
SECRET_COLUMNS = {"users": ("password_hash", "session_key")}
# A password hash no password matches: the account needs a new password.
NO_PASSWORD = "!"  # nosec B105 # not a password: a hash no password matches
ROWS_PER_FETCH = 1000
ROWS_PER_INSERT = 1000
_TABLES_KEY = '"tables": {'


def _tables() -> list[sa.Table]:
    """Every table, each after the tables it refers to."""
    return list(db.metadata.sorted_tables)


def current_revision() -> str:
    return db.session.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()


# --- Out -----------------------------------------------------------------------------------


def _encoded(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return value


def export_lines(*, with_secrets: bool = False) -> Iterator[str]:
    """The export, a line at a time, read on a connection of its own in one transaction:
    a snapshot of one moment, taken while the site goes on writing. The engine is found
    now, so the lines may be read after the app's context has gone (a streamed download)."""
    return _snapshot(db.engine, with_secrets)


def _snapshot(engine: sa.Engine, with_secrets: bool) -> Iterator[str]:
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        else:
            # pysqlite begins no transaction for a SELECT: begun here, every table is read
            # from one moment. Straight to the driver: a read takes no place in the
            # writers' queue (newsroom/sqlite.py).
            connection.connection.driver_connection.execute("BEGIN")
        yield from _lines(connection, with_secrets)


def _lines(connection: sa.Connection, with_secrets: bool) -> Iterator[str]:
    revision = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
    header = {
        "format": FORMAT,
        "version": VERSION,
        "revision": revision,
        "exported_at": datetime.now(UTC).isoformat(),
        "with_secrets": with_secrets,
    }
    yield json.dumps(header)[:-1] + ", " + _TABLES_KEY + "\n"
    tables = _tables()
    for number, table in enumerate(tables):
        yield json.dumps(table.name) + ": [\n"
        left_out = () if with_secrets else SECRET_COLUMNS.get(table.name, ())
        rows = connection.execution_options(yield_per=ROWS_PER_FETCH).execute(
            sa.select(table).order_by(*table.primary_key.columns)
        )
        previous = None
        for row in rows.mappings():
            if previous is not None:
                yield previous + ",\n"
            values = {name: _encoded(value) for name, value in row.items()}
            for name in left_out:
                values[name] = None
            previous = json.dumps(values, ensure_ascii=False)
        if previous is not None:
            yield previous + "\n"
        yield "]}}\n" if number == len(tables) - 1 else "],\n"


def write_export(destination: Path, *, with_secrets: bool = False, replace: bool = False) -> None:
    """The export into `destination`: owner-only (it holds readers' e-mail addresses), and
    under its name only once complete."""
    destination = Path(destination)
    if destination.is_dir():
        raise BackupError(f"{destination} is a folder; give the export file's name.")
    if not destination.parent.is_dir():
        raise BackupError(f"{destination.parent} is not a folder; create it first.")
    if destination.exists() and not replace:
        raise BackupError(f"{destination} already exists; choose a new name, or pass --replace.")
    with written_into_place(destination) as partial, partial.open("w", encoding="utf-8") as file:
        for line in export_lines(with_secrets=with_secrets):
            file.write(line)


# --- In ------------------------------------------------------------------------------------


class _Refused(Exception):
    pass


def _converter(column: sa.Column) -> Callable[[Any], Any]:
    """What a column accepts from the file, checked: a wrong value is refused, never
    guessed at or left for the database to fail on."""
    kind = column.type
    nullable = column.nullable

    def check(value: Any) -> Any:
        if value is None:
            if nullable or column.name in _FILLED:
                return None
            raise _Refused("may not be empty")
        if isinstance(kind, UTCDateTime | sa.DateTime):
            if not isinstance(value, str) or len(value) > 40:
                raise _Refused("is not a date")
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                raise _Refused(f"{value!r} is not a date") from None
            if moment.tzinfo is None:
                raise _Refused(f"{value!r} has no timezone")
            return moment
        if isinstance(kind, sa.Boolean):
            if not isinstance(value, bool):
                raise _Refused("is not true or false")
            return value
        if isinstance(kind, sa.Integer):
            if isinstance(value, bool) or not isinstance(value, int):
                raise _Refused("is not a whole number")
            if not -(2**31) <= value < 2**31:
                raise _Refused(f"{value} is beyond what the database holds")
            return value
        if not isinstance(value, str):
            raise _Refused("is not text")
        if "\x00" in value:
            raise _Refused("holds a NUL character")
        length = getattr(kind, "length", None)
        if length is not None and len(value) > length:
            raise _Refused(f"is longer than {length} characters")
        return value

    return check


# Left out of an export without secrets, filled on the way in.
_FILLED = {"password_hash", "session_key"}


class _Loader:
    def __init__(self, source: Path) -> None:
        self.source = source
        self.tables = {table.name: table for table in _tables()}
        self.converters = {
            name: {column.name: _converter(column) for column in table.columns}
            for name, table in self.tables.items()
        }
        self.connection = db.session.connection()
        self.loaded: dict[str, int] = {}
        # Columns that refer to a row of their own table (a reply's parent): a row may come
        # before the one it refers to, so they are set once the table is loaded.
        self.self_references = {
            name: [
                column.name
                for column in table.columns
                if any(key.column.table is table for key in column.foreign_keys)
            ]
            for name, table in self.tables.items()
        }
        self.deferred: list[tuple[str, str, int, int]] = []

    def load(self, name: str, rows: list[dict], line: int) -> None:
        table = self.tables[name]
        converters = self.converters[name]
        values = []
        for offset, row in enumerate(rows):
            if not isinstance(row, dict):
                raise BackupError(f"{self.source}, line {line + offset}: a row is not an object.")
            if set(row) != set(converters):
                odd = sorted(set(row) ^ set(converters))
                raise BackupError(
                    f"{self.source}, line {line + offset}: a row of {name} does not have this "
                    f"release's columns ({', '.join(odd[:5])})."
                )
            try:
                converted = {column: converters[column](row[column]) for column in row}
            except _Refused as error:
                raise BackupError(
                    f"{self.source}, line {line + offset}: {name}: a value {error}."
                ) from None
            if name == "users":
                converted["password_hash"] = converted["password_hash"] or NO_PASSWORD
                if converted["session_key"] is None:
                    converted.pop("session_key")
            for column in self.self_references[name]:
                if converted[column] is not None:
                    self.deferred.append((name, column, converted["id"], converted[column]))
                    converted[column] = None
            values.append(converted)
        if name == "users" and any("session_key" not in v for v in values):
            from newsroom.models import new_session_key

            for value in values:
                value.setdefault("session_key", new_session_key())
        if values:
            self.connection.execute(sa.insert(table), values)
            self.loaded[name] = self.loaded.get(name, 0) + len(values)

    def set_self_references(self) -> None:
        for (name, column), pairs in _grouped(self.deferred).items():
            table = self.tables[name]
            self.connection.execute(
                sa.update(table)
                .where(table.c.id == sa.bindparam("row_id"))
                .values({column: sa.bindparam("refers_to")}),
                [{"row_id": row_id, "refers_to": target} for row_id, target in pairs],
            )
        self.deferred = []


def _grouped(deferred: list[tuple[str, str, int, int]]) -> dict[tuple[str, str], list]:
    grouped: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for name, column, row_id, target in deferred:
        grouped.setdefault((name, column), []).append((row_id, target))
    return grouped


def _check_empty() -> None:
    # The migrations' empty tallies last: comments counted there are named by their table.
    tables = sorted(_tables(), key=lambda table: table.name == CommentTally.__tablename__)
    for table in tables:
        if table.name == CommentTally.__tablename__:
            busy = sa.select(table.c.total).where(table.c.total != 0).limit(1)
        else:
            busy = sa.select(sa.literal(1)).select_from(table).limit(1)
        if db.session.execute(busy).first() is not None:
            raise BackupError(
                f"This database is not empty: {table.name} has rows. An export loads only "
                "into an empty database (a new one, after `flask --app newsroom db upgrade`)."
            )


def _rows(source: Path) -> Iterator[tuple[int, str, list[dict]]]:
    """(line, table, rows) from the file, a batch at a time; BackupError with the line
    for anything not laid out as export_lines writes it."""
    with source.open("r", encoding="utf-8", errors="strict") as file:
        table: str | None = None
        batch: list[dict] = []
        start = 0
        finished = False
        for number, raw in enumerate(file, start=1):
            line = raw.strip()
            if number == 1:
                continue  # the header, read by _header
            if finished:
                if line:
                    raise BackupError(f"{source}, line {number}: text after the end.")
                continue
            if table is None:
                if not line.endswith(": ["):
                    raise BackupError(f"{source}, line {number}: a table's name was expected.")
                table = _json(source, number, line[:-3])
                if not isinstance(table, str):
                    raise BackupError(f"{source}, line {number}: a table's name was expected.")
                start = number + 1
                continue
            if line in ("],", "]}}"):
                yield start, table, batch
                batch, table = [], None
                finished = line == "]}}"
                continue
            batch.append(_json(source, number, line.removesuffix(",")))
            if len(batch) >= ROWS_PER_INSERT:
                yield start, table, batch
                batch, start = [], number + 1
        if not finished:
            raise BackupError(f"{source}: the file ends before the export does (cut short?).")


def _json(source: Path, number: int, text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as error:
        raise BackupError(f"{source}, line {number}: not JSON ({error}).") from None


def _header(source: Path) -> dict:
    with source.open("r", encoding="utf-8") as file:
        first = file.readline(1 << 16).strip()
    if not first.endswith(_TABLES_KEY):
        raise BackupError(f"{source} is not a newsroom export (line 1 is not its header).")
    header = _json(source, 1, first[: -len(_TABLES_KEY)].rstrip().rstrip(",") + "}")
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupError(f"{source} is not a newsroom export.")
    if header.get("version") != VERSION:
        raise BackupError(
            f"{source} is an export of version {header.get('version')!r}; "
            f"this release reads version {VERSION}."
        )
    return header


def import_export(source: Path) -> dict[str, int]:
    """Load the export at `source` into this empty database, all of it or nothing; how many
    rows went into each table."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"{source}: no such file.")
    try:
        header = _header(source)
        revision = current_revision()
        if header.get("revision") != revision:
            raise BackupError(
                f"{source} was exported at schema revision {header.get('revision')!r}, and this "
                f"database is at {revision!r}: load it with the release that wrote it, or "
                f"bring both to the same revision first (head: {migrations().get_current_head()})."
            )
        _check_empty()
        loader = _Loader(source)
        # The migrations' empty tallies make way for the export's.
        loader.connection.execute(sa.delete(CommentTally.__table__))
        seen: set[str] = set()
        for line, name, rows in _rows(source):
            if name not in loader.tables:
                raise BackupError(f"{source}, line {line}: no table {name!r} in this release.")
            if seen and name not in seen:
                loader.set_self_references()  # the previous table is complete
            seen.add(name)
            loader.load(name, rows, line)
        loader.set_self_references()
        _restart_sequences(loader.connection)
        db.session.commit()
    except UnicodeDecodeError as error:
        db.session.rollback()
        raise BackupError(f"{source} is not UTF-8 text ({error.reason}).") from None
    except sa.exc.SQLAlchemyError as error:
        db.session.rollback()
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        raise BackupError(f"The database refused a row of {source} ({reason}).") from None
    except BaseException:
        db.session.rollback()
        raise
    return loader.loaded


def _restart_sequences(connection: sa.Connection) -> None:
    """PostgreSQL's id sequences start after the loaded ids (SQLite's rowids need nothing)."""
    if connection.dialect.name != "postgresql":
        return
    for table in _tables():
        if "id" not in table.c or not isinstance(table.c.id.type, sa.Integer):
            continue
        highest = sa.select(sa.func.max(table.c.id)).scalar_subquery()
        sequence = sa.func.pg_get_serial_sequence(table.name, "id")
        connection.execute(
            sa.select(sa.func.setval(sequence, sa.func.coalesce(highest, 1), highest.is_not(None)))
        )
