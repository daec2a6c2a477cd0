"""A PostgreSQL connection is checked before use only when it sat idle (newsroom/postgres.py):
one the server dropped is replaced before a request gets it, and one back from a request a
moment ago costs no round trip. Only for PostgreSQL: SQLite's connections don't go away."""

import functools
import os

import pytest
import sqlalchemy as sa
from psycopg import pq

from newsroom import create_app, moderation, postgres
from newsroom.extensions import db
from newsroom.models import Commenter, User, utcnow
from newsroom.plainsql import PlainStatement
from tests.conftest import app_config

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"), reason="only a server's connections go away"
)


@pytest.fixture
def own_app(database_url):
    """An app with a pool of its own, so the test can drop its connections."""
    app = create_app(app_config(database_url))
    yield app
    with app.app_context():
        db.engine.dispose()


def _backend_pid(app) -> int:
    """The server process behind the connection a request would get from the pool."""
    with app.app_context():
        pid = db.session.scalar(sa.select(sa.func.pg_backend_pid()))
        db.session.remove()  # back to the pool
    return pid


def test_a_connection_the_server_dropped_while_idle_is_replaced(own_app, database_url, monkeypatch):
    dropped = _backend_pid(own_app)
    admin = sa.create_engine(database_url)
    with admin.begin() as connection:
        assert connection.scalar(sa.select(sa.func.pg_terminate_backend(dropped)))
    admin.dispose()
    # However short the idle time, the connection sat idle longer than the check allows.
    monkeypatch.setattr(postgres, "IDLE_BEFORE_PING_S", 0.0)

    response = own_app.test_client().get("/healthz")

    assert response.status_code == 200
    assert _backend_pid(own_app) != dropped


def test_a_dropped_connection_without_the_check_fails_the_request_that_gets_it(
    own_app, database_url, monkeypatch
):
    # What the check is for: used a moment ago, the dropped connection isn't checked, and
    # the statement fails (the pool then replaces it for the next request).
    dropped = _backend_pid(own_app)
    admin = sa.create_engine(database_url)
    with admin.begin() as connection:
        connection.execute(sa.select(sa.func.pg_terminate_backend(dropped)))
    admin.dispose()
    monkeypatch.setattr(postgres, "IDLE_BEFORE_PING_S", 3600.0)

    with own_app.app_context(), pytest.raises(sa.exc.OperationalError):
        db.session.scalar(sa.select(sa.func.pg_backend_pid()))

    assert _backend_pid(own_app) != dropped


def test_a_connection_used_a_moment_ago_is_not_pinged(own_app, monkeypatch):
    with own_app.app_context():
        dialect = db.engine.dialect
    pings = []
    real_ping = dialect.do_ping
    monkeypatch.setattr(
        dialect, "do_ping", lambda connection: pings.append(1) or real_ping(connection)
    )

    first = _backend_pid(own_app)  # new: checked by connecting
    assert _backend_pid(own_app) == first
    assert pings == []

    monkeypatch.setattr(postgres, "IDLE_BEFORE_PING_S", 0.0)
    assert _backend_pid(own_app) == first
    assert pings == [1]


def _prepared_here() -> int:
    return db.session.scalar(sa.text("SELECT count(*) FROM pg_prepared_statements"))


def _read_a_few_times(app, times: int = 7) -> None:
    """One statement, in as many transactions that only read, each ended as a request ends."""
    for _ in range(times):
        with app.app_context():
            assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) >= 0
            db.session.remove()  # the session's rollback, then the pool's


def test_statements_stay_prepared_from_one_read_only_transaction_to_the_next(own_app):
    first = _backend_pid(own_app)
    _read_a_few_times(own_app)
    with own_app.app_context():
        # psycopg prepared the statement at its fifth run; the rollbacks since kept it.
        assert _prepared_here() >= 1
        db.session.remove()
    assert _backend_pid(own_app) == first


def test_a_rollback_still_undoes_what_the_transaction_wrote(own_app):
    with own_app.app_context():
        db.session.execute(sa.text("CREATE TEMPORARY TABLE scratch (n integer)"))
        db.session.commit()
        db.session.execute(sa.text("INSERT INTO scratch VALUES (1)"))
        db.session.remove()  # not committed
    with own_app.app_context():
        assert db.session.scalar(sa.text("SELECT count(*) FROM scratch")) == 0
        db.session.remove()


def test_a_failed_transaction_takes_the_drivers_rollback_and_the_next_statements_run(own_app):
    _read_a_few_times(own_app)
    with own_app.app_context():
        with pytest.raises(sa.exc.DataError):
            db.session.execute(sa.text("SELECT 1 / 0"))
        db.session.remove()
    with own_app.app_context():
        # Forgotten, on the server and by psycopg alike: nothing runs by a missing name.
        assert _prepared_here() == 0
        db.session.remove()
    _read_a_few_times(own_app)


def test_a_connection_dropped_inside_a_transaction_is_replaced(own_app, database_url):
    with own_app.app_context():
        dropped = db.session.scalar(sa.select(sa.func.pg_backend_pid()))
        admin = sa.create_engine(database_url)
        with admin.begin() as connection:
            assert connection.scalar(sa.select(sa.func.pg_terminate_backend(dropped)))
        admin.dispose()
        # Its rollback finds the connection gone and says so, as psycopg's own did.
        with pytest.raises(sa.exc.OperationalError):
            db.session.remove()

    assert own_app.test_client().get("/healthz").status_code == 200
    assert _backend_pid(own_app) != dropped


def test_the_queue_pages_rows_are_read_by_one_plan_after_a_few_pages(article, make_comment):
    from newsroom import moderation

    for n in range(3):
        make_comment(article, body=f"Comment {n}.")
    # As the planner sees a million comments (only this test's transaction sees it so).
    db.session.execute(
        sa.text("UPDATE pg_class SET reltuples = 1000000, relpages = 1 WHERE relname = 'comments'")
    )
    pending = moderation.QueueFilter(status="pending")
    for _ in range(14):
        rows, _ = moderation.shown_page(pending)
        assert len(rows) == 3
    # Prepared at the fifth page; the server plans its first five runs for their values,
    # then keeps one (generic) plan: not a plan made anew for each page, which a page size
    # sent as a parameter forced.
    generic, custom = db.session.execute(
        sa.text(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
            " WHERE statement LIKE '%shown_article%' AND statement NOT LIKE '%pg_prepared%'"
        )
    ).one()
    assert generic >= 3, (generic, custom)


# --- Statements run alone on a lent connection (plainsql.py) ----------------------------

_ONE = PlainStatement(sa.select(sa.literal(1).label("one")))


def test_a_lent_read_is_its_own_transaction_and_the_connection_comes_back_idle(
    own_app, monkeypatch
):
    """No BEGIN before it, no ROLLBACK after it: psycopg left no transaction open once the
    statement had run (autocommit), and the connection goes back as the session expects."""
    after_statement = []
    execute = PlainStatement._execute

    def noting(compiled, connection, *args):
        row = execute(compiled, connection, *args)
        after_statement.append(connection.driver_connection.info.transaction_status)
        return row

    monkeypatch.setattr(PlainStatement, "_execute", staticmethod(noting))
    with own_app.app_context():
        engine = db.engine
        for _ in range(7):  # prepared from the fifth run on, and still alone
            assert _ONE.first(engine).one == 1
        assert set(after_statement) == {pq.TransactionStatus.IDLE}
        connection = engine.raw_connection()
        try:
            driver = connection.driver_connection
            assert driver.info.transaction_status == pq.TransactionStatus.IDLE
            assert driver.autocommit is False  # the session's transactions are as before
        finally:
            connection.close()


def test_a_connection_checked_after_sitting_idle_is_lent_all_the_same(own_app, monkeypatch):
    """The idle check (SQLAlchemy's SELECT 1, run in autocommit) leaves no transaction
    open: psycopg refuses autocommit inside one, and a lent statement sets it."""
    monkeypatch.setattr(postgres, "IDLE_BEFORE_PING_S", 0.0)
    with own_app.app_context():
        assert _ONE.first(db.engine).one == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) >= 0
        db.session.remove()


@pytest.mark.commits
def test_a_held_comment_refused_as_a_whole_leaves_no_commenter(own_app, site, article):
    """The one statement that stores a held comment (its commenter, its link, its count) is
    kept whole or not at all: a refused comment makes nobody known."""
    from newsroom.moderation import counters

    with own_app.app_context():
        values = {
            "article_id": article.id,
            "author_name": "Lee",
            "author_email": "lee@example.com",
            "body": "Twice.",
            "status": "pending",
            "submission_id": "same-submission",
        }
        now = utcnow()
        store = functools.partial(counters.store_held_alone, now=now, fingerprint="f" * 32)
        store(values, email="lee@example.com", link=True)
        pending = moderation.queue_tally()["pending"]
        with pytest.raises(sa.exc.IntegrityError):
            store({**values, "author_email": "new@example.com"}, email="new@example.com", link=True)
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(Commenter)
                .where(Commenter.email == "new@example.com")
            )
            == 0
        )
        assert moderation.queue_tally()["pending"] == pending
        db.session.remove()
