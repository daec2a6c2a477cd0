"""What readers see of an article's conversation: the comments shown, laid out as threads,
and which comment a reader may answer.

A comment is shown when it is approved and not hidden by readers' reports. Replies nest
under the comment they answer, three levels deep at most; a deeper reply is listed flat
in the third level, after its thread, saying whom it answers. A reply whose comment is no
longer shown (rejected, back to pending, hidden) keeps its place under a "comment removed"
placeholder. The layout is built in one pass from one query; a second one, by primary key,
runs only when some reply's comment is gone, to place the placeholder in its own thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa

from newsroom.extensions import db
from newsroom.models import Comment, CommentStatus

# Threads nest this deep; replies below the last level are listed in it.
MAX_DEPTH = 3
# Whom a flat reply answers when that comment is no longer shown.
REMOVED = "a removed comment"
# How far up a chain of removed comments the placeholders are placed; above that, at the
# top of the list (one query per step, and such chains are rare).
REMOVED_CHAIN_STEPS = 3

REPLY_REFUSED = (
    "The comment you were replying to is not shown on this article (it may have been "
    "removed, or not approved yet), so your reply was not sent."
)
REPLY_TO_UNKNOWN = (
    "That comment can't be answered: it is not shown on this article. You can still add a "
    "comment of your own."
)


def shown(article_id: int | sa.ColumnElement[int]) -> sa.ColumnElement[bool]:
    """The comments readers see on an article: approved, and not hidden by reports."""
    return sa.and_(
        Comment.article_id == article_id,
        Comment.status == CommentStatus.APPROVED,
        Comment.hidden_by_reports == sa.false(),
    )


@dataclass(slots=True)
class Entry:
    """One line of the thread, in reading order. `comment` None: a removed comment's
    placeholder. `depth` 1-3, as drawn; `in_reply_to`, for a reply listed flat below the
    last level, whom it answers; `opens`: its replies follow in a list nested in it;
    `closes`: how many nested lists end after it."""

    comment: Comment | None
    depth: int
    in_reply_to: str | None = None
    opens: bool = False
    closes: int = 0


@dataclass
class Conversation:
    entries: list[Entry] = field(default_factory=list)
    # The comments shown (placeholders not counted): the page's count says this number.
    count: int = 0
    # Shown comments' authors by id: whom a reader's own waiting reply answers.
    names: dict[int, str] = field(default_factory=dict)


class _Removed(NamedTuple):
    id: int
    parent_id: int | None
    created_at: datetime


def conversation(article_id: int) -> Conversation:
    """The article's shown comments as threads, oldest first in every level."""
    comments = db.session.scalars(
        sa.select(Comment).where(shown(article_id)).order_by(Comment.created_at, Comment.id)
    ).all()
    return arrange(comments, _removed_parents(comments))


def _removed_parents(comments: list[Comment]) -> list[_Removed]:
    """The comments replies answer that are no longer shown, and theirs in turn."""
    known = {comment.id for comment in comments}
    missing = {c.parent_id for c in comments if c.parent_id is not None} - known
    removed: list[_Removed] = []
    for _ in range(REMOVED_CHAIN_STEPS):
        if not missing:
            break
        found = db.session.execute(
            sa.select(Comment.id, Comment.parent_id, Comment.created_at).where(
                Comment.id.in_(sorted(missing))
            )
        ).all()
        removed.extend(_Removed(*row) for row in found)
        known |= missing
        missing = {row.parent_id for row in found if row.parent_id is not None} - known
    return removed


def arrange(comments: list[Comment], removed: list[_Removed] = ()) -> Conversation:
    """Lay `comments` (shown, oldest first) out as threads, with a placeholder for each of
    `removed` (comments some reply answers that are not shown)."""
    names = {comment.id: comment.author_name for comment in comments}
    nodes: dict[int, tuple[Comment | None, int | None]] = {
        comment.id: (comment, comment.parent_id) for comment in comments
    }
    nodes.update((gone.id, (None, gone.parent_id)) for gone in removed)
    order = [(c.created_at, c.id) for c in comments]
    if removed:
        order = sorted(order + [(gone.created_at, gone.id) for gone in removed])
    replies: dict[int | None, list[int]] = {}
    for _, node_id in order:
        parent = nodes[node_id][1]
        replies.setdefault(parent if parent in nodes else None, []).append(node_id)

    entries: list[Entry] = []
    stack = [(node_id, 1) for node_id in reversed(replies.get(None, []))]
    while stack:
        node_id, depth = stack.pop()
        comment, parent = nodes[node_id]
        below = replies.get(node_id, [])
        entry = Entry(comment, min(depth, MAX_DEPTH), opens=depth < MAX_DEPTH and bool(below))
        if depth > MAX_DEPTH:
            entry.in_reply_to = names.get(parent, REMOVED)
        entries.append(entry)
        stack.extend((reply, depth + 1) for reply in reversed(below))
    for position, entry in enumerate(entries):
        if not entry.opens:
            following = entries[position + 1].depth if position + 1 < len(entries) else 1
            entry.closes = entry.depth - following
    return Conversation(entries, len(comments), names)


class ReplyTarget(NamedTuple):
    id: int
    author_name: str


def reply_target(article_id: int, comment_id: int | None) -> ReplyTarget | None:
    """The comment `comment_id`, if a reader may answer it on this article: shown there.
    None for anything else (no such comment, another article's, pending, removed)."""
    if comment_id is None:
        return None
    row = db.session.execute(
        sa.select(Comment.id, Comment.author_name).where(
            Comment.id == comment_id, shown(article_id)
        )
    ).first()
    return ReplyTarget(*row) if row is not None else None
