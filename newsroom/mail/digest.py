"""The moderators' digest: when comments wait too long or too many wait (the site's
settings), each moderator who asked for it on their account page is sent the oldest
pending comments, with a link to approve and one to reject each (links.py), at most once
an hour. The worker (worker.py) checks now and then; the digest is drawn when sent, from
the queue as it stands then (messages.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from newsroom import moderation
from newsroom.extensions import db
from newsroom.mail import outbox
from newsroom.models import Article, Comment, CommentStatus, MailKind, SiteSettings, User, utcnow
from newsroom.site_settings import stored_settings, unsaved_settings

# A moderator hears of the backlog at most this often.
DIGEST_EVERY = timedelta(hours=1)
# The pending comments one digest lists, oldest first.
DIGEST_ITEMS = 20


@dataclass(frozen=True)
class Backlog:
    pending: int
    oldest_at: datetime | None


def backlog() -> Backlog:
    """How many comments wait, and since when the oldest does: the kept tally, and one
    step along ix_comments_status_created_at."""
    oldest = db.session.scalar(
        sa.select(Comment.created_at)
        .where(Comment.status == CommentStatus.PENDING)
        .order_by(Comment.created_at, Comment.id)
        .limit(1)
    )
    return Backlog(moderation.tally().get(CommentStatus.PENDING, 0), oldest)


def due_because(settings: SiteSettings, found: Backlog, now: datetime) -> str | None:
    """Why a digest is due, in words for its first line; None when it isn't."""
    if not found.pending:
        return None
    after = settings.digest_after_minutes
    if after and found.oldest_at is not None and now - found.oldest_at > timedelta(minutes=after):
        return f"The oldest comment has waited longer than {waited(after)}."
    size = settings.digest_queue_size
    if size and found.pending > size:
        return f"More than {size:,} comments are waiting."
    return None


def digest_terms(settings: SiteSettings) -> str:
    """When a digest goes out, in words for the account page."""
    after, size = settings.digest_after_minutes, settings.digest_queue_size
    said = []
    if after:
        said.append(f"the oldest pending comment has waited longer than {waited(after)}")
    if size:
        said.append(f"more than {size:,} comments are waiting")
    if not said:
        return "The admins have turned the digest off for now: none is sent."
    return "Sent when " + " or when ".join(said) + ", at most once an hour."


def waited(minutes: int) -> str:
    """ "45 minutes", "2 hours", "1 day 3 hours", "12 days"."""
    days, rest = divmod(minutes, 24 * 60)
    if days >= 2:
        return f"{days:,} days"
    hours, minutes = divmod(rest, 60)
    parts = [(days, "day"), (hours, "hour"), (minutes, "minute")]
    said = [f"{count} {unit}{'' if count == 1 else 's'}" for count, unit in parts if count]
    return " ".join(said[:2]) or "0 minutes"


def queue_digests(now: datetime | None = None) -> int:
    """Queue a digest for each moderator who asked for one and had none within the hour,
    when one is due; commits. How many were queued."""
    now = now or utcnow()
    settings = stored_settings() or unsaved_settings()
    if due_because(settings, backlog(), now) is None:
        return 0
    queued = 0
    readers = db.session.execute(
        sa.select(User.id, User.email).where(User.is_active, User.digest_opt_in).order_by(User.id)
    ).all()
    for user_id, email in readers:
        # Conditional: two workers checking at once queue one digest between them.
        claimed = db.session.execute(
            sa.update(User)
            .where(
                User.id == user_id,
                sa.or_(
                    User.digest_queued_at.is_(None), User.digest_queued_at <= now - DIGEST_EVERY
                ),
            )
            .values(digest_queued_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed and outbox.queue(
            MailKind.DIGEST,
            email,
            user_id=user_id,
            dedupe_key=f"digest:{user_id}:{int(now.timestamp())}",
            now=now,
        ):
            queued += 1
    db.session.commit()
    return queued


def waiting_comments(limit: int = DIGEST_ITEMS) -> list[tuple[Comment, Article]]:
    """The oldest pending comments with their articles, for a digest."""
    return [
        (comment, article)
        for comment, article in db.session.execute(
            sa.select(Comment, Article)
            .join(Article, Article.id == Comment.article_id)
            .where(Comment.status == CommentStatus.PENDING)
            .order_by(Comment.created_at, Comment.id)
            .limit(limit)
        ).all()
    ]
