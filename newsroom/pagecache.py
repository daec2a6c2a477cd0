"""Versions for cached public pages: everything a page shows, reduced to one short string.

A cached page is looked up by its version, never invalidated by deleting keys, so several
workers (each with its own in-process cache) can never disagree about what is current.
The version is read with one small query per request, on the hot path of the article page.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import importlib.metadata
from collections.abc import Collection
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

import sqlalchemy as sa
from flask import current_app

from newsroom import models, purge
from newsroom.discovery import discussed_period
from newsroom.extensions import db
from newsroom.models import Article, ArticleStatus, SiteSettings, UTCDateTime, utcnow
from newsroom.moderation.policy import comments_close_at
from newsroom.plainsql import PlainStatement


def _template_generation() -> str:
    """What the cached markup was drawn with: the templates' bytes and the package version.

    Redis keeps pages across deploys (the in-process cache doesn't); a deploy that changes
    a template or the package version changes every key, so no old markup is served."""
    digest = hashlib.sha256()
    with contextlib.suppress(importlib.metadata.PackageNotFoundError):  # not installed
        digest.update(importlib.metadata.version("newsroom").encode())
    for path in sorted(TEMPLATES.rglob("*.html")):
        digest.update(str(path.relative_to(TEMPLATES)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


# Beside the package, as create_app() finds them (importing its ROOT would import the
# blueprints with it).
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
TEMPLATE_GENERATION = _template_generation()


def slot(purpose: str) -> str:
    """The stand-in for a per-reader value (`purpose`: "csrf", "age") in markup
    kept for every reader, replaced by the real value each time the markup is served.

    Every process with the same secret key and the same templates derives the same slot, so
    a page one process drew into a shared cache (Redis) is filled in by any other, also
    after a restart; a random slot per process was left in such pages, and the reader's
    form was refused. Letters and digits only, so Jinja's escaping leaves it alone; keyed
    by the secret key, so no article or comment can contain it on purpose."""
    return _slot(purpose, current_app.config["SECRET_KEY"], TEMPLATE_GENERATION)


@functools.lru_cache(maxsize=64)
def _slot(purpose: str, secret_key: str | bytes, generation: str) -> str:
    key = secret_key.encode() if isinstance(secret_key, str) else secret_key
    message = f"newsroom page-cache slot:{purpose}:{generation}".encode()
    return f"{purpose}slot" + hmac.new(key, message, hashlib.sha256).hexdigest()[:24]


# Built once: this runs on every article view, and building a statement costs more than
# SQLite takes to answer it.
def _site_value(column: sa.Column) -> sa.ScalarSelect:
    return sa.select(column).order_by(SiteSettings.id).limit(1).scalar_subquery()


# The latest edit of any article, and the latest public publication: index lookups, as
# listing_version() reads them. Pages that list other articles carry them in their version.
_LATEST_EDIT = sa.select(sa.func.max(Article.updated_at)).scalar_subquery()
_LATEST_PUBLIC = (
    sa.select(sa.func.max(Article.published_at))
    .where(
        Article.status == ArticleStatus.PUBLISHED,
        Article.published_at <= sa.bindparam("now", type_=UTCDateTime),
    )
    .scalar_subquery()
)

_VERSION_QUERY = sa.select(
    Article.id,
    Article.comments_version,
    Article.updated_at,
    Article.section_id,
    _site_value(SiteSettings.updated_at),
    _LATEST_EDIT,
    _LATEST_PUBLIC,
    Article.published_at,
    Article.comments_close_after_days,
    _site_value(SiteSettings.comments_close_after_days),
).where(
    Article.slug == sa.bindparam("slug"),
    Article.status == ArticleStatus.PUBLISHED,
    Article.published_at <= sa.bindparam("now", type_=UTCDateTime),
)

# Run without the session, whose work around it was half a kept article page's time in the
# app (plainsql.py).
_VERSION_LOOKUP = PlainStatement(_VERSION_QUERY, ("slug", "now"))


class ArticlePageVersion(NamedTuple):
    article_id: int
    version: str
    section_id: int
    # Seconds until the article's comments close by time (the page then changes), or None.
    closes_in: float | None
    # The version of the other articles the page lists (more in the section, most
    # discussed): moves with any article's edit, publication or deletion.
    articles_version: str = ""
    # The period of "most discussed" the page shows (discovery.discussed_period).
    discussed_period: int = 0


def article_page_version(slug: str) -> ArticlePageVersion | None:
    """The version of a public article's page, or None: one indexed query, no ORM objects.

    The version moves with each approved or withdrawn comment (comments_version), each edit
    of the article (its policy and closing among them), each change to the site's identity,
    navigation, sections' or site's policy, and when its comments close by time; and with
    what it lists of other articles: any article's edit, publication or deletion (more in
    the section), and each period of "most discussed" (discovery.py), whose counts may be
    that much behind.
    """
    now = models.utcnow()
    row = _VERSION_LOOKUP.first(db.session.get_bind(), slug=slug, now=now)
    if row is None:
        return None
    article_id, comments_version, updated_at, section_id, site_changed_at = row[:5]
    articles_version = _stamps(row[5], row[6], site_changed_at)
    close_at = comments_close_at(*row[7:])
    closes_in = (close_at - now).total_seconds() if close_at is not None else None
    closed = "closed" if closes_in is not None and closes_in <= 0 else "open"
    period = discussed_period()
    version = (
        f"{TEMPLATE_GENERATION}.{datetime.now().year}.{comments_version}."
        f"{updated_at.timestamp()}.{section_id}.{articles_version}.{closed}.{period}"
    )
    return ArticlePageVersion(article_id, version, section_id, closes_in, articles_version, period)


def _stamps(*moments: datetime | None) -> str:
    return ".".join(str(m.timestamp() if m else 0) for m in moments)


_LISTING_QUERY = sa.select(_LATEST_EDIT, _LATEST_PUBLIC, _site_value(SiteSettings.updated_at))


def listing_version() -> str:
    """The version of every list of articles (home, sections), from three indexed lookups.

    An edit or a new article moves the latest updated_at; a scheduled article reaching its
    time moves the latest public published_at (it is later than every article that was
    public before it); a deletion or a change of sections or settings moves the site's.
    """
    row = db.session.connection().execute(_LISTING_QUERY, {"now": models.utcnow()}).one()
    return _listing_version(*row)


def _listing_version(
    latest_edit: datetime | None, latest_public: datetime | None, site_changed: datetime | None
) -> str:
    stamps = _stamps(latest_edit, latest_public, site_changed)
    return f"{TEMPLATE_GENERATION}.{datetime.now().year}.{stamps}"


_COMMENTS_STAMP = sa.select(
    sa.func.coalesce(sa.func.sum(Article.comments_version), 0).label("moved"),
    sa.func.coalesce(sa.func.sum(Article.approved_comment_count), 0).label("counted"),
).where(Article.id.in_(sa.bindparam("ids", expanding=True)))


def comments_stamp(article_ids: Collection[int]) -> str:
    """The version of the comment counts a list of articles shows, by primary key.

    Each article's comments_version only grows, with every change to its shown comments,
    so their sum moves with any of them; the counts' sum covers a recount, which moves no
    version."""
    if not article_ids:
        return "0.0"
    moved, counted = (
        db.session.connection().execute(_COMMENTS_STAMP, {"ids": sorted(article_ids)}).one()
    )
    return f"{moved}.{counted}"


class ListingState(NamedTuple):
    """A list of articles' versions: the listings' (listing_version) and the comment counts
    of the articles it showed at the last one it was worked out at (comments_stamp)."""

    version: str
    comments: str


# The listings' stamps beside the counts' (an aggregate without GROUP BY: always one row).
_counts = _COMMENTS_STAMP.subquery()
_LISTING_STATE = sa.select(
    _LATEST_EDIT, _LATEST_PUBLIC, _site_value(SiteSettings.updated_at), _counts.c.moved,
    _counts.c.counted,
).select_from(_counts)  # fmt: skip


def listing_state(article_ids: Collection[int]) -> ListingState:
    """listing_version() and comments_stamp(article_ids) in one statement: a cached list's
    every hit (the ids are the ones it listed at the version its caller last saw; when the
    version has moved since, they may not be the ones it lists now, and the caller asks
    comments_stamp for those)."""
    row = (
        db.session.connection()
        .execute(_LISTING_STATE, {"now": models.utcnow(), "ids": sorted(article_ids)})
        .one()
    )
    comments = f"{row.moved}.{row.counted}" if article_ids else "0.0"
    return ListingState(_listing_version(*row[:3]), comments)


def touch_site() -> None:
    """Date the whole site as changed (in the caller's transaction): every cached page redraws."""
    db.session.execute(sa.update(SiteSettings).values(updated_at=utcnow()))
    purge.later("site")


def touch_comments(article_ids: Collection[int]) -> None:
    """Date these articles' comment lists as changed (in the caller's transaction): their
    cached pages redraw. For changes to comments that move no counter, such as a
    commenter's name withdrawn; moving a counter moves the version already."""
    if not article_ids:
        return
    purge.later(*(f"article-{article_id}" for article_id in article_ids))
    db.session.execute(
        sa.update(Article)
        .where(Article.id.in_(sorted(article_ids)))
        # Redrawing the comments is not an edit of the article: updated_at stays as it was.
        .values(comments_version=Article.comments_version + 1, updated_at=Article.updated_at)
        .execution_options(synchronize_session=False)
    )
