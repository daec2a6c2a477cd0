"""Where a reader goes next: more articles in the same section, the articles most
discussed this week, and the latest articles (on the page for an address that leads
nowhere). Bounded reads, each by an index; the pages that show them are cached, and
pagecache.py says which versions they are drawn at.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import NamedTuple

import sqlalchemy as sa

from newsroom.extensions import cache, db
from newsroom.models import Article, Comment, CommentStatus, utcnow

MORE_IN_SECTION = 4
MOST_DISCUSSED = 5
LATEST_ON_NOT_FOUND = 5
DISCUSSED_OVER = timedelta(days=7)
# "Most discussed" is worked out at most this often (per process, or once for all of them
# with Redis): between two, the counts it shows may be this much behind.
DISCUSSED_EVERY_SECONDS = 300
# The newest approved comments of the week it counts, at most: a bounded range of
# ix_comments_status_created_at however busy the week was.
DISCUSSED_SAMPLE = 5000


class Pointer(NamedTuple):
    """An article as a list of links shows it (kept in the cache: plain values only)."""

    slug: str
    title: str
    comments: int


def _pointers(query: sa.Select) -> list[Pointer]:
    return [Pointer(*row) for row in db.session.execute(query).all()]


def more_in_section(article: Article) -> list[Pointer]:
    """The section's latest public articles other than `article`."""
    return _pointers(
        sa.select(Article.slug, Article.title, Article.approved_comment_count)
        .where(
            Article.section_id == article.section_id,
            Article.public_filter(),
            Article.id != article.id,
        )
        .order_by(Article.published_at.desc(), Article.id.desc())
        .limit(MORE_IN_SECTION)
    )


def latest() -> list[Pointer]:
    return _pointers(
        sa.select(Article.slug, Article.title, Article.approved_comment_count)
        .where(Article.public_filter())
        .order_by(Article.published_at.desc(), Article.id.desc())
        .limit(LATEST_ON_NOT_FOUND)
    )


def discussed_period(now: float | None = None) -> int:
    """The number of the current period of DISCUSSED_EVERY_SECONDS: part of the key of
    every page that shows the list, so none shows one older than a period."""
    return int((time.time() if now is None else now) // DISCUSSED_EVERY_SECONDS)


def most_discussed(period: int, articles_version: str) -> list[Pointer]:
    """The public articles with the most approved comments written in the last week, most
    first; kept for the period. `articles_version` (pagecache) moves with any article's
    edit, publication or deletion: none of those waits for the next period."""
    key = f"most-discussed:{period}:{articles_version}"
    found = cache.get(key)
    if found is None:
        found = _most_discussed()
        cache.set(key, found, timeout=2 * DISCUSSED_EVERY_SECONDS)
    return found


def _most_discussed() -> list[Pointer]:
    recent = (
        sa.select(Comment.article_id)
        .where(
            Comment.status == CommentStatus.APPROVED,
            Comment.created_at >= utcnow() - DISCUSSED_OVER,
        )
        .order_by(Comment.created_at.desc())
        .limit(DISCUSSED_SAMPLE)
        .subquery()
    )
    tally = (
        sa.select(recent.c.article_id, sa.func.count().label("lately"))
        .group_by(recent.c.article_id)
        .subquery()
    )
    return _pointers(
        sa.select(Article.slug, Article.title, Article.approved_comment_count)
        .join(tally, tally.c.article_id == Article.id)
        .where(Article.public_filter())
        .order_by(tally.c.lately.desc(), Article.published_at.desc(), Article.id.desc())
        .limit(MOST_DISCUSSED)
    )
