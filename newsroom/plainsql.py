"""Statements on the hottest paths, run on the DBAPI connection without SQLAlchemy's work
around each execution.

A cached article page costs one query (pagecache.article_page_version). Through the
session it took about 140 µs (the session's transaction, the compiled-statement cache's
key, the connection and result objects) where the query itself took 7, and the page's
whole time in the app was twice what it is now. A reader's comment is three statements
(submission.py), and that work around them was a fifth of the POST's time in the app.

A PlainStatement compiles its statement once per engine and binds its fixed parameters
then; each run binds what varies with the types' own bind processors and converts the row
it reads with the columns' result processors: about 20 µs in all. Two ways to run one:

- `first(bind)`: a SELECT on a connection the engine's pool lends (so the same checks run
  at checkout: postgres.py), given back rolled back, as the pool returns every connection;
  or on a connection in use (a test's transaction), which it joins.
- `run(connection)`: any statement (INSERT ... RETURNING too), in that SQLAlchemy
  connection's transaction, as `connection.execute` would run it: the engine's
  before_cursor_execute listeners first (SQLite's writer queue, sqlite.py).
- `rows(bind)`: every row, as run() runs the statement, or as first() does (a SELECT,
  given the engine: the queue's state after a decision's commit).
- `alone(bind)`: on PostgreSQL, a statement that writes as its own transaction, on a
  connection the pool lends: every change it makes (its data-modifying CTEs too) is kept,
  or none is.

On PostgreSQL a lent connection runs its one statement in autocommit: psycopg would
otherwise send BEGIN before it and the pool a ROLLBACK after it, two more round trips, each
a wake-up of the server's process and of the worker, for a statement that is atomic alone.

A PlainGet is Session.get for one mapped class, its row read by a PlainStatement and made
the session's own object: each staff request's account, the comment a bulk decision moves,
and the site's settings row. A PlainAdd is the other way: a new object's INSERT, its row
made the session's object (a decision's event). `adopt` makes any row a statement gives
back whole the session's object (a decision's comment, given back by its move; on
PostgreSQL its event too).

What SQLAlchemy does when a statement fails is kept: a disconnection throws the
connection away (the pool makes a new one), and the error reaches the caller as
SQLAlchemy's own DBAPIError subclass (IntegrityError for a refused insert).
"""

from __future__ import annotations

import collections
import contextlib
import functools
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key
from sqlalchemy.sql.base import Executable

from newsroom.statements import writes

Built = TypeVar("Built")

# One build at a time (built_once), in any thread of the process.
_building = threading.RLock()


def built_once(build: Callable[..., Built]) -> Callable[..., Built]:
    """functools.cache for a function that builds a statement, each build made under one
    lock. SQLAlchemy's first-time work on the models and aliases a statement names (their
    columns, annotations, adapters) is not guarded against threads: a worker's threads
    building the queue's first statement at once made, now and then, one that never compiles
    ("Can't determine which FROM clause to join from"), and the cache kept it for the
    worker's life (a fifth of the queue's pages answered 500 in one bench run). A built
    statement is read by any number of threads at once: only building is serialized."""
    built: dict[tuple, Built] = {}

    @functools.wraps(build)
    def cached(*args: Any) -> Built:
        try:
            return built[args]
        except KeyError:
            pass
        with _building:
            if args not in built:
                built[args] = build(*args)
            return built[args]

    cached.cache_clear = built.clear  # type: ignore[attr-defined]
    return cached


class _Compiled:
    """The statement as one engine's dialect runs it."""

    def __init__(self, statement: Executable, engine: Engine, varying: frozenset[str]) -> None:
        dialect = engine.dialect
        compiled = statement.compile(dialect=dialect)
        # Values SQLAlchemy would make in Python at each execution (a column's default or
        # onupdate) would be missing here: the statement must give them itself.
        made = [*compiled.insert_prefetch, *compiled.update_prefetch]
        if made:
            names = ", ".join(column.name for column in made)
            raise ValueError(f"give the statement its own values for {names}")
        self.sql = str(compiled)
        self.writes = writes(self.sql)
        binds = compiled.binds
        # Every bind parameter not named in `varying` needs its value in the statement.
        fixed = compiled.construct_params(dict.fromkeys(varying))
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
        columns = list(statement.exported_columns)  # a SELECT's, or what RETURNING gives
        self.results = [
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
        ]
        # Rows read by position, as tuples, or by the columns' names.
        self.row_type = collections.namedtuple(
            "Row", [column.key or "_" for column in columns], rename=True
        )
        self.error = dialect.loaded_dbapi.Error
        self.dialect = dialect

    def parameters(self, values: dict[str, Any]) -> dict[str, Any] | tuple[Any, ...]:
        bound = dict(self.fixed)
        for name, value in values.items():
            process = self.processors.get(name)
            bound[name] = process(value) if process is not None else value
        if self.positions is None:
            return bound
        return tuple(bound[name] for name in self.positions)

    def row(self, raw: tuple | None) -> tuple | None:
        if raw is None:
            return None
        return self.row_type._make(
            process(value) if process is not None else value
            for process, value in zip(self.results, raw, strict=True)
        )


class PlainStatement:
    """`statement` (one row wanted back, or a few: rows()), run with the values of its bind
    parameters named in `varying` (compiling binds the others, which must have their values
    in the statement, once)."""

    def __init__(self, statement: Executable, varying: Iterable[str] = ()) -> None:
        self.statement = statement
        self.varying = frozenset(varying)
        self._by_engine: weakref.WeakKeyDictionary[Engine, _Compiled] = weakref.WeakKeyDictionary()

    def _compiled(self, engine: Engine) -> _Compiled:
        compiled = self._by_engine.get(engine)
        if compiled is None:
            compiled = self._by_engine[engine] = _Compiled(self.statement, engine, self.varying)
        return compiled

    def first(self, bind: Engine | Connection, **values: Any) -> tuple | None:
        """A SELECT's first row, its values converted as SQLAlchemy would, or None. `bind`:
        what the session would use (`db.session.get_bind()`): the engine, whose pool lends a
        connection for the statement, or a connection in use (a test's transaction),
        which the statement joins. Nothing written this way is kept: use run()."""
        compiled = self._compiled(bind.engine)
        if compiled.writes:
            # No listener sees it here: nothing would queue it, or know to roll it back.
            raise ValueError("first() runs a SELECT; run() a statement that writes")
        if isinstance(bind, Connection):
            return self.run(bind, **values)
        with _lent(bind) as connection:
            return self._execute(compiled, connection, compiled.parameters(values))

    def alone(self, bind: Engine | Connection, **values: Any) -> tuple | None:
        """Run a statement that writes as its own transaction on PostgreSQL (a connection the
        pool lends, in autocommit): the row it gives back, or None; refused as a whole
        (IntegrityError, say) with nothing kept. `bind` as for first(): a connection in use
        (a test's transaction) runs it in a savepoint of its own, kept or undone as a whole
        the same way. Not on SQLite, whose writes go through the writer queue (sqlite.py)
        in the session's transaction: use run()."""
        compiled = self._compiled(bind.engine)
        if compiled.dialect.name != "postgresql":
            raise ValueError("alone() runs a statement on PostgreSQL; use run() elsewhere")
        if isinstance(bind, Connection):
            with bind.begin_nested():
                return self.run(bind, **values)
        with _lent(bind) as connection:
            return self._execute(compiled, connection, compiled.parameters(values))

    def run(self, connection: Connection, **values: Any) -> tuple | None:
        """Run the statement in `connection`'s transaction (the caller commits): the row it
        gives back (a SELECT's first, what RETURNING gives), or None."""
        compiled = self._compiled(connection.engine)
        fairy = connection.connection  # begins the connection's transaction if need be
        return self._execute(compiled, fairy, compiled.parameters(values), connection)

    def rows(self, bind: Engine | Connection, **values: Any) -> list[tuple]:
        """Every row (a few: a row per status, say), as run() would run the statement in a
        connection's transaction, or a SELECT's as first() runs it alone on the engine."""
        compiled = self._compiled(bind.engine)
        parameters = compiled.parameters(values)
        if isinstance(bind, Connection):
            return self._execute(compiled, bind.connection, parameters, bind, every=True)
        if compiled.writes:
            raise ValueError("rows() runs a SELECT alone; run() a statement that writes")
        with _lent(bind) as connection:
            return self._execute(compiled, connection, parameters, every=True)

    @staticmethod
    def _execute(
        compiled: _Compiled,
        connection,
        parameters,
        listened: Connection | None = None,
        every: bool = False,
    ) -> Any:
        cursor = None
        sql = compiled.sql
        try:
            cursor = connection.cursor()
            if listened is not None and (listened._has_events or listened.engine._has_events):
                # As SQLAlchemy calls them (the listeners take and give back both).
                for listener in listened.dispatch.before_cursor_execute:
                    sql, parameters = listener(listened, cursor, sql, parameters, None, False)
            cursor.execute(sql, parameters)
            if every:
                return [compiled.row(raw) for raw in cursor.fetchall()]
            raw = cursor.fetchone() if compiled.results else None
        except compiled.error as error:
            if compiled.dialect.is_disconnect(error, connection.dbapi_connection, cursor):
                # Thrown away: the pool makes a new one for the next borrower.
                connection.invalidate(error)
            raise sa.exc.DBAPIError.instance(sql, parameters, error, compiled.error) from error
        finally:
            if cursor is not None:
                with contextlib.suppress(compiled.error):  # its connection may be gone
                    cursor.close()
        return compiled.row(raw)


def reading(session: Session) -> Engine | Connection:
    """Where a read of `session`'s request costs least: in the session's transaction when
    it has one open (no round trip more), else alone (first(), rows()): no BEGIN before
    it, no ROLLBACK when the request ends (a comment POST's first read, the queue's state
    after a decision's commit)."""
    if session.in_transaction():
        return session.connection()
    return session.get_bind()


@contextlib.contextmanager
def _lent(engine: Engine) -> Iterator[Any]:
    """A connection of the engine's pool for one statement, given back rolled back; on
    PostgreSQL in autocommit while lent (the statement is its own transaction, and there is
    none for the pool to roll back)."""
    connection = engine.raw_connection()
    driver = connection.driver_connection if engine.dialect.name == "postgresql" else None
    try:
        if driver is not None:
            driver.autocommit = True  # set on the client: no round trip
        yield connection
    finally:
        try:
            if driver is not None and not driver.closed:
                driver.autocommit = False
        finally:
            connection.close()  # back to the pool, rolled back


class PlainGet:
    """`Session.get(model, id)` without the ORM's load: the row read plainly by its primary
    key, made into the session's persistent object as if the session had loaded it (the
    identity map first, as Session.get looks; no change to flush). For a mapped class on one
    table with a one-column primary key, every column mapped as an attribute."""

    def __init__(self, model: type) -> None:
        mapper = sa.inspect(model)
        table = mapper.local_table
        [key] = table.primary_key.columns
        self.model = model
        self.mapper = mapper
        self.statement = PlainStatement(
            sa.select(*table.columns).where(key == sa.bindparam("id")), ("id",)
        )
        self.lowest = PlainStatement(sa.select(*table.columns).order_by(key).limit(1))
        self.key_index = _layout(mapper)[1]

    def __call__(self, session: Session, id: int) -> Any | None:
        known = session.identity_map.get(identity_key(self.model, id))
        if known is not None:
            return known
        row = self.statement.run(session.connection(), id=id)
        return None if row is None else _adopt(session, self.mapper, row)

    def first(self, session: Session) -> Any | None:
        """The row with the lowest key (a table of one row: the site's settings), or None."""
        row = self.lowest.run(session.connection())
        if row is None:
            return None
        known = session.identity_map.get(identity_key(self.model, row[self.key_index]))
        return known if known is not None else _adopt(session, self.mapper, row)


class ColumnDefaults:
    """A table's Python-side column defaults, filled in as the ORM fills them. A statement
    compiled ahead (PlainStatement) is given every value it inserts: the values must carry
    them. A function is called as SQLAlchemy calls it, with the execution context, of which
    there is none here (None): for defaults that don't read it (utcnow)."""

    def __init__(self, table: sa.Table) -> None:
        self.values: dict[str, Any] = {}  # the scalar defaults
        self.made: dict[str, Callable[[Any], Any]] = {}  # ... and those a function makes
        for column in table.columns:
            default = column.default
            if default is None:
                continue
            if default.is_scalar:
                self.values[column.key] = default.arg
            elif default.is_callable:
                self.made[column.key] = default.arg
            else:
                raise ValueError(f"{column.key}: a default SQLAlchemy makes in SQL")

    def __call__(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """`values` (by column name) with every missing default added."""
        filled = self.values | dict(values)
        for name, make in self.made.items():
            if name not in filled:
                filled[name] = make(None)
        return filled


class PlainAdd:
    """`session.add(model(**values))` and its flush in one plain INSERT ... RETURNING, the
    row made the session's persistent object (as PlainGet makes a row read). The columns'
    Python defaults are filled here, as the ORM would fill them; the server's come back
    with the row. For a mapped class on one table, every column mapped as an attribute."""

    def __init__(self, model: type) -> None:
        mapper = sa.inspect(model)
        self.table = mapper.local_table
        self.mapper = mapper
        self.defaults = ColumnDefaults(self.table)
        self._by_columns: dict[tuple[str, ...], PlainStatement] = {}

    def __call__(self, session: Session, **values: Any) -> Any:
        """The new object; `values` by column name (those missing take their defaults)."""
        values = self.defaults(values)
        columns = tuple(values)
        statement = self._by_columns.get(columns)
        if statement is None:
            table = self.table
            statement = self._by_columns[columns] = PlainStatement(
                sa.insert(table)
                .values({name: sa.bindparam(name, type_=table.c[name].type) for name in columns})
                .returning(*table.columns),
                columns,
            )
        row = statement.run(session.connection(), **values)
        return _adopt(session, self.mapper, row)


def adopt(session: Session, model: type, row: Sequence[Any]) -> Any:
    """`row` (a value for each of `model`'s table's columns, in the table's order: what
    RETURNING with every column gives) as the session's persistent object (a decision's
    comment and event, lifecycle.py). For a mapped class as PlainGet takes."""
    return _adopt(session, sa.inspect(model), row)


@functools.cache
def _layout(mapper: sa.orm.Mapper) -> tuple[list[str], int]:
    """The mapped attribute of each of the table's columns, in the table's order, and where
    its one-column primary key is among them."""
    table = mapper.local_table
    [key] = table.primary_key.columns
    names = [mapper.get_property_by_column(column).key for column in table.columns]
    return names, list(table.columns).index(key)


def _adopt(session: Session, mapper: sa.orm.Mapper, row: Sequence[Any]) -> Any:
    """The row as the session's persistent object, as if the session had loaded it: the
    object the session holds for the row's key given the row's values, or a new one."""
    names, key_index = _layout(mapper)
    found = session.identity_map.get(identity_key(mapper.class_, row[key_index]))
    fresh = found is None
    if fresh:
        found = mapper.class_manager.new_instance()
    for name, value in zip(names, row, strict=True):
        set_committed_value(found, name, value)
    if fresh:
        make_transient_to_detached(found)
        session.add(found)
    return found
