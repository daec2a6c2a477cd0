"""What a commenter who ticked "e-mail me" is told: that their comment is published, and
that a reply to it is. Queued by the lifecycle in the transaction of the decision that
publishes a comment (and by a staff reply, published at once); drawn when sent
(messages.py), when a comment withdrawn since is passed over.

Never queued: for a comment rejected or marked as spam (only a comment that readers can now
see is news), for a comment published before review (its author saw it at once), for a
reply to oneself, nor twice about the same comment or reply.
"""

from __future__ import annotations

import sqlalchemy as sa

from newsroom.extensions import db
from newsroom.mail import outbox
from newsroom.models import Comment, CommentStatus, MailKind


def comment_published(comment: Comment) -> None:
    """`comment` became visible to readers by a moderator's decision or as a staff reply:
    queue what its author and the author of the comment it answers asked to hear."""
    if comment.notify_author and comment.author_email:
        outbox.queue(
            MailKind.PUBLISHED,
            comment.author_email,
            comment_id=comment.id,
            dedupe_key=f"published:{comment.id}",
        )
    if comment.parent_id is not None:
        _reply_published(comment)


def _reply_published(reply: Comment) -> None:
    parent = db.session.execute(
        sa.select(
            Comment.id,
            Comment.author_email,
            Comment.commenter_id,
            Comment.status,
            Comment.notify_author,
        ).where(Comment.id == reply.parent_id)
    ).first()
    if parent is None or not parent.notify_author or not parent.author_email:
        return
    if parent.status != CommentStatus.APPROVED:
        return  # the comment it answers is no longer shown: nothing to point them to
    own = (
        parent.commenter_id is not None and parent.commenter_id == reply.commenter_id
    ) or outbox.normalize_address(parent.author_email) == outbox.normalize_address(
        reply.author_email
    )
    if own:
        return
    outbox.queue(
        MailKind.REPLY,
        parent.author_email,
        comment_id=parent.id,
        reply_id=reply.id,
        dedupe_key=f"reply:{reply.id}",
    )


def unsubscribe(comment_id: int) -> bool:
    """Its author hears nothing more about the comment; commits. False when there is no
    such comment (deleted, say): there is nothing to hear about either way."""
    changed = db.session.execute(
        sa.update(Comment)
        .where(Comment.id == comment_id)
        .values(notify_author=False)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return changed == 1
