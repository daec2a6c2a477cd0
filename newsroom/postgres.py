"""PostgreSQL settings: a connection is checked before use only when it sat idle, and a
transaction that only read ends with COMMIT, which keeps its prepared statements.

A server connection can go away while it waits in the pool (the server restarted, a proxy
or firewall dropped it), and a request handed such a connection would fail. SQLAlchemy's
`pool_pre_ping` checks each connection at every checkout, a round trip to the server on
every request; at hundreds of comment POSTs a second that was one wake-up of a server
process in seven. Here the check runs only when the connection has been idle for
IDLE_BEFORE_PING_S: a connection back from a request a moment ago was working a moment ago,
and a server restart takes longer than that, so the connections that outlived one are
those the check still sees. A failed check is a DisconnectionError: the pool throws the
connection away and hands out a new one (SQLAlchemy's own pessimistic-disconnect recipe).

psycopg prepares a statement on the server once a connection has run it a few times, and
the server then plans it once instead of at every run (half a millisecond for the queue's
rows). But psycopg forgets them all, and has the server drop them (DEALLOCATE ALL, another
round trip), at every ROLLBACK, and every request that only read ended with one: the
session closes its transaction by rolling it back. Here a transaction in which no statement
wrote (statements.writes, told by the engine's before_cursor_execute listeners, which plain
statements run too: plainsql.py) is ended by COMMIT, which for a transaction that only read
is the same thing; one that wrote, or failed, is rolled back as ever. A SELECT is taken at
its word: none the app runs calls a function whose effect a rollback would undo (its
advisory locks and sequences end the same either way; a pg_notify would not).

Only the app's own engine is set up this way (`configure`, called by create_app).
"""

from __future__ import annotations

import time

from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

from newsroom.statements import writes

IDLE_BEFORE_PING_S = 1.0

_LAST_USED = "postgres_last_used"
# Set on the pool's record of a connection when its transaction runs a statement that may
# write; cleared when the transaction ends.
_WROTE = "postgres_transaction_wrote"


def configure(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        return
    dialect = engine.dialect

    def ping_if_idle(dbapi_connection, connection_record, connection_proxy) -> None:
        last_used = connection_record.info.get(_LAST_USED)
        if last_used is not None and time.monotonic() - last_used < IDLE_BEFORE_PING_S:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            raise exc.DisconnectionError(str(error)) from error
        connection_record.info[_LAST_USED] = time.monotonic()

    # "connect": new, so just checked; "checkin": back in the pool after a request.
    event.listen(engine, "connect", _note_use)
    event.listen(engine, "checkin", _note_use)
    event.listen(engine, "checkout", ping_if_idle)

    event.listen(engine, "before_cursor_execute", _note_write)
    event.listen(engine, "commit", _ended)
    # The session's rollback and the pool's reset on return both end a transaction here.
    dialect.do_rollback = _end_transaction


def _note_write(connection, cursor, statement, parameters, context, executemany) -> None:
    info = connection.connection.info  # the pool's record of this DBAPI connection
    if _WROTE not in info and writes(statement):
        info[_WROTE] = True


def _ended(connection) -> None:
    connection.connection.info.pop(_WROTE, None)


def _end_transaction(dbapi_connection) -> None:
    """ROLLBACK, or COMMIT for a transaction that only read (and so changed nothing)."""
    try:
        wrote = dbapi_connection.info.pop(_WROTE, False)
    except NotImplementedError:  # a connection SQLAlchemy sets up, not yet the pool's
        wrote = True
    driver = dbapi_connection.driver_connection
    # psycopg's TransactionStatus by name: the driver is not imported on SQLite (wsgi.py).
    if not wrote and driver.info.transaction_status.name == "INTRANS":
        driver.commit()
    else:
        driver.rollback()


def _note_use(dbapi_connection, connection_record) -> None:
    if connection_record is not None:
        connection_record.info[_LAST_USED] = time.monotonic()
