"""SQLite settings, and one writer at a time without SQLite's back-off.

SQLite lets one connection write at a time. A writer that finds the lock taken waits in
SQLite's busy handler, which sleeps 1, 2, 5, 10, ... up to 100 ms between tries, so under
steady writes from several gunicorn workers a waiter keeps waking too late and losing the
lock to a newer one: a decision that takes 5 ms could wait 300 ms. Here each writer first
takes an OS lock on a file beside the database (`<db>-writer.lock`), held from its first
write statement until the connection goes back to the pool (after the commit or the
rollback). Waiters retry that lock every half millisecond, so the next writer starts as soon
as the last one commits, and SQLite's own lock is never contended between our connections.

Copying the write-ahead log back into the database (a checkpoint, with an fsync) is left to
a thread of each process, woken after its writes, instead of to whichever commit crosses
SQLite's 1000-page mark: that commit used to hold every other writer up by 10 to 40 ms.

PostgreSQL connections are left alone: they don't pass through here.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

from newsroom import planner

BUSY_TIMEOUT_MS = 5000
# How often a waiting writer tries the lock again.
RETRY_S = 0.0005
# A checkpoint thread runs at most this often, and ends after this long without writes.
CHECKPOINT_EVERY_S = 0.5
CHECKPOINT_IDLE_S = 30.0
# How often a writing process refreshes the planner's statistics (newsroom/planner.py).
STATISTICS_EVERY_S = 3600.0
# Statements that read; anything else (INSERT, UPDATE, DELETE, SAVEPOINT, DDL) writes.
READS = ("SELECT", "PRAGMA", "EXPLAIN")

_DATABASE = "sqlite_database_path"
_HELD = "sqlite_writer_lock_fd"


def _is_sqlite(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__.startswith("sqlite3")


@event.listens_for(Engine, "connect")
def _configure(dbapi_connection, connection_record) -> None:
    """WAL lets readers go on while a worker writes; the timeout is the last resort."""
    if not _is_sqlite(dbapi_connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA wal_autocheckpoint=0")  # the Checkpointer's job
    filename = next(row[2] for row in cursor.execute("PRAGMA database_list") if row[1] == "main")
    cursor.close()
    if filename:  # an in-memory database has no file and no other writers
        connection_record.info[_DATABASE] = filename


@event.listens_for(Engine, "before_cursor_execute")
def _queue_writer(connection, cursor, statement, parameters, context, executemany) -> None:
    info = connection.connection.info  # the pool's record of this DBAPI connection
    database = info.get(_DATABASE)
    if database is None or _HELD in info or statement.lstrip()[:7].upper().startswith(READS):
        return
    held = take_writer_lock(database)
    if held is not None:
        info[_HELD] = held


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
    fd = os.open(database + "-writer.lock", os.O_RDWR | os.O_CREAT, 0o600)
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


# "checkin": back in the pool after a commit or rollback; "close"/"invalidate": gone.
for _name in ("checkin", "close", "invalidate"):
    event.listen(Pool, _name, _release)


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
        connection = sqlite3.connect(self.database)
        try:
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
        except sqlite3.Error:
            with self._lock:
                self._running.pop(key, None)
        finally:
            connection.close()

    def _sample_statistics(self, connection: sqlite3.Connection) -> None:
        # ANALYZE writes its findings: it queues with the other writers.
        held = take_writer_lock(self.database)
        try:
            planner.sample_statistics(connection)
        finally:
            if held is not None:
                let_go(held)
