"""The articles admins write: the list, saving (with the address rules and redirects),
publishing times in the site's timezone, and deleting with their comments; a lead picture
no article shows any more has its files removed.

Views hand in what the admin typed; these functions decide, store and commit, and raise
FieldError (a ValueError naming the form field it belongs beside) when something is
refused. Nothing here reads the Flask request.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import sqlalchemy as sa
from flask import current_app

from newsroom import content, images, moderation, pagecache, purge, search
from newsroom.content import check_slug
from newsroom.extensions import db
from newsroom.images import StoredImage
from newsroom.models import (
    Article,
    ArticleRedirect,
    ArticleStatus,
    Comment,
    CommentStatus,
    Section,
    User,
    utcnow,
)
from newsroom.refused import FieldError, commit_or_refuse

log = logging.getLogger(__name__)

ARTICLE_SLUG_MAX = 200
# Characters of Markdown in one article's body: three times the longest article the demo
# or any newsroom we know of has; MAX_CONTENT_LENGTH (config.py) leaves room for it.
ARTICLE_BODY_MAX = 100_000
IMAGE_ALT_MAX = 300

# The years a publication date may be typed in: any archive, any schedule, and far enough
# inside Python's years 1 to 9999 that every timezone can show them.
FIRST_YEAR = 1900
LAST_YEAR = 2200


# --- Publishing times in the site's timezone -------------------------------------------


def local_to_utc(wall_time: datetime, zone: str) -> datetime:
    """A wall-clock time typed in the site's timezone, as UTC.

    A time that the clocks skip over (spring forward) is refused rather than moved, so
    an article never goes out an hour away from what the editor typed.
    """
    if not FIRST_YEAR <= wall_time.year <= LAST_YEAR:
        raise FieldError(f"Choose a date between {FIRST_YEAR} and {LAST_YEAR}.", "published_at")
    tz = content.site_zone(zone)
    local = wall_time.replace(tzinfo=tz)
    moment = local.astimezone(UTC)
    if moment.astimezone(tz).replace(tzinfo=None) != wall_time.replace(tzinfo=None):
        raise FieldError(
            f"{wall_time:%H:%M} on {wall_time:%B %d} doesn't exist in {zone}: the clocks "
            "go forward then. Choose another time.",
            "published_at",
        )
    return moment


def utc_to_local(moment: datetime | None, zone: str) -> datetime | None:
    """The naive wall-clock time a `datetime-local` input shows for a stored moment."""
    if moment is None:
        return None
    return content.in_zone(moment, zone).replace(tzinfo=None, second=0, microsecond=0)


# --- Articles ------------------------------------------------------------------------


class ListedStatus:
    """What the article list calls an article: a published one in the future is scheduled."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    ALL = (DRAFT, SCHEDULED, PUBLISHED)


def listed_status(article: Article, now: datetime | None = None) -> str:
    return state_of(article.status, article.is_public(now))


def state_of(status: str, public_now: bool) -> str:
    """Draft, scheduled or published, from the stored status and whether readers see it now
    (for callers that already know the second: the clock is read once)."""
    if status == ArticleStatus.DRAFT:
        return ListedStatus.DRAFT
    return ListedStatus.PUBLISHED if public_now else ListedStatus.SCHEDULED


def article_list_query(
    *, status: str | None = None, section_id: int | None = None, title: str | None = None
) -> sa.Select:
    """Articles for the admin list, newest first, drafts without a date on top."""
    query = sa.select(Article).options(sa.orm.joinedload(Article.section))
    now = utcnow()
    if status == ListedStatus.DRAFT:
        query = query.where(Article.status == ArticleStatus.DRAFT)
    elif status == ListedStatus.SCHEDULED:
        query = query.where(Article.status == ArticleStatus.PUBLISHED, Article.published_at > now)
    elif status == ListedStatus.PUBLISHED:
        query = query.where(Article.public_filter(now))
    if section_id is not None:
        query = query.where(Article.section_id == section_id)
    if title:
        query = query.where(Article.title.icontains(title.strip(), autoescape=True))
    return query.order_by(
        sa.nulls_first(Article.published_at.desc()), Article.created_at.desc(), Article.id.desc()
    )


@dataclass
class ArticleFields:
    """What the editor form holds, already parsed: times are aware UTC."""

    title: str
    slug: str
    section_id: int
    summary: str
    body_markdown: str
    status: str
    published_at: datetime | None
    comments_open: bool
    source_name: str
    source_url: str
    # None: as the section (or the site) says.
    moderation_policy: str | None = None
    # None: as the site says; 0: never close by time.
    comments_close_after_days: int | None = None
    # The lead image the article shows (already stored: images.store_upload), or None.
    image: StoredImage | None = None
    image_alt: str = ""


def _article_slug_taken(slug: str, article: Article | None) -> Article | None:
    query = sa.select(Article).where(Article.slug == slug)
    if article is not None and article.id is not None:
        query = query.where(Article.id != article.id)
    return db.session.scalar(query)


def save_article(article: Article | None, fields: ArticleFields, author: User) -> Article:
    """Create or update an article; the body is rendered and sanitized here, once.

    A changed address leaves the old one behind as a redirect, so links in e-mails and
    other sites keep working; an address taken back from a redirect stops redirecting.
    """
    title = fields.title.strip()
    if not title:
        raise FieldError("Please give the article a title.", "title")
    slug = check_slug(fields.slug or content.slugify(title), ARTICLE_SLUG_MAX)
    if fields.status not in {s.value for s in ArticleStatus}:
        raise FieldError("Choose draft or published.", "status")
    section = db.session.get(Section, fields.section_id)
    if section is None:
        raise FieldError("Choose a section.", "section_id")
    source_url = fields.source_url.strip()
    if source_url:
        check_web_address(source_url)
    policy = fields.moderation_policy or None
    if policy is not None and policy not in moderation.POLICY_LABELS:
        raise FieldError("Choose a moderation policy from the list.", "moderation_policy")
    close_after = fields.comments_close_after_days
    if close_after is not None and not 0 <= close_after <= moderation.CLOSE_AFTER_MAX_DAYS:
        raise FieldError(
            f"Type a number of days from 0 to {moderation.CLOSE_AFTER_MAX_DAYS:,}, or leave it "
            "empty.",
            "comments_close_after_days",
        )
    image_alt = " ".join(fields.image_alt.split())
    if fields.image is not None and not image_alt:
        raise FieldError(
            "Describe the picture for readers who can't see it (what it shows, in a sentence).",
            "image_alt",
        )
    if len(image_alt) > IMAGE_ALT_MAX:
        raise FieldError(f"Keep the description under {IMAGE_ALT_MAX} characters.", "image_alt")
    taken_by = _article_slug_taken(slug, article)
    if taken_by is not None:
        raise FieldError(
            f"The address “{slug}” is already used by “{taken_by.title}”. Choose another.",
            "slug",
        )

    old_image = article.image_name if article is not None else None
    image = fields.image
    if (
        image is not None
        and image.name != old_image
        and not images.is_stored(image.name, _uploads())
    ):
        # Uploaded with an earlier try of the form, and removed since: the only article
        # that showed the same picture let go of it meanwhile.
        raise FieldError(images.NO_LONGER_STORED, images.FIELD)

    is_new = article is None
    if article is None:
        article = Article(author_id=author.id)
        db.session.add(article)
    old_slug = None if is_new else article.slug

    published_at = fields.published_at
    if fields.status == ArticleStatus.PUBLISHED and published_at is None:
        # "Publish" without a time means now; a draft keeps no date until it has one.
        published_at = utcnow()

    article.title = title
    article.slug = slug
    article.section_id = section.id
    article.summary = fields.summary.strip()
    article.body_markdown = fields.body_markdown
    article.body_html = content.render_markdown(fields.body_markdown)
    article.status = fields.status
    article.published_at = published_at
    article.comments_open = fields.comments_open
    article.moderation_policy = policy
    article.comments_close_after_days = close_after
    article.source_name = fields.source_name.strip() or None
    article.source_url = source_url or None
    article.image_name = image.name if image else None
    article.image_width = image.width if image else None
    article.image_height = image.height if image else None
    article.image_alt = image_alt if image else ""

    # The new address is live now, so a redirect of the same name is stale; so is one named
    # after the old address, which was live until this moment.
    stale = {slug, old_slug} - {None}
    db.session.execute(
        sa.delete(ArticleRedirect)
        .where(ArticleRedirect.old_slug.in_(stale))
        .execution_options(synchronize_session=False)
    )
    if old_slug is not None and old_slug != slug:
        db.session.add(ArticleRedirect(old_slug=old_slug, article=article))
    # Readers' search finds what is saved now, in the same transaction.
    search.index_article(article)
    # Every list of articles, and the article's page (at its old address too: same key); a
    # new article has no page anywhere yet.
    purge.later("listings", *([] if is_new else [f"article-{article.id}"]))
    # Someone may save an article at this address between our check and our commit.
    commit_or_refuse(
        f"The address “{slug}” was just taken by another article. Choose another.", "slug"
    )
    if old_image is not None and old_image != (image.name if image else None):
        remove_unused_picture(old_image)
    return article


def _uploads() -> Path:
    return images.upload_folder(current_app.instance_path)


def remove_unused_picture(name: str) -> None:
    """Remove the files of the picture `name` unless an article shows it: called once the
    transaction that replaced or removed it (or deleted its article) has committed, so a
    rollback never leaves an article without its picture. Another article may show the same
    picture (the same upload, the same name); then the files stay."""
    shown = db.session.scalar(sa.select(Article.id).where(Article.image_name == name).limit(1))
    if shown is not None:
        return
    try:
        images.remove_stored(name, _uploads())
    except OSError as error:
        # The change is saved; a file left behind costs disk space, nothing else.
        log.warning("could not remove the picture %s: %s", name, error)


def check_web_address(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        raise FieldError("Give a full web address starting with http:// or https://.", "source_url")


def comments_by_status(article: Article) -> dict[str, int]:
    """All of one article's comments per status, for the delete confirmation."""
    counts = {status.value: 0 for status in CommentStatus}
    rows = db.session.execute(
        sa.select(Comment.status, sa.func.count())
        .where(Comment.article_id == article.id)
        .group_by(Comment.status)
    )
    for status, total in rows:
        counts[status] = total
    return counts


def delete_article(article_id: int) -> int:
    """Delete an article with its comments, their history and its old addresses.

    Deleted explicitly rather than left to ON DELETE CASCADE, so the site-wide comment
    tallies go down by exactly the comments removed. The article row is locked first so
    a comment posted meanwhile can't slip past the count.
    Returns how many comments went with it.
    """
    locked = db.session.execute(
        sa.select(Article.id, Article.image_name).where(Article.id == article_id).with_for_update()
    ).first()
    if locked is None:
        db.session.rollback()
        raise FieldError("That article no longer exists.")
    removed = moderation.remove_comments(Comment.article_id == article_id)
    db.session.execute(
        sa.delete(ArticleRedirect)
        .where(ArticleRedirect.article_id == article_id)
        .execution_options(synchronize_session=False)
    )
    search.forget_article(article_id)
    # Every list it was in must redraw.
    pagecache.touch_site()
    db.session.execute(
        sa.delete(Article)
        .where(Article.id == article_id)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if locked.image_name is not None:
        remove_unused_picture(locked.image_name)
    return sum(removed.values())


# --- Addresses of the site an article was imported from --------------------------------
#
# An import keeps the paths its articles answered at on the old site (ArticleRedirect's
# old_path) in one spelling, made here; the public pages and the Disqus import find an
# article by an old address through the same functions.

OLD_PATH_MAX = 300
# The query arguments WordPress finds a post or a page by: /?p=12, /?page_id=7.
OLD_QUERY_ARGUMENTS = ("p", "page_id")
_DATED_PATH = re.compile(r"^/(\d{4})/(\d{2})/(?:(\d{2})/)?([^/]+)/?$")
_ARTICLE_PATH = re.compile(r"^/articles/([^/]+)/?$")
_SINGLE_SEGMENT = re.compile(r"^/([^/]+)/?$")


def old_query_key(argument: str, number: int) -> str:
    """ "?p=12": the key of an old address found by a query argument."""
    return f"?{argument}={number}"


def old_dated_key(year: int, month: int, day: int | None, slug: str) -> str:
    """ "2013/03/02/hello" or "2013/03/hello": the key of a dated old path, its slug
    decoded as a browser's request arrives (WordPress keeps non-ASCII slugs
    percent-encoded)."""
    if day is None:
        return f"{year:04d}/{month:02d}/{slug}"
    return f"{year:04d}/{month:02d}/{day:02d}/{slug}"


def article_at_old_path(key: str) -> Article | None:
    """The article an old path of the site it came from leads to (public or not)."""
    if len(key) > OLD_PATH_MAX or "\x00" in key:
        return None
    return db.session.scalar(
        sa.select(Article).join(ArticleRedirect).where(ArticleRedirect.old_path == key)
    )


def article_at_slug(slug: str) -> Article | None:
    """The article at /articles/<slug>, or the one that answered there before."""
    if len(slug) > ARTICLE_SLUG_MAX or "\x00" in slug:
        return None
    found = db.session.scalar(sa.select(Article).where(Article.slug == slug))
    if found is not None:
        return found
    return db.session.scalar(
        sa.select(Article).join(ArticleRedirect).where(ArticleRedirect.old_slug == slug)
    )


def article_at_address(address: str) -> Article | None:
    """The article a link leads to, on this site or on the one it was imported from:
    /articles/<slug>, /?p=12, /2013/03/02/hello/, /2013/03/hello/ or /hello/. The host is
    not compared: a site moving here usually keeps its name."""
    try:
        parts = urlsplit(address.strip())
    except ValueError:
        return None
    query = parse_qs(parts.query)
    for argument in OLD_QUERY_ARGUMENTS:
        for value in query.get(argument, []):
            if value.isascii() and value.isdecimal() and len(value) <= 10:
                found = article_at_old_path(old_query_key(argument, int(value)))
                if found is not None:
                    return found
    path = unquote(parts.path)
    if dated := _DATED_PATH.match(path):
        year, month, day, slug = dated.groups()
        key = old_dated_key(int(year), int(month), int(day) if day else None, slug)
        return article_at_old_path(key)
    if at := _ARTICLE_PATH.match(path) or _SINGLE_SEGMENT.match(path):
        return article_at_slug(at.group(1))
    return None
