"""A Disqus export (Admin -> Export, the XML file Disqus mails) into comments on this site's
articles.

Its threads come first: each is matched to an article by its link (this site's address, or
the old address an imported article redirects from) or else by its identifier (the
WordPress plugin's "12 https://example.org/?p=12", or a slug). Then its posts: author's
name and e-mail (when Disqus gives one), date, text, parent, and the flags: spam stays
spam, a deleted post is rejected, one still waiting for approval waits here too.
"""

from __future__ import annotations

from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING

from newsroom import articles
from newsroom.extensions import db
from newsroom.imports import ImportRefused, Progress, Summary, wphtml, xmlstream
from newsroom.imports.store import (
    AUTHOR_NAME_MAX,
    CommentRecord,
    Store,
    bounded_email,
    bounded_text,
    parse_local_time,
    whole_number,
)
from newsroom.models import CommentStatus

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element  # nosec B405 # a type name, nothing parsed

BATCH_COMMENTS = 5000
ID = "dsq:id"
# Threads matched to no article, named in the summary.
UNMATCHED_SHOWN = 5


def import_disqus(path: Path, *, progress: Progress | None = None) -> Summary:
    """Import the Disqus export at `path`, all of it or nothing (ImportRefused)."""
    summary = Summary("Disqus")
    try:
        with open(path, "rb") as file:
            reader = xmlstream.CountingReader(file)
            store = Store(summary)
            _read(path, reader, store, progress)
        store.finish()
    except BaseException:
        db.session.rollback()
        raise
    return summary


def _attribute(element: Element | None, name: str) -> str:
    if element is None:
        return ""
    for key, value in element.attrib.items():
        if xmlstream.local_name(key) == name:
            return value
    return ""


def _read(
    path: Path, reader: xmlstream.CountingReader, store: Store, progress: Progress | None
) -> None:
    summary = store.summary
    # Disqus's thread id -> the article's id, or None when no article matched.
    threads: dict[str, int | None] = {}
    batch: list[CommentRecord] = []
    root: Element | None = None
    for event, element in xmlstream.elements(path, reader):
        name = xmlstream.local_name(element.tag)
        if event == "start":
            if root is None:
                root = element
                if name != "disqus":
                    raise ImportRefused(
                        f"{path} is not a Disqus export: it starts with <{name}>, not <disqus>."
                    )
            continue
        if element is root:
            break
        if name == "thread" and len(element):
            threads[_attribute(element, ID)] = _matched_article(element, summary)
        elif name == "post":
            record = _post(element, threads, summary)
            if record is not None:
                batch.append(record)
        else:
            continue
        root.clear()  # what was read so far: memory stays flat
        if len(batch) >= BATCH_COMMENTS:
            store.add_comments(batch)
            batch = []
            if progress is not None:
                progress(reader.position, summary)
    if root is None:
        raise ImportRefused(f"{path} holds no XML.")
    store.add_comments(batch)
    if progress is not None:
        progress(reader.position, summary)


def _matched_article(thread: Element, summary: Summary) -> int | None:
    fields = xmlstream.children(thread)
    link = xmlstream.text(fields.get("link")).strip()
    identifier = xmlstream.text(fields.get("id")).strip()
    found = articles.article_at_address(link) if link else None
    if found is None and identifier:
        # The WordPress plugin's identifier: "<post id> <guid>".
        number, _, guid = identifier.partition(" ")
        if guid and whole_number(number) is not None:
            found = articles.article_at_address(guid)
        found = (
            found or articles.article_at_slug(identifier) or articles.article_at_address(identifier)
        )
    if found is None:
        summary.skip(
            "threads",
            "matched to no article, by link or identifier",
            link[:200] or identifier[:200],
        )
        return None
    summary.matched["threads"] += 1
    return found.id


def _post(
    element: Element, threads: dict[str, int | None], summary: Summary
) -> CommentRecord | None:
    fields = xmlstream.children(element)

    def field(name: str) -> str:
        return xmlstream.text(fields.get(name))

    post_id = whole_number(_attribute(element, ID))
    label = f"post {_attribute(element, ID)[:20]}"
    if post_id is None:
        summary.skip("comments", "no Disqus id", label)
        return None
    thread = _attribute(fields.get("thread"), ID)
    if thread not in threads:
        summary.skip("comments", "their thread is not in the file", label)
        return None
    article_id = threads[thread]
    if article_id is None:
        summary.skip("comments", "their thread matched no article", label)
        return None
    created = parse_local_time(field("createdAt").strip().replace("Z", "+00:00"), UTC)
    if created is None:
        summary.skip("comments", "no date between 1900 and 2200", label)
        return None
    if field("isSpam").strip() == "true":
        status = CommentStatus.SPAM
    elif field("isDeleted").strip() == "true":
        status = CommentStatus.REJECTED
    elif field("isApproved").strip() == "false":
        status = CommentStatus.PENDING
    else:
        status = CommentStatus.APPROVED
    author = xmlstream.children(fields["author"]) if "author" in fields else {}
    name = xmlstream.text(author.get("name")) or xmlstream.text(author.get("username"))
    parent = whole_number(_attribute(fields.get("parent"), ID))
    return CommentRecord(
        source_key=f"disqus:{post_id}",
        article_id=article_id,
        parent_key=f"disqus:{parent}" if parent is not None else None,
        author_name=bounded_text(name, AUTHOR_NAME_MAX) or "Anonymous",
        author_email=bounded_email(xmlstream.text(author.get("email"))),
        body=wphtml.plain_text(field("message")),
        status=status,
        created_at=created,
        address=field("ipAddress").strip()[:64] or None,
    )
