"""A SELECT on the hottest path, run on a pooled DBAPI connection without SQLAlchemy's work
around each execution.

A cached article page costs one query (pagecache.article_page_version). Through the
session it took about 140 µs (the session's transaction, the compiled-statement cache's
key, the connection and result objects) where the query itself took 7, and the page's
whole time in the app was twice what it is now. A PlainSelect compiles its statement once
per engine and binds its fixed parameters then; each run binds what varies with the
types' own bind processors, borrows a connection from the engine's own pool (so the same
checks run at checkout: postgres.py), reads one row, and converts its values with the
columns' result processors: about 20 µs in all.

What SQLAlchemy does when a statement fails is kept: a disconnection throws the
connection away (the pool makes a new one), and the error reaches the caller as
SQLAlchemy's own DBAPIError. Nothing here writes: a connection goes back to the pool
rolled back, as the pool returns every connection.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine


class _Compiled:
    """The statement as one engine's dialect runs it."""

    def __init__(self, statement: sa.Select, engine: Engine, varying: dict[str, Any]) -> None:
        dialect = engine.dialect
        compiled = statement.compile(dialect=dialect)
        self.sql = str(compiled)
        binds = compiled.binds
        fixed = compiled.construct_params(varying)
        self.processors: dict[str, Callable[[Any], Any]] = {}
        for name in list(fixed):
            process = binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            if name in varying:
                if process is not None:
                    self.processors[name] = process
            elif process is not None:
                fixed[name] = process(fixed[name])
        self.fixed = fixed
        self.positions = compiled.positiontup  # None for a dialect with named parameters
        self.results = [
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in statement.selected_columns
        ]
        self.error = dialect.loaded_dbapi.Error
        self.dialect = dialect

    def parameters(self, values: dict[str, Any]) -> dict[str, Any] | list[Any]:
        bound = dict(self.fixed)
        for name, value in values.items():
            process = self.processors.get(name)
            bound[name] = process(value) if process is not None else value
        if self.positions is None:
            return bound
        return [bound[name] for name in self.positions]

    def row(self, raw: tuple | None) -> tuple | None:
        if raw is None:
            return None
        return tuple(
            process(value) if process is not None else value
            for process, value in zip(self.results, raw, strict=True)
        )


class PlainSelect:
    """`statement` (one row at most wanted), run by `first(bind, **values)` with the
    values of its bind parameters named in `varying` (a name and a sample value each:
    compiling binds the others once)."""

    def __init__(self, statement: sa.Select, varying: dict[str, Any]) -> None:
        self.statement = statement
        self.varying = varying
        self._by_engine: weakref.WeakKeyDictionary[Engine, _Compiled] = weakref.WeakKeyDictionary()

    def first(self, bind: Engine | Connection, **values: Any) -> tuple | None:
        """The first row, its values converted as SQLAlchemy would, or None. `bind`: what
        the session would use (`db.session.get_bind()`): the engine, whose pool lends a
        connection for the statement, or a connection in use (a test's transaction),
        which the statement joins."""
        engine = bind.engine
        compiled = self._by_engine.get(engine)
        if compiled is None:
            compiled = self._by_engine[engine] = _Compiled(self.statement, engine, self.varying)
        parameters = compiled.parameters(values)
        lent = isinstance(bind, Engine)
        connection = engine.raw_connection() if lent else bind.connection
        cursor = None
        try:
            cursor = connection.cursor()
            cursor.execute(compiled.sql, parameters)
            raw = cursor.fetchone()
        except compiled.error as error:
            if compiled.dialect.is_disconnect(error, connection.dbapi_connection, cursor):
                # Thrown away: the pool makes a new one for the next borrower.
                connection.invalidate(error)
            raise sa.exc.DBAPIError.instance(
                compiled.sql, parameters, error, compiled.error
            ) from error
        finally:
            if cursor is not None:
                with contextlib.suppress(compiled.error):  # its connection may be gone
                    cursor.close()
            if lent:
                connection.close()  # back to the pool, rolled back
        return compiled.row(raw)
