"""Writing what an import read: sections, articles with their old addresses, and comments
with their threads, in batches of bulk inserts inside the caller's one transaction; then
the new articles' rows of the search index, the counters, the page-cache versions and the
planner's statistics.

Every row keeps its source key. Before each batch is written, the keys already stored
are looked up (one query per batch, through the partial unique indexes), so a second run
adds only what is new and memory holds one batch, never the whole site. A reply's parent
is found by its source key once everything is written (one joined UPDATE), so a reply may
come before its parent in the file, or in a later batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from newsroom import articles, content, moderation, pagecache, planner, search
from newsroom.extensions import db
from newsroom.imports import Summary, wphtml
from newsroom.models import (
    Article,
    ArticleRedirect,
    Comment,
    CommentStatus,
    Section,
    SiteSettings,
)
from newsroom.moderation.rules import body_digest

_articles, _comments, _redirects = (
    Article.__table__,
    Comment.__table__,
    ArticleRedirect.__table__,
)
AUTHOR_NAME_MAX = 80
EMAIL_MAX = 254
TITLE_MAX = 200
BYLINE_MAX = 120
SECTION_NAME_MAX = 80
SECTION_SLUG_MAX = 80
HELD_REASON = "imported as waiting for a moderator"
# Sane dates: as the editor's form allows them (articles.FIRST_YEAR to LAST_YEAR).
FIRST_YEAR, LAST_YEAR = articles.FIRST_YEAR, articles.LAST_YEAR


@dataclass
class ArticleRecord:
    source_key: str
    title: str
    slug: str  # wished for; made unique when written
    section_slug: str
    section_name: str
    summary: str
    # WordPress's HTML, turned into Markdown only when the article is new (wphtml.py): a
    # second run of a big file converts nothing.
    body_wordpress: str
    status: str
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime
    comments_open: bool
    byline: str | None
    old_paths: list[str]


@dataclass
class CommentRecord:
    source_key: str
    article_id: int
    parent_key: str | None
    author_name: str
    author_email: str
    body: str
    status: str
    created_at: datetime
    address: str | None


# --- Values from the file, bounded ----------------------------------------------------------


def parse_local_time(text: str, zone: tzinfo) -> datetime | None:
    """ "2013-03-02 09:05:09" on the clock of `zone`, as UTC; None for WordPress's
    "0000-00-00 00:00:00", anything that is not such a date, or a year out of range."""
    text = text.strip()
    if len(text) > 40 or not text or text.startswith("0000"):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def bounded_text(text: str, maximum: int) -> str:
    text = " ".join(text.replace("\x00", "").split())
    return text if len(text) <= maximum else text[: maximum - 1].rstrip() + "…"


def bounded_email(text: str) -> str:
    email = text.replace("\x00", "").strip()
    return email if len(email) <= EMAIL_MAX and " " not in email else ""


def whole_number(text: str) -> int | None:
    """A source id: ASCII digits that fit the database's integers, or None."""
    text = text.strip()
    if not (text.isascii() and text.isdecimal()) or len(text) > 18:
        return None
    return int(text)


# --- The writer ------------------------------------------------------------------------------


class Store:
    """One import's writes, in the caller's transaction (nothing here commits but finish)."""

    def __init__(self, summary: Summary) -> None:
        self.summary = summary
        self.connection = db.session.connection()
        # The articles this import added, indexed for readers' search at the end.
        self.added_articles: list[int] = []
        self.sections: dict[str, int] = {}
        self.secret = current_app.config["SECRET_KEY"]
        # Replies and the source keys of their parents, resolved at the end.
        self.parents = sa.Table(
            "import_parents",
            sa.MetaData(),
            sa.Column("child_key", sa.String(300), primary_key=True),
            sa.Column("parent_key", sa.String(300)),
            prefixes=["TEMPORARY"],
        )
        self.parents.drop(self.connection, checkfirst=True)
        self.parents.create(self.connection)

    def site_zone(self) -> ZoneInfo:
        zone = db.session.scalar(sa.select(SiteSettings.timezone).order_by(SiteSettings.id))
        return content.site_zone(zone or "UTC")

    def _section_id(self, slug: str, name: str) -> int:
        if slug not in self.sections:
            found = db.session.scalar(sa.select(Section.id).where(Section.slug == slug))
            if found is None:
                position = db.session.scalar(sa.select(sa.func.count()).select_from(Section))
                found = self.connection.execute(
                    sa.insert(Section.__table__)
                    .values(name=name, slug=slug, description="", position=position)
                    .returning(Section.__table__.c.id)
                ).scalar_one()
                self.summary.imported["sections"] += 1
            self.sections[slug] = found
        return self.sections[slug]

    def existing(self, table: sa.Table, keys: list[str]) -> dict[str, int]:
        if not keys:
            return {}
        rows = self.connection.execute(
            sa.select(table.c.source_key, table.c.id).where(table.c.source_key.in_(keys))
        )
        return dict(rows.all())

    def _free_slugs(self, records: list[ArticleRecord]) -> list[str]:
        """Each record's slug, or the first of slug-2, slug-3, ... that no article has."""
        taken = set(
            self.connection.execute(
                sa.select(_articles.c.slug).where(_articles.c.slug.in_({r.slug for r in records}))
            ).scalars()
        )
        chosen = []
        for record in records:
            slug, number = record.slug, 1
            while slug in taken or (slug != record.slug and self._slug_stored(slug)):
                number += 1
                suffix = f"-{number}"
                slug = record.slug[: articles.ARTICLE_SLUG_MAX - len(suffix)] + suffix
            taken.add(slug)
            chosen.append(slug)
        return chosen

    def _slug_stored(self, slug: str) -> bool:
        found = sa.select(_articles.c.id).where(_articles.c.slug == slug)
        return self.connection.execute(found).first() is not None

    def add_articles(self, records: list[ArticleRecord]) -> dict[str, int]:
        """Write the articles not stored yet; the article id of every record's source key."""
        ids = self.existing(_articles, [r.source_key for r in records])
        self.summary.already["articles"] += len(ids)
        new = [r for r in records if r.source_key not in ids]
        if not new:
            return ids
        rows = []
        for record, slug in zip(new, self._free_slugs(new), strict=True):
            markdown = wphtml.body_markdown(record.body_wordpress)
            rows.append(
                {
                    "source_key": record.source_key,
                    "section_id": self._section_id(record.section_slug, record.section_name),
                    "title": record.title,
                    "slug": slug,
                    "summary": record.summary,
                    "body_markdown": markdown,
                    "body_html": content.render_markdown(markdown),
                    "status": record.status,
                    "published_at": record.published_at,
                    "created_at": record.created_at,
                    "updated_at": record.updated_at,
                    "comments_open": record.comments_open,
                    "byline": record.byline,
                }
            )
        made = self.connection.execute(
            sa.insert(_articles).returning(
                _articles.c.source_key, _articles.c.id, sort_by_parameter_order=True
            ),
            rows,
        )
        added = {key: article_id for key, article_id in made}
        ids.update(added)
        self.added_articles.extend(added.values())
        self.summary.imported["articles"] += len(new)
        self._add_old_paths(new, ids)
        return ids

    def _add_old_paths(self, records: list[ArticleRecord], ids: dict[str, int]) -> None:
        wanted = {
            path: ids[record.source_key]
            for record in records
            for path in record.old_paths
            if len(path) <= articles.OLD_PATH_MAX
        }
        taken = set(
            self.connection.execute(
                sa.select(_redirects.c.old_path).where(_redirects.c.old_path.in_(list(wanted)))
            ).scalars()
        )
        for path in taken:
            self.summary.skip("old addresses", "already lead to another article", path)
        rows = [
            {"old_path": path, "article_id": article_id}
            for path, article_id in wanted.items()
            if path not in taken
        ]
        if rows:
            self.connection.execute(sa.insert(_redirects), rows)
            self.summary.imported["old addresses"] += len(rows)

    def add_comments(self, records: list[CommentRecord]) -> None:
        """Write the comments not stored yet; their parents are linked by finish()."""
        if not records:
            return
        stored = self.existing(_comments, [r.source_key for r in records])
        self.summary.already["comments"] += len(stored)
        new = [r for r in records if r.source_key not in stored]
        if not new:
            return
        self.connection.execute(
            sa.insert(_comments),
            [
                {
                    "source_key": record.source_key,
                    "article_id": record.article_id,
                    "author_name": record.author_name,
                    "author_email": record.author_email,
                    "body": record.body,
                    "body_hash": body_digest(record.body),
                    "status": record.status,
                    "created_at": record.created_at,
                    "client_fingerprint": moderation.client_fingerprint(
                        record.address, self.secret
                    ),
                    "held_reasons": HELD_REASON if record.status == CommentStatus.PENDING else "",
                }
                for record in new
            ],
        )
        replies = [
            {"child_key": record.source_key, "parent_key": record.parent_key}
            for record in new
            if record.parent_key is not None
        ]
        if replies:
            self.connection.execute(self.parents.insert(), replies)
        self.summary.imported["comments"] += len(new)

    def finish(self) -> None:
        """Link replies to their parents, index the new articles for search, then recount,
        date every page and commit; then refresh the planner's statistics."""
        child, parent = _comments.alias("child"), _comments.alias("parent")
        linked = (
            sa.select(child.c.id.label("child_id"), parent.c.id.label("parent_id"))
            .select_from(self.parents)
            .join(child, child.c.source_key == self.parents.c.child_key)
            .join(parent, parent.c.source_key == self.parents.c.parent_key)
            .where(child.c.article_id == parent.c.article_id)
            .subquery()
        )
        self.connection.execute(
            sa.update(_comments)
            .where(_comments.c.id == linked.c.child_id)
            .values(parent_id=linked.c.parent_id)
        )
        self.parents.drop(self.connection)
        if db.session.scalar(sa.select(SiteSettings.id).limit(1)) is None:
            # The site's date keys every cached page; without a settings row it has none.
            db.session.add(SiteSettings())
            db.session.flush()
        # Readers find the new articles as they find any other.
        search.index_articles(self.added_articles)
        # Imported articles may be older than every cached list's latest edit.
        pagecache.touch_site()
        moderation.recount()  # commits, with everything above
        planner.refresh_statistics()
