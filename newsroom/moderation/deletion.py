"""Deleting comments for good, for admins: one comment from its queue row, or the spam
folder's comments older than some days.

A deletion can't be undone. It keeps one ModerationEvent saying who deleted and when,
with no comment (comment_id is None) and nothing the reader wrote: the comment, its earlier
texts and its moderation trail go (lifecycle.remove_comments), and the counters follow in
the same transaction. Deleting an approved comment moves its article's comments_version
there, so the cached public page redraws. No Flask request in here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from newsroom.extensions import db
from newsroom.models import Comment, CommentStatus, EventAction, ModerationEvent, User, utcnow
from newsroom.moderation.lifecycle import lost, remove_comments

SPAM = CommentStatus.SPAM
# The spam folder is emptied of comments older than this many days (1 to SPAM_DAYS_MAX).
SPAM_DAYS_DEFAULT = 30
SPAM_DAYS_MAX = 3650


@dataclass
class Deleted:
    """What came of deleting one comment: its event, or why nothing was deleted."""

    author_name: str
    event: ModerationEvent | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.event is not None


def delete_comment(
    comment_id: int, actor: User, *, expected_status: str, zone: str = "UTC"
) -> Deleted:
    """Delete the comment for good, if it still has the status the admin saw."""
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        return Deleted("", error="That comment no longer exists: nothing was deleted.")
    author, article_title = comment.author_name, comment.article.title
    removed = remove_comments(sa.and_(Comment.id == comment_id, Comment.status == expected_status))
    if not removed:
        db.session.rollback()
        comment = db.session.get(Comment, comment_id)
        if comment is None:
            return Deleted(author, error="That comment was deleted a moment ago by a colleague.")
        error = lost(comment, comment.status, expected_status, zone).error
        return Deleted(author, error=error.replace("Nothing was changed.", "Nothing was deleted."))
    event = _record(actor, expected_status, f"deleted comment #{comment_id} on “{article_title}”")
    db.session.commit()
    return Deleted(author, event=event)


def spam_older_than(days: int) -> int:
    """How many spam comments are older than `days` days (by ix_comments_status_created_at)."""
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Comment)
        .where(Comment.status == SPAM, Comment.created_at < _cutoff(days))
    )


def empty_spam(days: int, actor: User) -> int:
    """Delete for good every spam comment older than `days` days; how many went. One event
    records who emptied the folder, when, and how many went."""
    removed = remove_comments(sa.and_(Comment.status == SPAM, Comment.created_at < _cutoff(days)))
    total = sum(removed.values())
    if total:
        plural = "" if total == 1 else "s"
        _record(actor, SPAM, f"emptied the spam: {total} comment{plural} older than {days} days")
    db.session.commit()
    return total


def _cutoff(days: int):
    if not 1 <= days <= SPAM_DAYS_MAX:
        raise ValueError(f"days must be from 1 to {SPAM_DAYS_MAX}, not {days}")
    return utcnow() - timedelta(days=days)


def _record(actor: User, status: str, note: str) -> ModerationEvent:
    event = ModerationEvent(
        comment_id=None,
        actor_id=actor.id,
        from_status=status,
        to_status=status,
        at=utcnow(),
        note=note[:255],
        action=EventAction.DELETION,
    )
    db.session.add(event)
    return event
