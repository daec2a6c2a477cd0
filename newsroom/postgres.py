"""PostgreSQL settings: a connection is checked before use only when it sat idle, and keeps
its prepared statements when a transaction ends with ROLLBACK.

A server connection can go away while it waits in the pool (the server restarted, a proxy
or firewall dropped it), and a request handed such a connection would fail. SQLAlchemy's
`pool_pre_ping` checks each connection at every checkout, a round trip to the server on
every request; at hundreds of comment POSTs a second that was one wake-up of a server
process in seven. Here the check runs only when the connection has been idle for
IDLE_BEFORE_PING_S: a connection back from a request a moment ago was working a moment ago,
and a server restart takes longer than that, so the connections that outlived one are
those the check still sees. A failed check is a DisconnectionError: the pool throws the
connection away and hands out a new one (SQLAlchemy's own pessimistic-disconnect recipe).

psycopg prepares a statement on the server once a connection has run it five times, and
then skips its parse and, where the server finds the same plan good for every value, its
planning (0.6 ms of the queue page's rows statement on a million comments). But psycopg
forgets every prepared statement at each rollback, and deallocates them on the server: a
request that only read ends with one, so nothing ever reached five runs and every statement
was parsed and planned anew on every request. Here a rollback of a transaction in good
standing is sent as a plain ROLLBACK, which leaves the server's prepared statements (they
are not transactional) and psycopg's record of them as they were. With the queue's page
size written into its statement (moderation/queue.py), the queue page took a fifth less
time in the app on a million comments, a decision a fifth less. A transaction in error, or
anything unexpected, takes psycopg's own rollback, which forgets them (a statement
prepared in a failed transaction does not exist). The searches choose their plans per
query (search.py).

Only the app's own engine is set up this way (`configure`, called by create_app).
"""

from __future__ import annotations

import time

from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

IDLE_BEFORE_PING_S = 1.0

_LAST_USED = "postgres_last_used"


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

    # Every rollback goes through the dialect: the session's, and the pool's as a
    # connection comes back.
    drivers_rollback = dialect.do_rollback

    def do_rollback(dbapi_connection) -> None:
        if not _rolled_back_keeping_prepared(dbapi_connection):
            drivers_rollback(dbapi_connection)

    dialect.do_rollback = do_rollback


def _rolled_back_keeping_prepared(dbapi_connection) -> bool:
    """End the connection's transaction with a plain ROLLBACK, past psycopg's rollback(),
    when it is open and in good standing; False: left for psycopg's own."""
    from psycopg import pq  # here: a site on SQLite never loads the driver (wsgi.py)

    # SQLAlchemy hands in its pool's wrapper of the psycopg connection.
    connection = getattr(dbapi_connection, "dbapi_connection", dbapi_connection)
    pgconn = connection.pgconn
    if pgconn.transaction_status != pq.TransactionStatus.INTRANS:
        return False
    return pgconn.exec_(b"ROLLBACK").status == pq.ExecStatus.COMMAND_OK


def _note_use(dbapi_connection, connection_record) -> None:
    if connection_record is not None:
        connection_record.info[_LAST_USED] = time.monotonic()
