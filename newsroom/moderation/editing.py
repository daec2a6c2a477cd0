"""Staff writing on comments: a moderator's edit of a comment's text (kept, before and after,
for staff only) and its undo, and a reply written as the organization.

An edit is one conditional UPDATE (`WHERE id = :id AND status = :seen AND text_version =
:version`) plus one ModerationEvent and one CommentEdit, in one transaction: an edit made
on a page that showed another status or an older text matches no row, and the moderator is
told who changed it first; nothing is overwritten. An edit of an approved comment redraws
its article's cached page (pagecache.touch_comments); a reply is a new approved comment and
moves the counters, which redraw it. No Flask request in here: views pass in what they know.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from newsroom import pagecache
from newsroom.content import clock_time
from newsroom.extensions import db
from newsroom.mail import notices
from newsroom.models import (
    Comment,
    CommentEdit,
    CommentStatus,
    EventAction,
    ModerationEvent,
    User,
    utcnow,
)
from newsroom.moderation.counters import count_move
from newsroom.moderation.lifecycle import BODY_MAX, NAME_MAX, lost

APPROVED = CommentStatus.APPROVED

EMPTY_EDIT = (
    "The comment can't be left empty: write the text it should show. To hide it, reject "
    "it; to remove it, delete it."
)
EMPTY_REPLY = "Write the reply first: it was empty, so nothing was published."
UNCHANGED = "That is the text as it stands: nothing was changed."


@dataclass
class Written:
    """What came of an edit, its undo or a reply: done, or why not.

    `invalid`: what was typed can't be stored (empty, too long); the form comes back with
    the text and the message. Otherwise an error is a conflict: a colleague changed the
    comment first, or it is gone."""

    comment: Comment | None
    event: ModerationEvent | None = None
    error: str | None = None
    invalid: bool = False
    # For a reply: the reply itself (`comment` is the comment it answers).
    reply: Comment | None = None

    @property
    def ok(self) -> bool:
        return self.event is not None


def checked_text(text: str | None, empty_message: str) -> tuple[str, str | None]:
    """The text as it is stored (trimmed), and why it can't be, or None."""
    text = (text or "").strip()
    if not text:
        return text, empty_message
    if len(text) > BODY_MAX:
        return text, (
            f"A comment can be at most {BODY_MAX:,} characters; this one has {len(text):,}. "
            "Shorten it and save again."
        )
    if "\x00" in text:
        return text, "The text holds a NUL character (\\0), which no comment may hold."
    return text, None


def _comment_and_text(
    comment_id: int, body: str | None, empty_message: str
) -> tuple[Comment, str, Written | None]:
    """The comment a moderator writes about and their text, checked; or the refusal
    (no such comment, or text refused) to answer with."""
    text, problem = checked_text(body, empty_message)
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        return comment, text, Written(None, error="That comment no longer exists.")
    if problem is not None:
        return comment, text, Written(comment, error=problem, invalid=True)
    return comment, text, None


def edit_comment(
    comment_id: int,
    body: str,
    actor: User,
    *,
    expected_status: str,
    expected_version: int,
    zone: str = "UTC",
) -> Written:
    """Replace the comment's text, if it still has the status and text the moderator saw."""
    comment, text, refused = _comment_and_text(comment_id, body, EMPTY_EDIT)
    if refused is not None:
        return refused
    if comment.status != expected_status:
        return Written(comment, error=lost(comment, comment.status, expected_status, zone).error)
    if comment.text_version != expected_version:
        return _edited_since(comment, zone)
    if text == comment.body:
        return Written(comment, error=UNCHANGED, invalid=True)
    return _change_text(
        comment, text, utcnow(), actor, note="", seen_status=expected_status, zone=zone
    )


def undo_edit(event_id: int, actor: User, *, zone: str = "UTC") -> Written:
    """Give the comment back the text it had before the edit `event_id`, unless it was
    edited again since."""
    edit = db.session.scalar(sa.select(CommentEdit).where(CommentEdit.event_id == event_id))
    if edit is None:
        return Written(None, error="There is no such edit to undo.")
    comment = db.session.get(Comment, edit.comment_id)
    if comment.text_version != edit.text_version:
        return _edited_since(comment, zone)
    return _change_text(
        comment,
        edit.body_before,
        edit.edited_at_before,
        actor,
        note=f"undo of #{event_id}",
        seen_status=None,
        zone=zone,
    )


def _change_text(
    comment: Comment,
    text: str,
    edited_at: datetime | None,
    actor: User,
    *,
    note: str,
    seen_status: str | None,
    zone: str,
) -> Written:
    """Store `text` (and `edited_at`, the reader's mark) if nobody changed the text since
    it was read, nor the status from `seen_status` (None: any status will do)."""
    now = utcnow()
    conditions = [Comment.id == comment.id, Comment.text_version == comment.text_version]
    if seen_status is not None:
        conditions.append(Comment.status == seen_status)
    result = db.session.execute(
        sa.update(Comment)
        .where(*conditions)
        .values(body=text, text_version=Comment.text_version + 1, edited_at=edited_at)
        .returning(Comment.status)
        .execution_options(synchronize_session=False)
    )
    status = result.scalar()
    if status is None:
        db.session.rollback()
        db.session.refresh(comment)
        if seen_status is not None and comment.status != seen_status:
            return Written(comment, error=lost(comment, comment.status, seen_status, zone).error)
        return _edited_since(comment, zone)
    event = ModerationEvent(
        comment_id=comment.id,
        actor_id=actor.id,
        from_status=status,
        to_status=status,
        at=now,
        note=note,
        action=EventAction.EDIT,
    )
    db.session.add(event)
    db.session.add(
        CommentEdit(
            comment_id=comment.id,
            event=event,
            body_before=comment.body,
            body_after=text,
            edited_at_before=comment.edited_at,
            text_version=comment.text_version + 1,
        )
    )
    if status == APPROVED:
        # No counter moves: the article's cached page is told by this explicit call.
        pagecache.touch_comments([comment.article_id])
    db.session.commit()
    db.session.refresh(comment)
    return Written(comment, event=event)


def _edited_since(comment: Comment, zone: str) -> Written:
    last = db.session.scalar(
        sa.select(ModerationEvent)
        .where(
            ModerationEvent.comment_id == comment.id,
            ModerationEvent.action == EventAction.EDIT,
        )
        .order_by(ModerationEvent.id.desc())
        .limit(1)
    )
    who = f" by {last.decided_by} at {clock_time(last.at, zone)}" if last is not None else ""
    return Written(
        comment,
        error=f"This comment's text was changed{who} since this page was drawn. Nothing was "
        "changed: read the text as it is now, and edit it again if it still needs it.",
    )


def text_history(comment_id: int) -> list[CommentEdit]:
    """Every edit of the comment, newest first, with who made it (staff only)."""
    return list(
        db.session.scalars(
            sa.select(CommentEdit)
            .where(CommentEdit.comment_id == comment_id)
            .options(sa.orm.joinedload(CommentEdit.event).joinedload(ModerationEvent.actor))
            .order_by(CommentEdit.id.desc())
        )
    )


def reply_as_organization(
    comment_id: int, body: str, actor: User, organization_name: str
) -> Written:
    """Publish `body` at once as the organization's answer to an approved comment."""
    parent, text, refused = _comment_and_text(comment_id, body, EMPTY_REPLY)
    if refused is not None:
        return refused
    if parent.status != APPROVED:
        return Written(
            parent,
            error="Only a comment readers can see can be answered in public: approve it "
            "first, then reply. Nothing was published.",
        )
    now = utcnow()
    reply = Comment(
        article_id=parent.article_id,
        parent_id=parent.id,
        author_name=organization_name.strip()[:NAME_MAX] or "The editors",
        author_email="",
        body=text,
        status=APPROVED,
        created_at=now,
        by_organization=True,
    )
    db.session.add(reply)
    db.session.flush()
    event = ModerationEvent(
        comment_id=reply.id,
        actor_id=actor.id,
        from_status=APPROVED,
        to_status=APPROVED,
        at=now,
        note=f"reply to #{parent.id}",
        action=EventAction.REPLY,
    )
    db.session.add(event)
    # A new approved comment: the counters move, and with them the article's cached page.
    count_move(reply.id, parent.article_id, None, APPROVED)
    # The reader who asked hears of the answer, in the same transaction.
    notices.comment_published(reply)
    db.session.commit()
    return Written(parent, event=event, reply=reply)
