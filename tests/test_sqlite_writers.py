"""SQLite's writers queue on a file lock and checkpoints run in the background
(newsroom/sqlite.py). Only for SQLite: PostgreSQL connections don't pass through there."""

import contextlib
import fcntl
import os
import sqlite3
import threading
import time

import pytest
import sqlalchemy as sa

from newsroom import planner, sqlite
from newsroom.extensions import db
from newsroom.models import Article

pytestmark = [
    pytest.mark.skipif(
        bool(os.environ.get("TEST_DATABASE_URL")), reason="the writer lock is SQLite's alone"
    ),
    pytest.mark.commits,  # the lock is held from a write until the transaction really ends
]


@pytest.fixture
def lock_path(app) -> str:
    return db.engine.url.database + "-writer.lock"


def _lock_is_free(path: str) -> bool:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # and with it the lock, if this took it


def _retitle(article_id: int, title: str) -> None:
    db.session.execute(sa.update(Article).where(Article.id == article_id).values(title=title))


def test_a_write_holds_the_lock_until_its_transaction_ends(app, article, lock_path):
    assert _lock_is_free(lock_path)
    _retitle(article.id, "Written")
    assert not _lock_is_free(lock_path)
    db.session.commit()
    assert _lock_is_free(lock_path)

    _retitle(article.id, "Written, then taken back")
    assert not _lock_is_free(lock_path)
    db.session.rollback()
    assert _lock_is_free(lock_path)
    db.session.expire_all()
    assert db.session.get(Article, article.id).title == "Written"


def test_reads_never_take_the_lock(app, article, lock_path):
    db.session.scalars(sa.select(Article)).all()
    db.session.get(Article, article.id)
    assert _lock_is_free(lock_path)


def test_a_second_writer_waits_for_the_first_then_writes(app, article, lock_path):
    happened: list[str] = []
    first_holds, first_may_commit = threading.Event(), threading.Event()
    errors: list[Exception] = []

    def first() -> None:
        try:
            with app.app_context():
                _retitle(article.id, "First")
                first_holds.set()
                first_may_commit.wait(timeout=10)
                happened.append("first committing")
                db.session.commit()
                db.session.remove()
        except Exception as error:  # surfaced below
            errors.append(error)

    def second() -> None:
        try:
            with app.app_context():
                _retitle(article.id, "Second")
                happened.append("second wrote")
                db.session.commit()
                db.session.remove()
        except Exception as error:
            errors.append(error)

    one = threading.Thread(target=first)
    one.start()
    assert first_holds.wait(timeout=10)
    two = threading.Thread(target=second)
    two.start()
    two.join(timeout=0.3)
    assert two.is_alive() and happened == []  # waiting for the lock, not failing
    first_may_commit.set()
    one.join(timeout=10)
    two.join(timeout=10)

    assert errors == []
    assert happened == ["first committing", "second wrote"]
    db.session.expire_all()
    assert db.session.get(Article, article.id).title == "Second"
    assert _lock_is_free(lock_path)


def test_a_lock_held_too_long_leaves_the_decision_to_sqlite(app, article, lock_path, monkeypatch):
    """Something outside holds the file lock: after the timeout the write goes ahead, and
    SQLite's own lock (which is free) lets it through."""
    monkeypatch.setattr(sqlite, "BUSY_TIMEOUT_MS", 50)
    stuck = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(stuck, fcntl.LOCK_EX)
        _retitle(article.id, "Written anyway")
        db.session.commit()
    finally:
        os.close(stuck)
    db.session.expire_all()
    assert db.session.get(Article, article.id).title == "Written anyway"


def test_commits_reach_the_database_file_without_waiting_for_a_request(app, article):
    """Connections don't checkpoint (autocheckpoint is off); the background thread does."""
    assert db.session.execute(sa.text("PRAGMA wal_autocheckpoint")).scalar() == 0
    _retitle(article.id, "Checkpointed")
    db.session.commit()

    # immutable=1 reads the database file alone, ignoring the write-ahead log.
    file_only = f"file:{db.engine.url.database}?immutable=1"
    deadline = time.monotonic() + 10
    titles: list[str] = []
    while time.monotonic() < deadline:
        try:
            with contextlib.closing(sqlite3.connect(file_only, uri=True)) as connection:
                titles = [t for (t,) in connection.execute("SELECT title FROM articles")]
        except sqlite3.DatabaseError:  # read mid-copy; look again
            titles = []
        if "Checkpointed" in titles:
            break
        time.sleep(0.05)
    assert "Checkpointed" in titles


def test_threads_of_one_process_queue_in_turn_and_none_is_lost(app, article, lock_path):
    """Many threads of one worker writing at once: each waits its turn on the in-process
    lock (no polling), every write lands, and the lock is free afterwards."""
    errors: list[Exception] = []

    def write(n: int) -> None:
        try:
            with app.app_context():
                for _ in range(5):
                    db.session.execute(
                        sa.update(Article)
                        .where(Article.id == article.id)
                        .values(comments_version=Article.comments_version + 1)
                    )
                    db.session.commit()
                db.session.remove()
        except Exception as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    db.session.expire_all()
    assert db.session.get(Article, article.id).comments_version == 40
    assert _lock_is_free(lock_path)


def test_a_thread_that_gives_up_waiting_lets_the_next_one_in(app, lock_path, monkeypatch):
    """A lock held outside past the timeout: the waiter gets None and leaves the in-process
    queue, so the next writer isn't stuck behind it."""
    monkeypatch.setattr(sqlite, "BUSY_TIMEOUT_MS", 50)
    database = db.engine.url.database
    stuck = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(stuck, fcntl.LOCK_EX)
        assert sqlite.take_writer_lock(database) is None
    finally:
        os.close(stuck)
    held = sqlite.take_writer_lock(database)
    assert held is not None and not _lock_is_free(lock_path)
    sqlite.let_go(held)
    assert _lock_is_free(lock_path)


def test_a_writing_process_refreshes_the_planner_statistics_hourly(app, article, monkeypatch):
    """The checkpoint thread samples statistics when it starts, then once an hour."""
    ran = threading.Event()
    runs: list[float] = []

    def sample(connection) -> None:
        runs.append(time.monotonic())
        ran.set()

    monkeypatch.setattr(planner, "sample_statistics", sample)
    monkeypatch.setattr(sqlite.Checkpointer, "_sampled", {})
    _retitle(article.id, "Analyzed")
    db.session.commit()  # wakes the checkpoint thread
    assert ran.wait(timeout=10)
    _retitle(article.id, "Analyzed again")
    db.session.commit()
    time.sleep(3 * sqlite.CHECKPOINT_EVERY_S)
    assert len(runs) == 1  # not again within the hour

    # An hour later (made due by hand), the next write runs it again.
    ran.clear()
    for key in sqlite.Checkpointer._sampled:
        sqlite.Checkpointer._sampled[key] = 0.0
    _retitle(article.id, "Analyzed an hour later")
    db.session.commit()
    assert ran.wait(timeout=10) and len(runs) == 2


def test_sampled_statistics_cover_a_table_that_never_had_any(tmp_path):
    with contextlib.closing(sqlite3.connect(tmp_path / "site.db")) as connection:
        connection.execute("CREATE TABLE comments (id INTEGER PRIMARY KEY, status TEXT)")
        connection.execute("CREATE INDEX ix_status ON comments (status)")
        connection.executemany("INSERT INTO comments (status) VALUES (?)", [("pending",)] * 5000)
        connection.commit()

        planner.sample_statistics(connection)

        assert connection.execute("SELECT tbl, idx FROM sqlite_stat1").fetchall() == [
            ("comments", "ix_status")
        ]
