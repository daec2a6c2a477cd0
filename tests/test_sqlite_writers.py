"""SQLite's writers queue on a file lock and checkpoints run in the background
(newsroom/sqlite.py). Only for SQLite: PostgreSQL connections don't pass through there."""

import contextlib
import fcntl
import os
import sqlite3
import stat
import threading
import time

import pytest
import sqlalchemy as sa

from newsroom import create_app, planner, sqlite
from newsroom.extensions import db
from newsroom.models import Article
from newsroom.plainsql import PlainStatement

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


def test_a_plain_write_queues_as_any_write_does(app, article, lock_path):
    # The comment POST's statements skip SQLAlchemy's execution (plainsql.py), not the
    # engine's listeners: the lock is taken at the write and held until the commit.
    retitle = PlainStatement(
        sa.update(Article)
        .where(Article.id == sa.bindparam("id"))
        .values(title="Plainly", updated_at=Article.updated_at),
        ("id",),
    )
    article_id = article.id
    assert _lock_is_free(lock_path)
    retitle.run(db.session.connection(), id=article_id)
    assert not _lock_is_free(lock_path)
    db.session.commit()
    assert _lock_is_free(lock_path)
    assert db.session.get(Article, article_id).title == "Plainly"


def test_reads_never_take_the_lock(app, article, lock_path):
    db.session.scalars(sa.select(Article)).all()
    db.session.get(Article, article.id)
    assert _lock_is_free(lock_path)


def test_a_statement_opening_with_common_table_expressions_reads_unless_it_changes(
    app, site, article, lock_path
):
    from newsroom import search

    # The reader's search opens with WITH: it runs while a writer holds the lock.
    search.index_article(article)
    db.session.commit()
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # another process writing
        started = time.monotonic()
        found = search.search_articles(article.title)
        assert time.monotonic() - started < sqlite.BUSY_TIMEOUT_MS / 1000  # didn't wait
        assert [hit.article.id for hit in found.hits] == [article.id]
        db.session.rollback()
    finally:
        os.close(fd)
    assert _lock_is_free(lock_path)

    # One that changes rows after its WITH queues like any write.
    db.session.execute(
        sa.text(
            "WITH chosen AS (SELECT id FROM articles WHERE id = :id)"
            " UPDATE articles SET title = 'Renamed' WHERE id IN (SELECT id FROM chosen)"
        ),
        {"id": article.id},
    )
    assert not _lock_is_free(lock_path)
    db.session.rollback()
    assert _lock_is_free(lock_path)
    assert not sqlite.writes("  with x as (select 1) select * from x")
    assert sqlite.writes("WITH x AS (SELECT 1) DELETE FROM comments")
    assert sqlite.writes("SAVEPOINT sa_savepoint_1")


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


def _in_the_file(database: str, query: str, wanted: str) -> bool:
    """Whether `query`, read from the database file alone (not the write-ahead log),
    finds `wanted` within a few seconds: i.e. whether a checkpoint copied it there."""
    file_only = f"file:{database}?immutable=1"  # immutable=1 ignores the log
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with contextlib.closing(sqlite3.connect(file_only, uri=True)) as connection:
                if wanted in [value for (value,) in connection.execute(query)]:
                    return True
        except sqlite3.DatabaseError:  # read mid-copy, or not there yet; look again
            pass
        time.sleep(0.05)
    return False


def test_commits_reach_the_database_file_without_waiting_for_a_request(app, article):
    """Connections checkpoint only as a safety net, far above one commit's pages; the
    background thread copies each commit into the file."""
    pages = db.session.execute(sa.text("PRAGMA wal_autocheckpoint")).scalar()
    assert pages == sqlite.AUTOCHECKPOINT_PAGES > 1000
    _retitle(article.id, "Checkpointed")
    db.session.commit()

    assert _in_the_file(db.engine.url.database, "SELECT title FROM articles", "Checkpointed")


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


# --- When something fails: SQLite's own handling takes over, nothing is lost -------------


def _engine(tmp_path) -> sa.Engine:
    """An engine on a database of its own, set up as create_app sets up the app's."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'site.db'}")
    sqlite.configure(engine)
    return engine


def test_only_the_apps_own_engine_is_set_up(tmp_path):
    other = sa.create_engine(f"sqlite:///{tmp_path / 'other.db'}")
    ours = _engine(tmp_path)
    try:
        with other.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "delete"
        with ours.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        other.dispose()
        ours.dispose()


def test_a_lock_file_that_cannot_be_opened_leaves_writes_to_sqlite(tmp_path, caplog):
    (tmp_path / "site.db-writer.lock").mkdir()  # can't be opened as a file, even by root
    engine = _engine(tmp_path)
    try:
        for number in range(2):
            with engine.begin() as connection:
                connection.exec_driver_sql("CREATE TABLE IF NOT EXISTS notes (body TEXT)")
                connection.exec_driver_sql("INSERT INTO notes VALUES (?)", (f"note {number}",))
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM notes").scalar() == 2
    finally:
        engine.dispose()
    warnings = [r for r in caplog.records if "no writer lock" in r.getMessage()]
    assert len(warnings) == 1  # said once, not at every write


def test_a_transaction_that_waited_in_vain_waits_once(tmp_path, monkeypatch):
    monkeypatch.setattr(sqlite, "BUSY_TIMEOUT_MS", 50)
    engine = _engine(tmp_path)
    database = str(tmp_path / "site.db")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE notes (body TEXT)")
    taken, done = threading.Event(), threading.Event()

    def hold() -> None:  # another thread of this process holds the lock all along
        held = sqlite.take_writer_lock(database)
        taken.set()
        done.wait(10)
        sqlite.let_go(held)

    holder = threading.Thread(target=hold)
    holder.start()
    taken.wait(5)
    waits = []
    take = sqlite.take_writer_lock

    def counted(path: str):
        if threading.current_thread() is threading.main_thread():  # not the checkpoint's
            waits.append(path)
        return take(path)

    monkeypatch.setattr(sqlite, "take_writer_lock", counted)
    try:
        with engine.begin() as connection:
            for number in range(3):
                connection.exec_driver_sql("INSERT INTO notes VALUES (?)", (f"note {number}",))
    finally:
        done.set()
        holder.join(5)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM notes").scalar() == 3
    engine.dispose()
    assert waits == [database]  # the first write waited; the other two went straight on


def test_a_checkpoint_thread_that_fails_to_start_is_replaced(tmp_path, monkeypatch):
    failures = []
    connect = sqlite.Checkpointer._connect

    def fail_once(self):
        if not failures:
            failures.append(self)
            raise sqlite3.OperationalError("unable to open database file")
        return connect(self)

    monkeypatch.setattr(sqlite.Checkpointer, "_connect", fail_once)
    engine = _engine(tmp_path)
    database = str(tmp_path / "site.db")
    try:
        with engine.begin() as connection:  # wakes a thread, which fails to connect
            connection.exec_driver_sql("CREATE TABLE notes (body TEXT)")
        failures[0].join(5)
        assert not failures[0].is_alive()
        with engine.begin() as connection:  # wakes a new one
            connection.exec_driver_sql("INSERT INTO notes VALUES ('kept')")
        assert _in_the_file(database, "SELECT body FROM notes", "kept")
    finally:
        engine.dispose()


def test_the_database_and_its_folder_are_private(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    monkeypatch.setenv("NEWSROOM_INSTANCE_PATH", str(instance))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    private = create_app({"TESTING": True, "SECRET_KEY": "test-secret-key"})
    with private.app_context():
        db.session.execute(sa.text("CREATE TABLE notes (body TEXT)"))
        db.session.commit()
        assert stat.S_IMODE(os.stat(instance).st_mode) == 0o700
        for name in ("newsroom.db", "newsroom.db-wal", "newsroom.db-shm"):
            assert stat.S_IMODE(os.stat(instance / name).st_mode) == 0o600, name
        db.session.remove()
        db.engine.dispose()
