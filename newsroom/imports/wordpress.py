"""A WordPress export (WXR 1.0 to 1.2, Tools -> Export in WordPress 5 and 6) into articles,
sections and comments.

- Posts become articles: published ones published, scheduled ones ("future") published at
  their time (readers see them then), drafts, pending and private ones drafts; pages only
  when asked. Title, slug, dates (the GMT ones, else the local ones on the site's clock),
  the author's display name as byline, the excerpt as summary, the body as Markdown
  (wphtml.py). The primary category (Yoast's, else the first) is the section.
- Comments keep author, e-mail, address (as this site's fingerprint, never the address),
  date, text and thread; approved (1), waiting (0), spam and trash (rejected) keep their
  meaning. Pingbacks and trackbacks are skipped and counted.
- The post's old addresses, /?p=12 and its dated permalinks, redirect to the article.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

from newsroom import articles, content
from newsroom.extensions import db
from newsroom.imports import ImportRefused, Progress, Summary, wphtml, xmlstream
from newsroom.imports.store import (
    AUTHOR_NAME_MAX,
    BYLINE_MAX,
    SECTION_NAME_MAX,
    SECTION_SLUG_MAX,
    TITLE_MAX,
    ArticleRecord,
    CommentRecord,
    Store,
    bounded_email,
    bounded_text,
    parse_local_time,
    whole_number,
)
from newsroom.models import ArticleStatus, CommentStatus

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element  # nosec B405 # a type name, nothing parsed

# Posts written per batch (with their comments): bounded memory, few round trips.
BATCH_POSTS = 200
BATCH_COMMENTS = 5000

POST_STATUS = {
    "publish": ArticleStatus.PUBLISHED,
    "future": ArticleStatus.PUBLISHED,
    "draft": ArticleStatus.DRAFT,
    "pending": ArticleStatus.DRAFT,
    "private": ArticleStatus.DRAFT,
}
POST_STATUS_SKIPPED = {
    "trash": "in WordPress's trash",
    "auto-draft": "an auto-draft WordPress saved on its own",
    "inherit": "a revision",
}
COMMENT_STATUS = {
    "1": CommentStatus.APPROVED,
    "approve": CommentStatus.APPROVED,
    "0": CommentStatus.PENDING,
    "hold": CommentStatus.PENDING,
    "spam": CommentStatus.SPAM,
    "trash": CommentStatus.REJECTED,
    "post-trashed": CommentStatus.REJECTED,
}
PAGES_SECTION = ("pages", "Pages")
UNCATEGORIZED = ("uncategorized", "Uncategorized")


class _Site:
    """What the channel says before its items: the site, its authors, its categories."""

    def __init__(self) -> None:
        self.key = ""
        self.wxr_version = ""
        self.authors: dict[str, str] = {}  # login -> display name
        self.categories: dict[str, str] = {}  # term id -> nicename


def import_wordpress(
    path: Path, *, pages: bool = False, progress: Progress | None = None
) -> Summary:
    """Import the WordPress export at `path`, all of it or nothing (ImportRefused)."""
    summary = Summary("WordPress")
    try:
        with open(path, "rb") as file:
            reader = xmlstream.CountingReader(file)
            store = Store(summary)
            zone = store.site_zone()
            _read(path, reader, store, zone, pages, progress)
        store.finish()
    except BaseException:
        db.session.rollback()
        raise
    return summary


def _read(
    path: Path,
    reader: xmlstream.CountingReader,
    store: Store,
    zone: ZoneInfo,
    pages: bool,
    progress: Progress | None,
) -> None:
    site = _Site()
    posts: list[tuple[ArticleRecord, list[dict]]] = []
    waiting_comments = 0
    channel: Element | None = None
    root_seen = False
    for event, element in xmlstream.elements(path, reader):
        name = xmlstream.local_name(element.tag)
        if event == "start":
            if not root_seen:
                root_seen = True
                if name != "rss":
                    raise ImportRefused(
                        f"{path} is not a WordPress export: it starts with <{name}>, not <rss>."
                    )
            elif name == "channel":
                channel = element
            continue
        if name == "item":
            if not site.wxr_version:
                raise ImportRefused(
                    f"{path} is not a WordPress export (no <wp:wxr_version> before its first "
                    "item). Nothing was imported."
                )
            post = _post(element, site, zone, pages, store.summary)
            if post is not None:
                posts.append(post)
                waiting_comments += len(post[1])
            if channel is not None:
                channel.clear()  # the items read so far: memory stays flat
            if len(posts) >= BATCH_POSTS or waiting_comments >= BATCH_COMMENTS:
                _write(posts, store)
                posts, waiting_comments = [], 0
                if progress is not None:
                    progress(reader.position, store.summary)
        elif name == "wp:wxr_version":
            site.wxr_version = xmlstream.text(element).strip() or "?"
        elif name in ("wp:base_site_url", "wp:base_blog_url") and not site.key:
            address = urlsplit(xmlstream.text(element).strip())
            site.key = (address.netloc + address.path).rstrip("/").lower()[:200]
        elif name == "wp:author":
            fields = xmlstream.children(element)
            login = xmlstream.text(fields.get("wp:author_login"))
            shown = xmlstream.text(fields.get("wp:author_display_name"))
            site.authors[login] = bounded_text(wphtml.plain_text(shown or login), BYLINE_MAX)
        elif name == "wp:category" and channel is not None:
            fields = xmlstream.children(element)
            term = xmlstream.text(fields.get("wp:term_id")).strip()
            site.categories[term] = xmlstream.text(fields.get("wp:category_nicename"))
    if not site.wxr_version:
        raise ImportRefused(f"{path} is not a WordPress export (no <wp:wxr_version>).")
    _write(posts, store)
    if progress is not None:
        progress(reader.position, store.summary)


def _write(posts: list[tuple[ArticleRecord, list[dict]]], store: Store) -> None:
    ids = store.add_articles([article for article, _ in posts])
    store.add_comments(
        [
            CommentRecord(article_id=ids[article.source_key], **comment)
            for article, comments in posts
            for comment in comments
        ]
    )


def _post(
    item: Element, site: _Site, zone: ZoneInfo, pages: bool, summary: Summary
) -> tuple[ArticleRecord, list[dict]] | None:
    fields = xmlstream.children(item)

    def field(name: str) -> str:
        return xmlstream.text(fields.get(name))

    post_id = whole_number(field("wp:post_id"))
    kind = field("wp:post_type").strip() or "post"
    comments = [child for child in item if xmlstream.local_name(child.tag) == "wp:comment"]
    label = f"post {field('wp:post_id').strip()[:20]}"

    def skip(why: str) -> None:
        summary.skip("posts" if kind == "post" else f"items of type {kind[:40]}", why, label)
        if comments:
            summary.skip("comments", "on a post that was skipped", label, count=len(comments))

    if kind not in ("post", "page"):
        skip("not an article")
        return None
    if kind == "page" and not pages:
        skip("pages are imported with --pages")
        return None
    if post_id is None:
        skip("no post id")
        return None
    wp_status = field("wp:status").strip()
    if wp_status in POST_STATUS_SKIPPED:
        skip(POST_STATUS_SKIPPED[wp_status])
        return None
    status = POST_STATUS.get(wp_status)
    if status is None:
        skip(f"status {wp_status[:40]!r} has no meaning here")
        return None
    local_date = field("wp:post_date")
    published = parse_local_time(field("wp:post_date_gmt"), ZoneInfo("UTC")) or parse_local_time(
        local_date, zone
    )
    if status == ArticleStatus.PUBLISHED and published is None:
        skip(f"its date {local_date.strip()[:40]!r} is not a date between 1900 and 2200")
        return None
    modified = parse_local_time(field("wp:post_modified_gmt"), ZoneInfo("UTC")) or published
    created = published or modified or parse_local_time(local_date, zone)
    if created is None:
        skip("it has no date")
        return None

    title = bounded_text(wphtml.plain_text(field("title")), TITLE_MAX) or f"Untitled ({label})"
    post_name = unquote(field("wp:post_name").strip())
    slug = content.slugify(post_name or title, articles.ARTICLE_SLUG_MAX)
    section_slug, section_name = _section(item, fields, site, kind)

    old_paths = [articles.old_query_key("p" if kind == "post" else "page_id", post_id)]
    if kind == "post" and post_name and len(local_date) >= 10:
        year, month, day = local_date[:4], local_date[5:7], local_date[8:10]
        if year.isdecimal() and month.isdecimal() and day.isdecimal() and year != "0000":
            for on_day in (int(day), None):
                old_paths.append(articles.old_dated_key(int(year), int(month), on_day, post_name))

    source = f"wordpress:{site.key}:"
    article = ArticleRecord(
        source_key=f"{source}{post_id}",
        title=title,
        slug=slug,
        section_slug=section_slug,
        section_name=section_name,
        summary=wphtml.plain_text(field("excerpt:encoded")),
        body_wordpress=field("content:encoded"),
        status=status,
        published_at=published if status == ArticleStatus.PUBLISHED else None,
        created_at=created,
        updated_at=modified or created,
        comments_open=field("wp:comment_status").strip() != "closed",
        byline=site.authors.get(field("dc:creator")) or None,
        old_paths=old_paths,
    )
    return article, [
        found
        for found in (_comment(element, source, zone, summary, label) for element in comments)
        if found is not None
    ]


def _section(item: Element, fields: dict[str, Element], site: _Site, kind: str) -> tuple[str, str]:
    """The post's primary category (Yoast SEO's, when set), else its first; as a section."""
    categories = [
        (child.get("nicename", ""), xmlstream.text(child))
        for child in item
        if xmlstream.local_name(child.tag) == "category" and child.get("domain") == "category"
    ]
    if not categories:
        return PAGES_SECTION if kind == "page" else UNCATEGORIZED
    primary = None
    for meta in item:
        if xmlstream.local_name(meta.tag) != "wp:postmeta":
            continue
        parts = xmlstream.children(meta)
        if xmlstream.text(parts.get("wp:meta_key")) == "_yoast_wpseo_primary_category":
            primary = site.categories.get(xmlstream.text(parts.get("wp:meta_value")).strip())
    nicename, name = next((c for c in categories if c[0] == primary), categories[0])
    name = bounded_text(wphtml.plain_text(name), SECTION_NAME_MAX) or "Uncategorized"
    return content.slugify(unquote(nicename) or name, SECTION_SLUG_MAX), name


def _comment(
    element: Element, source: str, zone: ZoneInfo, summary: Summary, post: str
) -> dict | None:
    fields = xmlstream.children(element)

    def field(name: str) -> str:
        return xmlstream.text(fields.get(name))

    comment_id = whole_number(field("wp:comment_id"))
    label = f"comment {field('wp:comment_id').strip()[:20]} on {post}"
    kind = field("wp:comment_type").strip() or "comment"
    if kind in ("pingback", "trackback"):
        summary.skip("comments", f"{kind}s are not comments", label)
        return None
    if comment_id is None:
        summary.skip("comments", "no comment id", label)
        return None
    approved = field("wp:comment_approved").strip()
    status = COMMENT_STATUS.get(approved)
    if status is None:
        summary.skip("comments", f"status {approved[:40]!r} has no meaning here", label)
        return None
    created = parse_local_time(field("wp:comment_date_gmt"), ZoneInfo("UTC")) or parse_local_time(
        field("wp:comment_date"), zone
    )
    if created is None:
        summary.skip("comments", "no date between 1900 and 2200", label)
        return None
    parent = whole_number(field("wp:comment_parent"))
    return {
        "source_key": f"{source}c{comment_id}",
        "parent_key": f"{source}c{parent}" if parent else None,
        "author_name": bounded_text(wphtml.plain_text(field("wp:comment_author")), AUTHOR_NAME_MAX)
        or "Anonymous",
        "author_email": bounded_email(field("wp:comment_author_email")),
        "body": wphtml.plain_text(field("wp:comment_content")),
        "status": status,
        "created_at": created,
        "address": field("wp:comment_author_IP").strip()[:64] or None,
    }
