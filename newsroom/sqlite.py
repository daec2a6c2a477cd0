"""SQLite settings, and one writer at a time without SQLite's back-off.

SQLite lets one connection write at a time. A writer that finds the lock taken waits in
SQLite's busy handler, which sleeps 1, 2, 5, 10, ... up to 100 ms between tries, so under
steady writes from several web workers a waiter keeps waking too late and losing the
lock to a newer one: a decision that takes 5 ms could wait 300 ms. Here each writer first
takes an OS lock on a file beside the database (`<db>-writer.lock`), held from its first
write statement until the connection goes back to the pool (after the commit or the
rollback). Waiters retry that lock every half millisecond, so the next writer starts as soon
as the last one commits, and SQLite's own lock is never contended between our connections.

Copying the write-ahead log back into the database (a checkpoint, with an fsync) is left to
a thread of each process, woken after its writes, instead of to whichever commit crosses
SQLite's 1000-page mark: that commit used to hold every other writer up by 10 to 40 ms.

Only the app's own engine is set up this way (`configure`, called by create_app); other
engines in the process, and PostgreSQL's, are left alone. When something here fails (the lock
file can't be opened, the lock isn't had in time, the checkpoint thread can't connect),
SQLite's own busy timeout and its own automatic checkpoint take over: slower, never lost.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import sqlite3
import threading
import time

from sqlalchemy import event
from sqlalchemy.engine import Engine

from newsroom import planner
from newsroom.statements import writes

BUSY_TIMEOUT_MS = 5000
# How often a waiting writer tries the lock again.
RETRY_S = 0.0005
# A checkpoint thread runs at most this often, and ends after this long without writes.
# Small and often: on a million comments, where each decision dirties pages all over the
# file, the larger copies of a checkpoint every half second held requests up before they
# reached the app (approve p99 at four connections 26-30 ms, every 2 s 41-53 ms, every
# 0.1 s 21-23 ms; in the app 15-18 ms throughout), and ten thousand comments didn't mind.
# Measured again on a 2-core Intel Xeon, six rounds each: every second, approve's p99 on a
# million comments was 46-75 ms; every 0.1 s 12-23 ms (median 14.5, against 8-11 on ten
# thousand); every 0.02 s 7.7-14.5 ms (median 10, as on ten thousand). The comment POST
# pays 2-4% of its rate for it (SQLite, a million comments: 961-1,007 against 1,008-1,026
# a second).
CHECKPOINT_EVERY_S = 0.02
CHECKPOINT_IDLE_S = 30.0
# How often a writing process refreshes the planner's statistics (newsroom/planner.py).
STATISTICS_EVERY_S = 3600.0
# The safety net: were the checkpoint thread to fail, SQLite copies the log back itself
# once it reaches this many pages (40 MB at 4 KB a page), so it can't grow without bound.
# The thread, every tenth of a second, keeps it far below that.
AUTOCHECKPOINT_PAGES = 10_000

log = logging.getLogger(__name__)

_DATABASE = "sqlite_database_path"
_HELD = "sqlite_writer_lock_fd"


def configure(engine: Engine) -> None:
    """Set up the app's engine, when it is SQLite's: the settings on every new connection,
    the writer queue, and the files kept private (they hold password hashes and readers'
    e-mail addresses)."""
    if engine.dialect.name != "sqlite":
        return
    if engine.url.database and engine.url.database != ":memory:":
        _keep_private(engine.url.database)
    event.listen(engine, "connect", _configure)
    event.listen(engine, "before_cursor_execute", _queue_writer)
    # "checkin": back in the pool after a commit or rollback; "close"/"invalidate": gone.
    # (Pool events on the engine follow it to a new pool after dispose().)
    for name in ("checkin", "close", "invalidate"):
        event.listen(engine, name, _release)


def _keep_private(database: str) -> None:
    """The database file readable by its owner only. SQLite makes its -wal and -shm files
    with the database's permissions, so making the database first, 0600, covers them; files
    an older version left open to others are closed up."""
    # Made only when missing (O_EXCL): opening and closing a database file that this process
    # already has open through SQLite would drop SQLite's POSIX locks on it, and another
    # process could then write under a reader's feet (a "malformed" database).
    with contextlib.suppress(OSError):  # there already, or another user's folder
        os.close(os.open(database, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
    for path in (database, database + "-wal", database + "-shm"):
        with contextlib.suppress(OSError):
            if os.stat(path).st_mode & 0o077:
                os.chmod(path, 0o600)


def _configure(dbapi_connection, connection_record) -> None:
    """WAL lets readers go on while a worker writes; the timeout is the last resort."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
    filename = next(row[2] for row in cursor.execute("PRAGMA database_list") if row[1] == "main")
    cursor.close()
    if filename:  # an in-memory database has no file and no other writers
        connection_record.info[_DATABASE] = filename


def _queue_writer(connection, cursor, statement, parameters, context, executemany) -> None:
    info = connection.connection.info  # the pool's record of this DBAPI connection
    database = info.get(_DATABASE)
    if database is None or _HELD in info or not writes(statement):
        return
    # Held, or None: waited in vain. Either way once per transaction: a transaction that
    # gave up waiting doesn't wait again at each of its later writes.
    info[_HELD] = take_writer_lock(database)


# Per process and database: the threads of one process queue here first, woken in turn by
# the lock itself, so only one thread per process polls the file lock. Were every waiting
# thread polling, a dozen of them waking 2,000 times a second would take the CPU, and the
# GIL, from the one thread holding the lock.
_thread_locks: dict[tuple[int, str], threading.Lock] = {}
_thread_locks_guard = threading.Lock()


def _thread_lock(database: str) -> threading.Lock:
    key = (os.getpid(), database)  # a lock copied by fork() is not shared: one per process
    with _thread_locks_guard:
        return _thread_locks.setdefault(key, threading.Lock())


def take_writer_lock(database: str) -> tuple[threading.Lock, int] | None:
    """Hold the writer lock (give it back with `let_go`), or None after waiting
    BUSY_TIMEOUT_MS in vain: SQLite's busy timeout then answers "database is locked"
    rather than letting a writer wait forever."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    in_process = _thread_lock(database)
    if not in_process.acquire(timeout=BUSY_TIMEOUT_MS / 1000):  # the whole wait, at most
        return None
    try:
        fd = os.open(database + "-writer.lock", os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as error:  # e.g. a lock file another user made: SQLite alone decides
        in_process.release()
        _warn_once(database, error)
        return None
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return in_process, fd
        except BlockingIOError:
            if time.monotonic() > deadline:
                os.close(fd)
                in_process.release()
                return None
            time.sleep(RETRY_S)


_warned: set[str] = set()


def _warn_once(database: str, error: OSError) -> None:
    if database not in _warned:
        _warned.add(database)
        log.warning("no writer lock for %s (%s): SQLite's busy timeout decides", database, error)


def let_go(held: tuple[threading.Lock, int]) -> None:
    in_process, fd = held
    os.close(fd)  # closing the descriptor releases the file lock
    in_process.release()


def _release(dbapi_connection, connection_record, *args) -> None:
    if connection_record is None:
        return
    held = connection_record.info.pop(_HELD, None)
    if held is not None:
        let_go(held)
        Checkpointer.wake(connection_record.info[_DATABASE])


class Checkpointer(threading.Thread):
    """Copies committed pages from the write-ahead log into a database, off the request path.

    One per database and process, started by the first write and ending when writes stop;
    PASSIVE checkpoints never wait for, nor block, readers and writers. It also keeps the
    planner's statistics fresh: at its start and then hourly while writes go on.
    """

    # When each database's statistics are due again, per process (time.monotonic()).
    _sampled: dict[tuple[int, str], float] = {}

    _running: dict[tuple[int, str], Checkpointer] = {}
    _lock = threading.Lock()

    def __init__(self, database: str) -> None:
        super().__init__(name="sqlite-checkpoint", daemon=True)
        self.database = database
        self.woken = threading.Event()

    @classmethod
    def wake(cls, database: str) -> None:
        key = (os.getpid(), database)  # threads don't survive a fork: each worker has its own
        with cls._lock:
            thread = cls._running.get(key)
            if thread is None:
                thread = cls._running[key] = cls(database)
                thread.start()
            thread.woken.set()

    def run(self) -> None:
        key = (os.getpid(), self.database)
        connection = None
        try:
            connection = self._connect()
            connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            while True:
                if not self.woken.wait(CHECKPOINT_IDLE_S):
                    with self._lock:
                        if not self.woken.is_set():
                            del self._running[key]
                            return
                self.woken.clear()
                connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
                if time.monotonic() >= self._sampled.get(key, 0.0):
                    self._sampled[key] = time.monotonic() + STATISTICS_EVERY_S
                    self._sample_statistics(connection)
                time.sleep(CHECKPOINT_EVERY_S)
        except (sqlite3.Error, OSError) as error:
            # The next write starts a new thread; until then SQLite's own automatic
            # checkpoint (AUTOCHECKPOINT_PAGES) keeps the log bounded.
            log.warning("checkpoint thread for %s stopped: %s", self.database, error)
            with self._lock:
                if self._running.get(key) is self:
                    del self._running[key]
        finally:
            if connection is not None:
                connection.close()

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.database)

    def _sample_statistics(self, connection: sqlite3.Connection) -> None:
        # ANALYZE writes its findings: it queues with the other writers.
        held = take_writer_lock(self.database)
        try:
            planner.sample_statistics(connection)
        finally:
            if held is not None:
                let_go(held)
