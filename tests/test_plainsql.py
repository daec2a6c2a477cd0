"""A SELECT run without SQLAlchemy's work around each execution (newsroom/plainsql.py) gives
what SQLAlchemy gives, on SQLite and on PostgreSQL, and fails as SQLAlchemy fails."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from newsroom import create_app, pagecache, postgres
from newsroom.extensions import db
from newsroom.models import Article, ArticleStatus, UTCDateTime
from newsroom.plainsql import PlainSelect
from tests.conftest import app_config

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
_LOOKUP = PlainSelect(_ARTICLES, {"slug": "", "now": datetime(2000, 1, 1, tzinfo=UTC)})


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
    missing = PlainSelect(
        sa.select(sa.column("x"))
        .select_from(sa.table("no_such_table"))
        .where(sa.column("x") == sa.bindparam("x")),
        {"x": 0},
    )
    lent = db.engine.pool.checkedout()
    with pytest.raises(sa.exc.DBAPIError) as raised:
        missing.first(db.engine, x=1)
    assert "no_such_table" in str(raised.value)

    # The connection went back to the pool, and the next statement is served.
    assert db.engine.pool.checkedout() == lent
    assert PlainSelect(sa.select(sa.literal_column("1")), {}).first(db.engine) == (1,)


@pytest.mark.skipif(not ON_POSTGRES, reason="only a server's connections go away")
def test_a_connection_the_server_dropped_is_thrown_away(database_url, monkeypatch):
    # The connection was used a moment ago, so the pool hands it out unchecked
    # (postgres.py): the statement fails as SQLAlchemy's would, and the pool replaces it.
    own = create_app(app_config(database_url))
    pid = PlainSelect(sa.select(sa.func.pg_backend_pid()), {})
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
