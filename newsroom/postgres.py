"""PostgreSQL settings: a connection is checked before use only when it sat idle.

A server connection can go away while it waits in the pool (the server restarted, a proxy
or firewall dropped it), and a request handed such a connection would fail. SQLAlchemy's
`pool_pre_ping` checks each connection at every checkout, a round trip to the server on
every request; at hundreds of comment POSTs a second that was one wake-up of a server
process in seven. Here the check runs only when the connection has been idle for
IDLE_BEFORE_PING_S: a connection back from a request a moment ago was working a moment ago,
and a server restart takes longer than that, so the connections that outlived one are
those the check still sees. A failed check is a DisconnectionError: the pool throws the
connection away and hands out a new one (SQLAlchemy's own pessimistic-disconnect recipe).

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


def _note_use(dbapi_connection, connection_record) -> None:
    if connection_record is not None:
        connection_record.info[_LAST_USED] = time.monotonic()
