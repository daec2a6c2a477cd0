"""A SELECT run without SQLAlchemy's work around each execution (newsroom/plainsql.py) gives
what SQLAlchemy gives, on SQLite and on PostgreSQL, and fails as SQLAlchemy fails."""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from newsroom import create_app, pagecache, postgres
from newsroom.extensions import db
from newsroom.models import Article, ArticleStatus, ModerationEvent, Section, UTCDateTime
from newsroom.plainsql import PlainAdd, PlainGet, PlainStatement, adopt, built_once, reading
from tests.conftest import app_config, statements_sent

ON_POSTGRES = bool(os.environ.get("TEST_DATABASE_URL"))

_ARTICLES = sa.select(
    Article.id,
    Article.title,
    Article.published_at,
    Article.comments_close_after_days,  # NULL here
    sa.select(sa.func.max(Article.updated_at)).scalar_subquery(),
).where(
    Article.slug == sa.bindparam("slug"),
    Article.status == ArticleStatus.PUBLISHED,
    Article.published_at <= sa.bindparam("now", type_=UTCDateTime),
)
_LOOKUP = PlainStatement(_ARTICLES, ("slug", "now"))


def _through_sqlalchemy(**values):
    return tuple(db.session.execute(_ARTICLES, values).first())


def test_the_row_is_the_one_sqlalchemy_reads(app, site, article):
    now = datetime.now(UTC)
    plain = _LOOKUP.first(db.session.get_bind(), slug=article.slug, now=now)

    assert plain == _through_sqlalchemy(slug=article.slug, now=now)
    article_id, title, published_at, close_after, latest_edit = plain
    assert (article_id, title, close_after) == (article.id, article.title, None)
    # Datetimes come back as the column's type makes them: aware, in UTC.
    assert published_at.tzinfo is not None and published_at.utcoffset() == timedelta(0)
    assert latest_edit.tzinfo is not None


def test_the_parameters_are_bound_as_sqlalchemy_binds_them(app, site, article):
    # The moment is compared in the database: just before publication finds nothing.
    published = _through_sqlalchemy(slug=article.slug, now=datetime.now(UTC))[2]
    before = published - timedelta(microseconds=1)

    assert _LOOKUP.first(db.session.get_bind(), slug=article.slug, now=before) is None
    assert _LOOKUP.first(db.session.get_bind(), slug=article.slug, now=published) is not None
    assert _LOOKUP.first(db.session.get_bind(), slug="no-such-article", now=published) is None


def test_the_article_pages_version_is_read_the_same_both_ways(app, site, article):
    found = pagecache.article_page_version(article.slug)
    row = db.session.execute(
        pagecache._VERSION_QUERY, {"slug": article.slug, "now": datetime.now(UTC)}
    ).first()
    assert found.article_id == row[0]
    assert str(row[1]) in found.version  # the comments' version
    assert str(row[2].timestamp()) in found.version  # the article's last edit


def test_a_failed_statement_is_sqlalchemys_error_and_the_pool_goes_on(app):
    missing = PlainStatement(
        sa.select(sa.column("x"))
        .select_from(sa.table("no_such_table"))
        .where(sa.column("x") == sa.bindparam("x")),
        ("x",),
    )
    lent = db.engine.pool.checkedout()
    with pytest.raises(sa.exc.DBAPIError) as raised:
        missing.first(db.engine, x=1)
    assert "no_such_table" in str(raised.value)

    # The connection went back to the pool, and the next statement is served.
    assert db.engine.pool.checkedout() == lent
    assert PlainStatement(sa.select(sa.literal_column("1"))).first(db.engine) == (1,)


@pytest.mark.skipif(not ON_POSTGRES, reason="only a server's connections go away")
def test_a_connection_the_server_dropped_is_thrown_away(database_url, monkeypatch):
    # The connection was used a moment ago, so the pool hands it out unchecked
    # (postgres.py): the statement fails as SQLAlchemy's would, and the pool replaces it.
    own = create_app(app_config(database_url))
    pid = PlainStatement(sa.select(sa.func.pg_backend_pid()))
    with own.app_context():
        engine = db.engine
        dropped = pid.first(engine)[0]
        admin = sa.create_engine(database_url)
        with admin.begin() as connection:
            assert connection.scalar(sa.select(sa.func.pg_terminate_backend(dropped)))
        admin.dispose()
        monkeypatch.setattr(postgres, "IDLE_BEFORE_PING_S", 3600.0)

        with pytest.raises(sa.exc.OperationalError):
            pid.first(engine)

        assert pid.first(engine)[0] != dropped
        engine.dispose()


# --- Statements run in the session's transaction ------------------------------------------

_RENAME = PlainStatement(
    sa.update(Article)
    .where(Article.id == sa.bindparam("article_id"))
    .values(title=sa.bindparam("title"), updated_at=sa.bindparam("at", type_=UTCDateTime))
    .returning(Article.id, Article.title, Article.updated_at),
    ("article_id", "title", "at"),
)


def _title(article_id: int) -> str:
    return db.session.execute(sa.select(Article.title).where(Article.id == article_id)).scalar()


def test_a_write_comes_back_by_name_and_lasts_as_its_transaction_does(app, site, article):
    at = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)

    row = _RENAME.run(db.session.connection(), article_id=article.id, title="Renamed", at=at)

    # What RETURNING gives, by name, converted by the columns' types.
    assert (row.id, row.title, row.updated_at) == (article.id, "Renamed", at)
    assert row == (article.id, "Renamed", at)
    # In the session's own transaction: what it reads next sees it, and it is taken back
    # with the transaction.
    assert _title(article.id) == "Renamed"
    db.session.rollback()
    assert _title(article.id) == article.title

    _RENAME.run(db.session.connection(), article_id=article.id, title="Kept", at=at)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Article, article.id).title == "Kept"


def test_a_write_without_returning_gives_nothing_back(app, site, article):
    touch = PlainStatement(
        sa.update(Article)
        .where(Article.id == sa.bindparam("id"))
        .values(title="Touched", updated_at=Article.updated_at),
        ("id",),
    )
    assert touch.run(db.session.connection(), id=article.id) is None
    assert _title(article.id) == "Touched"


def test_a_value_sqlalchemy_would_make_in_python_must_be_given(app, site, article):
    # The article's updated_at is set in Python on every UPDATE through SQLAlchemy (its
    # onupdate); run plainly, it would be NULL. The statement is refused when first run.
    touch = PlainStatement(
        sa.update(Article).where(Article.id == sa.bindparam("id")).values(title="Touched"),
        ("id",),
    )
    with pytest.raises(ValueError, match="updated_at"):
        touch.run(db.session.connection(), id=article.id)
    assert _title(article.id) == article.title


def test_a_refused_write_is_sqlalchemys_integrity_error_and_changes_nothing(app, site, article):
    section_id = article.section_id
    add = PlainStatement(
        sa.insert(Section).values(
            id=sa.bindparam("id"),
            name=sa.bindparam("name"),
            slug=sa.bindparam("name"),
            description="",
            position=9,
            moderation_policy=None,
        ),
        ("id", "name"),
    )
    with pytest.raises(sa.exc.IntegrityError):
        add.run(db.session.connection(), id=section_id, name="taken-id")
    db.session.rollback()

    # The session goes on, nothing of the refused row is there, and a good one goes in.
    names = sa.select(Section.name).order_by(Section.id)
    assert "taken-id" not in db.session.execute(names).scalars().all()
    add.run(db.session.connection(), id=section_id + 100, name="new-section")
    db.session.commit()
    assert "new-section" in db.session.execute(names).scalars().all()


def test_the_engines_statement_listeners_see_a_plain_write(app, site, article):
    # SQLite's writer queue is one of them (sqlite.py); the tests' own recorder another.
    article_id, connection = article.id, db.session.connection()
    seen = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", listen)
    try:
        _RENAME.run(connection, article_id=article_id, title="Heard", at=datetime.now(UTC))
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listen)
    [(statement, parameters)] = seen
    assert statement.startswith("UPDATE articles")
    assert "Heard" in (parameters.values() if isinstance(parameters, dict) else parameters)


def test_a_write_is_never_run_outside_the_sessions_transaction(app, site, article):
    with pytest.raises(ValueError, match="SELECT"):
        _RENAME.first(db.engine, article_id=article.id, title="Lent", at=datetime.now(UTC))
    assert _title(article.id) == article.title


def test_every_parameter_not_named_as_varying_needs_its_value(app):
    unnamed = PlainStatement(sa.select(sa.literal_column("1")).where(sa.bindparam("x") == 1))
    with pytest.raises(sa.exc.InvalidRequestError):
        unnamed.first(db.session.get_bind())


# --- Objects read plainly -------------------------------------------------------------------

_GET_ARTICLE = PlainGet(Article)


def _columns(obj) -> dict:
    return {column.key: getattr(obj, column.key) for column in sa.inspect(obj).mapper.columns}


def test_a_plain_get_is_the_object_the_session_would_load(app, site, article):
    article_id = article.id
    db.session.expunge_all()
    expected = _columns(db.session.get(Article, article_id))
    db.session.expunge_all()

    found = _GET_ARTICLE(db.session(), article_id)

    assert _columns(found) == expected
    state = sa.inspect(found)
    assert state.persistent and not db.session.dirty
    # The session's own: asked again, by either way, the same object; relationships load.
    assert db.session.get(Article, article_id) is found
    assert _GET_ARTICLE(db.session(), article_id) is found
    assert found.section.id == expected["section_id"]
    assert _GET_ARTICLE(db.session(), article_id + 1000) is None


def test_a_plain_get_object_changes_like_any_other(app, site, article):
    article_id = article.id
    db.session.expunge_all()
    found = _GET_ARTICLE(db.session(), article_id)
    with statements_sent() as sent:
        db.session.flush()
    assert sent == []  # read, not changed: nothing to write

    found.title = "Changed through the plain object"
    db.session.commit()
    db.session.expunge_all()
    assert db.session.get(Article, article_id).title == "Changed through the plain object"


def test_the_first_row_by_key_is_the_sessions_own_or_none(app, site, article):
    values = _columns(article)
    db.session.execute(sa.delete(Article))
    db.session.commit()
    assert _GET_ARTICLE.first(db.session()) is None

    later = Article(**{**values, "id": None, "slug": "later"})
    earlier = Article(**{**values, "id": None, "slug": "earlier"})
    db.session.add_all([later, earlier])
    db.session.commit()
    earlier_id = min(later.id, earlier.id)
    expected = _columns(db.session.get(Article, earlier_id))
    db.session.expunge_all()

    found = _GET_ARTICLE.first(db.session())

    assert _columns(found) == expected
    assert sa.inspect(found).persistent and not db.session.dirty
    # Already in the session: that object, not a second one for the same row.
    assert _GET_ARTICLE.first(db.session()) is found
    assert db.session.get(Article, earlier_id) is found


# --- Objects added plainly ------------------------------------------------------------------

_ADD_EVENT = PlainAdd(ModerationEvent)


def test_a_plain_add_stores_what_the_orm_would_store(app, site, article, make_comment, moderator):
    comment = make_comment(article)
    before = datetime.now(UTC)
    by_orm = ModerationEvent(
        comment_id=comment.id, actor_id=moderator.id, from_status="pending", to_status="spam"
    )
    db.session.add(by_orm)
    db.session.flush()

    added = _ADD_EVENT(
        db.session(),
        comment_id=comment.id,
        actor_id=moderator.id,
        from_status="pending",
        to_status="spam",
    )

    # The defaults filled as the ORM fills them: the scalar ones, the time made now, the
    # server's (none here) and the new id come back with the row.
    assert added.id > by_orm.id
    assert (added.action, added.note, added.reason, added.rule) == ("decision", "", "", None)
    assert before <= added.at <= datetime.now(UTC)
    state = sa.inspect(added)
    assert state.persistent and not db.session.dirty and not db.session.new
    assert db.session.get(ModerationEvent, added.id) is added
    assert added.actor is moderator and added.comment is comment
    added_id, added_at, orm_id = added.id, added.at, by_orm.id
    db.session.commit()
    db.session.expunge_all()
    # Stored as the ORM stored its own, but for the id and the moment.
    stored, stored_by_orm = (
        _columns(db.session.get(ModerationEvent, event_id)) for event_id in (added_id, orm_id)
    )
    assert stored.pop("at") == added_at
    stored_by_orm.pop("at")
    assert {**stored, "id": None} == {**stored_by_orm, "id": None}


def test_a_plain_add_goes_with_the_sessions_transaction(app, site, article, make_comment):
    comment = make_comment(article)
    added = _ADD_EVENT(db.session(), comment_id=comment.id, from_status="pending", to_status="spam")
    added_id = added.id
    db.session.rollback()
    assert db.session.scalar(sa.select(ModerationEvent).filter_by(id=added_id)) is None


def test_a_refused_plain_add_is_sqlalchemys_integrity_error(app, site, article):
    with pytest.raises(sa.exc.IntegrityError):
        # to_status has no default and may not be NULL.
        _ADD_EVENT(db.session(), from_status="pending", to_status=None)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(ModerationEvent.id))) == 0


def test_a_default_made_in_sql_is_refused_when_the_add_is_made():
    class Base(sa.orm.DeclarativeBase):
        pass

    class Stamped(Base):
        __tablename__ = "stamped"
        id: sa.orm.Mapped[int] = sa.orm.mapped_column(primary_key=True)
        at: sa.orm.Mapped[datetime] = sa.orm.mapped_column(default=sa.func.now())

    with pytest.raises(ValueError, match="at"):
        PlainAdd(Stamped)


def test_every_row_is_the_one_sqlalchemy_reads(app, site, article):
    by_section = sa.select(Article.section_id, sa.func.count(Article.id).label("articles")).where(
        Article.status == sa.bindparam("status")
    )
    grouped = by_section.group_by(Article.section_id).order_by(Article.section_id)
    statement = PlainStatement(grouped, ("status",))

    rows = statement.rows(db.session.connection(), status=ArticleStatus.PUBLISHED)

    assert rows == [tuple(row) for row in db.session.execute(grouped, {"status": "published"})]
    assert rows and rows[0].articles >= 1  # by name too
    assert statement.rows(db.session.connection(), status=ArticleStatus.DRAFT) == []


@pytest.mark.commits
def test_a_read_runs_alone_when_the_session_has_no_transaction(app, site, article):
    """With no transaction open (a comment POST's first read) a read takes a connection of
    its own for one statement; inside a transaction it reads there, seeing what the
    transaction wrote."""
    count = PlainStatement(sa.select(sa.func.count(Article.id).label("articles")))
    db.session.commit()
    alone = reading(db.session())
    assert isinstance(alone, sa.Engine)
    assert count.first(alone) == (1,)
    assert not db.session().in_transaction()  # the session still holds none

    db.session.add(Article(**{**_copy_of(article), "slug": "another", "title": "Another"}))
    db.session.flush()
    inside = reading(db.session())
    assert isinstance(inside, sa.Connection)
    assert count.first(inside) == (2,)  # the transaction's own write
    assert count.first(db.engine) == (1,)  # not yet committed: alone, it isn't there
    db.session.rollback()


@pytest.mark.commits
def test_every_row_of_a_read_comes_alone_when_the_session_has_no_transaction(app, site, article):
    """rows() given the engine (a decision's answer reads the queue's state after its
    commit) runs a SELECT on a connection of its own and leaves the session without a
    transaction; a statement that writes is refused there."""
    titles = PlainStatement(sa.select(Article.title).order_by(Article.id))
    title = article.title
    db.session.commit()
    assert titles.rows(reading(db.session())) == [(title,)]
    assert not db.session().in_transaction()
    remove = PlainStatement(sa.delete(Article))
    with pytest.raises(ValueError, match="writes"):
        remove.rows(db.engine)
    assert titles.rows(db.engine) == [(title,)]


def test_a_row_given_back_whole_becomes_the_sessions_object(app, site, article):
    """adopt(): a row with every column (what RETURNING gives) is the session's persistent
    object: a new one, or the one the session holds for its key, given the row's values."""
    article_id = article.id
    columns = list(Article.__table__.columns)
    statement = sa.select(*columns).where(Article.id == article_id)
    row = db.session.execute(statement).one()
    held = db.session.get(Article, article_id)

    changed = [*row]
    changed[[c.key for c in columns].index("title")] = "Retitled elsewhere"
    assert adopt(db.session(), Article, changed) is held
    assert held.title == "Retitled elsewhere" and not db.session.dirty

    db.session.expunge_all()
    made = adopt(db.session(), Article, row)
    assert _columns(made) == dict(zip([c.key for c in columns], row, strict=True))
    assert sa.inspect(made).persistent and db.session.get(Article, article_id) is made
    assert made.section.id == row.section_id  # relationships load as for any object


def _copy_of(article: Article) -> dict:
    columns = sa.inspect(Article).columns
    return {c.key: getattr(article, c.key) for c in columns if c.key != "id"}


def test_a_statement_built_once_is_built_by_one_thread_and_shared():
    builds = []

    @built_once
    def statement(which: str) -> object:
        builds.append(which)
        time.sleep(0.05)  # long enough for every other thread to ask meanwhile
        return object()

    got, start = [], threading.Barrier(6)

    def ask() -> None:
        start.wait()
        got.append(statement("queue"))

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert builds == ["queue"]
    assert len(got) == 6 and all(one is got[0] for one in got)
    assert statement("other") is not got[0] and builds == ["queue", "other"]


def test_a_build_that_fails_is_not_kept_and_is_tried_again():
    attempts = []

    @built_once
    def statement() -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("the first build fails")
        return "built"

    with pytest.raises(RuntimeError):
        statement()
    assert statement() == "built" and statement() == "built"
    assert len(attempts) == 2
    statement.cache_clear()
    assert statement() == "built" and len(attempts) == 3
