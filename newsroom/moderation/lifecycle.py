"""The comment lifecycle: submitting, deciding, undoing, and the audit trail.

Every decision is one conditional UPDATE (`WHERE id = :id AND status = :expected`) plus one
ModerationEvent and the counters, in one transaction. When a colleague decided first the
update matches no row and the caller gets a conflict naming who won; nothing is
overwritten. No Flask request in here: views pass in what they know.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from dataclasses import dataclass
from typing import NamedTuple

import sqlalchemy as sa

from newsroom.extensions import db
from newsroom.models import (
    Article,
    Comment,
    CommentStatus,
    ModerationEvent,
    User,
    UTCDateTime,
    utcnow,
)
from newsroom.moderation.commenters import arrive
from newsroom.moderation.counters import count_move, count_removal
from newsroom.moderation.screening import screen

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


class Commentable(NamedTuple):
    """What posting a comment needs to know of its article."""

    id: int
    slug: str
    comments_open: bool


def find_commentable(slug: str) -> Commentable | None:
    """The public article at `slug`, as little of it as a comment POST needs (one lookup)."""
    row = db.session.connection().execute(_COMMENTABLE, {"slug": slug, "now": utcnow()}).first()
    return Commentable(*row) if row is not None else None


def submission_id(secret_key: str, form_token: str, fingerprint: str | None, *parts: object) -> str:
    """The identity of one submission of the comment form: the same when the same reader
    (fingerprint) sends the same form (its token) with the same comment (`parts`: the
    article and what the reader wrote) again, as a browser does when the answer to the first
    was lost. Derived, so the form needs no per-reader value and every reader can be sent
    the same page; an HMAC, so nobody can make another reader's submission collide."""
    message = "\0".join(map(str, (form_token, fingerprint or "", *parts)))
    return hmac.new(secret_key.encode(), message.encode(), hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True)
class Submitted:
    """A stored comment, as the reader's answer needs it. `repeated`: the same submission
    had been stored before, and nothing new was."""

    id: int
    status: str
    repeated: bool = False


def submit_comment(
    article_id: int,
    *,
    author_name: str,
    author_email: str,
    body: str,
    fingerprint: str | None,
    is_spam: bool = False,
    submission_id: str | None = None,
) -> Submitted:
    """Store a reader's comment as screening decides (held as pending; spam when a bot gave
    itself away; rejected by the rules for a banned commenter), its commenter made known
    and their fingerprint linked, in one transaction.

    `submission_id` (see submission_id(); None: no repeats are recognised) is the same for
    a POST sent again: it stores nothing and gets the first comment back, marked
    `repeated`, also when both arrive at once, as the unique index lets only one in. The
    insert comes first and the lookup only when it is refused: a new comment costs no
    query more than it did without the id.
    """
    now = utcnow()
    body = body.strip()
    commenter = arrive(author_email, fingerprint, now)
    screening = screen(body, commenter, is_spam=is_spam, now=now)
    status = screening.status
    comment = {
        "article_id": article_id,
        "author_name": author_name.strip(),
        "author_email": author_email.strip(),
        "body": body,
        "status": status,
        "created_at": now,
        "client_fingerprint": fingerprint,
        "held_reasons": "; ".join(screening.reasons),
        "submission_id": submission_id,
        "commenter_id": commenter.commenter_id,
    }
    try:
        result = db.session.connection().execute(_INSERT_COMMENT, comment)
    except sa.exc.IntegrityError:
        db.session.rollback()
        first = _submitted_before(submission_id) if submission_id is not None else None
        if first is None:
            raise  # not the submission id's refusal (the article was deleted meanwhile)
        return Submitted(first.id, first.status, repeated=True)
    submitted = Submitted(result.inserted_primary_key[0], status)
    if screening.rule is not None:
        # Decided by the rules, not held: the audit trail says which rule, and a moderator
        # can overturn it like any decision.
        db.session.connection().execute(
            _RULED,
            {
                "comment_id": submitted.id,
                "from_status": PENDING,
                "to_status": status,
                "at": now,
                "note": "",
                "rule": screening.rule,
            },
        )
    count_move(article_id, None, status, commenter.commenter_id)
    db.session.commit()
    return submitted


def _submitted_before(submission_id: str) -> sa.Row | None:
    row = db.session.connection().execute(_BY_SUBMISSION, {"submission_id": submission_id})
    first = row.first()
    db.session.commit()
    return first


def remove_comments(which: sa.ColumnElement[bool]) -> Counter[tuple[int, int | None, str]]:
    """Delete for good the comments `which` selects, with their moderation trail, and keep
    the counters in step (in the caller's transaction). Replies to them stay, answering
    nothing any more. Returns how many went, per (article id, commenter id, status they
    had as they went: a decision may come between a read and the delete)."""
    chosen = sa.select(Comment.id).where(which)
    db.session.execute(
        sa.delete(ModerationEvent)
        .where(ModerationEvent.comment_id.in_(chosen))
        .execution_options(synchronize_session=False)
    )
    # As ON DELETE SET NULL would, whichever order the rows go in.
    db.session.execute(
        sa.update(Comment)
        .where(Comment.parent_id.in_(chosen))
        .values(parent_id=None)
        .execution_options(synchronize_session=False)
    )
    gone = db.session.execute(
        sa.delete(Comment)
        .where(which)
        .returning(Comment.article_id, Comment.commenter_id, Comment.status)
        .execution_options(synchronize_session=False)
    )
    removed = Counter(tuple(row) for row in gone)
    count_removal(removed)
    return removed


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

    @property
    def ok(self) -> bool:
        return self.event is not None

    @property
    def kept(self) -> bool:
        """A Keep (reports.py): the reports were dismissed, the status stayed."""
        return self.event is not None and self.event.from_status == self.event.to_status


def decide(
    comment_id: int,
    to_status: str,
    actor: User,
    *,
    expected_status: str | None = None,
    note: str = "",
    reason: str = "",
    commit: bool = True,
) -> Decision:
    """Move one comment to `to_status` if it is still in the state the moderator saw;
    `reason` is the rejection reason picked (its words), kept on the event."""
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        return Decision(None, to_status, error="That comment no longer exists.")
    seen = expected_status or comment.status
    if seen not in ALLOWED_TRANSITIONS or to_status not in ALLOWED_TRANSITIONS[seen]:
        if seen != comment.status or comment.status == to_status:
            return lost(comment, to_status, seen)
        return Decision(
            comment,
            to_status,
            from_status=seen,
            error=f"A {seen} comment can't be {DECISION_LABELS.get(to_status, to_status).lower()}.",
        )
    return _apply(comment, seen, to_status, actor, note, commit, reason)


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
    if event.from_status == event.to_status:
        # A Keep (reports.py): its reports were dismissed, and no status moved to go back.
        return Decision(comment, "", error="Keeping a reported comment can't be undone.")
    return _apply(comment, event.to_status, event.from_status, actor, f"undo of #{event.id}", True)


def _apply(
    comment: Comment,
    seen: str,
    to_status: str,
    actor: User,
    note: str,
    commit: bool,
    reason: str = "",
) -> Decision:
    now = utcnow()
    result = db.session.connection().execute(
        _MOVE, {"comment_id": comment.id, "seen": seen, "to_status": to_status}
    )
    if result.rowcount != 1:
        if commit:
            db.session.rollback()
        db.session.refresh(comment)
        return lost(comment, to_status, seen)
    event = ModerationEvent(
        comment_id=comment.id,
        actor_id=actor.id,
        from_status=seen,
        to_status=to_status,
        at=now,
        note=note,
        reason=reason,
    )
    db.session.add(event)
    count_move(comment.article_id, seen, to_status, comment.commenter_id)
    if commit:
        _commit_keeping_loaded()
    # The UPDATE went around the ORM: the loaded comment learns its new state here.
    sa.orm.attributes.set_committed_value(comment, "status", to_status)
    sa.orm.attributes.set_committed_value(comment, "open_reports", 0)
    sa.orm.attributes.set_committed_value(comment, "hidden_by_reports", False)
    return Decision(comment, to_status, from_status=seen, event=event)


def _commit_keeping_loaded() -> None:
    """Commit without expiring what the session loaded. The answer shows just the comment and
    the event, both known; reloading them would cost two queries on the moderators' busiest
    path."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


# How a comment's state reads after "This comment was already ...".
PAST_TENSE = {
    PENDING: "returned to pending",
    APPROVED: "approved",
    REJECTED: "rejected",
    SPAM: "marked as spam",
}


def lost(comment: Comment, to_status: str, seen: str) -> Decision:
    """Someone got there first (or nothing needs doing): say who and when, change nothing."""
    winner = latest_event(comment.id)
    state = PAST_TENSE[comment.status]
    if winner is None:
        error = f"This comment is already {comment.status}. Nothing was changed."
    else:
        who = winner.decided_by
        error = f"This comment was already {state} by {who} at {winner.at:%H:%M} UTC. "
        error += "Nothing was changed."
    return Decision(comment, to_status, from_status=seen, winner=winner, error=error)


def latest_event(comment_id: int) -> ModerationEvent | None:
    return db.session.scalar(
        sa.select(ModerationEvent)
        .where(ModerationEvent.comment_id == comment_id)
        .order_by(ModerationEvent.at.desc(), ModerationEvent.id.desc())
        .limit(1)
    )


# Built once: a decision runs these inside the write lock, where every millisecond spent
# building statements holds up the next moderator's decision; a reader's comment, too.
_comments = Comment.__table__
_COMMENTABLE = sa.select(Article.id, Article.slug, Article.comments_open).where(
    Article.slug == sa.bindparam("slug"),
    Article.public_filter(sa.bindparam("now", type_=UTCDateTime)),
)
_INSERT_COMMENT = sa.insert(_comments)
_RULED = sa.insert(ModerationEvent.__table__)
# Bounded by ix_comments_submission_id (unique); run only when a submission comes again.
_BY_SUBMISSION = sa.select(_comments.c.id, _comments.c.status).where(
    _comments.c.submission_id == sa.bindparam("submission_id")
)
_MOVE = (
    sa.update(_comments)
    .where(_comments.c.id == sa.bindparam("comment_id"), _comments.c.status == sa.bindparam("seen"))
    # A decision answers the comment's open reports too (reports.py): they are closed, and
    # the next report begins a new round.
    .values(
        status=sa.bindparam("to_status"),
        open_reports=0,
        hidden_by_reports=False,
        report_round=_comments.c.report_round + 1,
    )
)
