"""The comment lifecycle: submitting, deciding, undoing, and the audit trail.

Every decision is one conditional UPDATE (`WHERE id = :id AND status = :expected`) plus one
ModerationEvent and the counters, in one transaction. When a colleague decided first the
update matches no row and the caller gets a conflict naming who won; nothing is
overwritten. No Flask request in here: views pass in what they know.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from newsroom.extensions import db
from newsroom.models import (
    Article,
    Comment,
    CommentStatus,
    CommentTally,
    ModerationEvent,
    User,
    utcnow,
)

PENDING, APPROVED, REJECTED, SPAM = (
    CommentStatus.PENDING,
    CommentStatus.APPROVED,
    CommentStatus.REJECTED,
    CommentStatus.SPAM,
)

# Decisions a moderator can take from each state. Nothing goes back to pending except
# by undoing the decision that took it out.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    PENDING: frozenset({APPROVED, REJECTED, SPAM}),
    APPROVED: frozenset({REJECTED, SPAM}),
    REJECTED: frozenset({APPROVED}),
    SPAM: frozenset({APPROVED}),
}

# What each decision is called in messages: "Approved", "already marked as spam by ...".
DECISION_LABELS = {
    PENDING: "Back to pending",
    APPROVED: "Approved",
    REJECTED: "Rejected",
    SPAM: "Marked as spam",
}

_LINK = re.compile(r"https?://|www\.", re.IGNORECASE)


def client_fingerprint(address: str | None, secret_key: str) -> str | None:
    """HMAC of the client address: comparable between comments, useless to anyone else."""
    if not address:
        return None
    digest = hmac.new(secret_key.encode(), address.encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def held_reasons_for(body: str, fingerprint: str | None) -> list[str]:
    """Why the system thinks a moderator should look closer (every comment is held anyway)."""
    reasons = []
    if _LINK.search(body):
        reasons.append("contains a link")
    if fingerprint is not None:
        seen_before = db.session.scalar(
            sa.select(Comment.id)
            .where(Comment.client_fingerprint == fingerprint, Comment.status == APPROVED)
            .limit(1)
        )
        if seen_before is None:
            reasons.append("first comment from this address")
    return reasons


def submit_comment(
    article: Article,
    *,
    author_name: str,
    author_email: str,
    body: str,
    fingerprint: str | None,
    is_spam: bool = False,
) -> Comment:
    """Store a reader's comment, held as pending (or as spam when a bot gave itself away)."""
    status = SPAM if is_spam else PENDING
    reasons = (
        ["filled the hidden honeypot field"] if is_spam else held_reasons_for(body, fingerprint)
    )
    comment = Comment(
        article_id=article.id,
        author_name=author_name.strip(),
        author_email=author_email.strip(),
        body=body.strip(),
        status=status,
        client_fingerprint=fingerprint,
        held_reasons="; ".join(reasons),
    )
    db.session.add(comment)
    _count(article.id, None, status)
    db.session.commit()
    return comment


@dataclass
class Decision:
    """What came of one decision: done, refused (not allowed), or lost to a colleague."""

    comment: Comment | None
    to_status: str
    from_status: str | None = None
    event: ModerationEvent | None = None
    # When someone else decided first: their event, so the UI can say who and when.
    winner: ModerationEvent | None = None
    error: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.event is not None


def decide(
    comment_id: int,
    to_status: str,
    actor: User,
    *,
    expected_status: str | None = None,
    note: str = "",
    commit: bool = True,
) -> Decision:
    """Move one comment to `to_status` if it is still in the state the moderator saw."""
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        return Decision(None, to_status, error="That comment no longer exists.")
    seen = expected_status or comment.status
    if seen not in ALLOWED_TRANSITIONS or to_status not in ALLOWED_TRANSITIONS[seen]:
        if seen != comment.status or comment.status == to_status:
            return _lost(comment, to_status, seen)
        return Decision(
            comment,
            to_status,
            from_status=seen,
            error=f"A {seen} comment can't be {DECISION_LABELS.get(to_status, to_status).lower()}.",
        )
    return _apply(comment, seen, to_status, actor, note, commit)


def decide_many(
    comment_ids: list[int], to_status: str, actor: User, *, note: str = ""
) -> list[Decision]:
    """A bulk decision: each comment on its own terms, one event each, one commit."""
    decisions = [
        decide(comment_id, to_status, actor, note=note, commit=False)
        for comment_id in dict.fromkeys(comment_ids)
    ]
    db.session.commit()
    return decisions


def undo(event_id: int, actor: User) -> Decision:
    """Reverse one decision, if the comment is still where that decision left it."""
    event = db.session.get(ModerationEvent, event_id)
    if event is None:
        return Decision(None, "", error="There is no such decision to undo.")
    comment = event.comment
    return _apply(comment, event.to_status, event.from_status, actor, f"undo of #{event.id}", True)


def _apply(
    comment: Comment, seen: str, to_status: str, actor: User, note: str, commit: bool
) -> Decision:
    now = utcnow()
    result = db.session.execute(
        sa.update(Comment)
        .where(Comment.id == comment.id, Comment.status == seen)
        .values(status=to_status)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        if commit:
            db.session.rollback()
        db.session.refresh(comment)
        return _lost(comment, to_status, seen)
    event = ModerationEvent(
        comment_id=comment.id,
        actor_id=actor.id,
        from_status=seen,
        to_status=to_status,
        at=now,
        note=note,
    )
    db.session.add(event)
    _count(comment.article_id, seen, to_status)
    if commit:
        db.session.commit()
    db.session.refresh(comment)
    return Decision(comment, to_status, from_status=seen, event=event)


def _lost(comment: Comment, to_status: str, seen: str) -> Decision:
    winner = latest_event(comment.id)
    who = winner.actor.display_name if winner and winner.actor else "someone else"
    label = DECISION_LABELS.get(comment.status, comment.status).lower()
    when = f" at {winner.at:%H:%M} UTC" if winner else ""
    return Decision(
        comment,
        to_status,
        from_status=seen,
        winner=winner,
        error=f"This comment was already {label} by {who}{when}. Nothing was changed.",
    )


def latest_event(comment_id: int) -> ModerationEvent | None:
    return db.session.scalar(
        sa.select(ModerationEvent)
        .where(ModerationEvent.comment_id == comment_id)
        .order_by(ModerationEvent.at.desc(), ModerationEvent.id.desc())
        .limit(1)
    )


def _count(article_id: int, from_status: str | None, to_status: str) -> None:
    """Keep the article's and the site's counters in step with one comment's move."""
    changes: dict[str, int] = {to_status: 1}
    if from_status is not None:
        changes[from_status] = changes.get(from_status, 0) - 1
    article_values: dict = {}
    if APPROVED in changes:
        article_values["approved_comment_count"] = (
            Article.approved_comment_count + changes[APPROVED]
        )
        # The cached public comment list is keyed by this: bump it in the same transaction.
        article_values["comments_version"] = Article.comments_version + 1
    if PENDING in changes:
        article_values["pending_comment_count"] = Article.pending_comment_count + changes[PENDING]
    if article_values:
        db.session.execute(
            sa.update(Article)
            .where(Article.id == article_id)
            .values(**article_values)
            .execution_options(synchronize_session=False)
        )
    for status, delta in changes.items():
        db.session.execute(
            sa.update(CommentTally)
            .where(CommentTally.status == status)
            .values(total=CommentTally.total + delta)
        )


def tally() -> dict[str, int]:
    """Comments per status, from the maintained counters (four rows, not a scan)."""
    totals = {status.value: 0 for status in CommentStatus}
    for status, total in db.session.execute(sa.select(CommentTally.status, CommentTally.total)):
        totals[status] = total
    return totals


def recount() -> None:
    """Rebuild every counter from the comments table (after bulk loads or repairs)."""
    db.session.execute(sa.update(Article).values(approved_comment_count=0, pending_comment_count=0))
    per_article = db.session.execute(
        sa.select(Comment.article_id, Comment.status, sa.func.count())
        .where(Comment.status.in_([APPROVED, PENDING]))
        .group_by(Comment.article_id, Comment.status)
    ).all()
    for article_id, status, total in per_article:
        column = "approved_comment_count" if status == APPROVED else "pending_comment_count"
        db.session.execute(
            sa.update(Article).where(Article.id == article_id).values({column: total})
        )
    db.session.execute(sa.update(Article).values(comments_version=Article.comments_version + 1))
    totals = dict(
        db.session.execute(
            sa.select(Comment.status, sa.func.count()).group_by(Comment.status)
        ).all()
    )
    for status in CommentStatus:
        row = db.session.get(CommentTally, status.value)
        if row is None:
            db.session.add(CommentTally(status=status.value, total=totals.get(status.value, 0)))
        else:
            row.total = totals.get(status.value, 0)
    db.session.commit()


def decided_at(event: ModerationEvent | None) -> datetime | None:
    return event.at if event else None
