"""The comment lifecycle: deciding, undoing, deleting for good, and the audit trail
(submitting is submission.py's).

A comment's state is its status, or "unreviewed": approved by the policy "publish then
review" and still waiting for a moderator (the comments.unreviewed flag; Comment.state).
Reviewing it is a decision like any other: approve keeps it, reject or spam take it down.

Every decision is one conditional UPDATE (`WHERE id = :id AND status = :expected`) plus one
ModerationEvent and the counters, in one transaction, with the e-mail a publication owes
its commenters (mail/notices.py) queued in the same one; on PostgreSQL the three are one
statement (_DECIDED). When a colleague decided first the update matches no row and the
caller gets a conflict naming who won; nothing is overwritten. No Flask request in here:
views pass in what they know.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import sqlalchemy as sa

from newsroom.content import clock_time
from newsroom.extensions import db
from newsroom.mail import notices
from newsroom.models import (
    UNREVIEWED,
    Comment,
    CommentEdit,
    CommentStatus,
    EventAction,
    ModerationEvent,
    User,
    utcnow,
)
from newsroom.moderation import counters
from newsroom.moderation.counters import count_removal
from newsroom.plainsql import PlainAdd, PlainGet, PlainStatement, adopt

PENDING, APPROVED, REJECTED, SPAM = (
    CommentStatus.PENDING,
    CommentStatus.APPROVED,
    CommentStatus.REJECTED,
    CommentStatus.SPAM,
)

# Decisions a moderator can take from each state. Any decided comment can go back to
# pending, to be decided again (by someone else, say): a decision like the others, audited
# and undoable. Nothing goes back to unreviewed except by undoing the decision that took
# it out.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    PENDING: frozenset({APPROVED, REJECTED, SPAM}),
    # Reviewing a comment published at once: approve keeps it, reject or spam take it down.
    UNREVIEWED: frozenset({APPROVED, REJECTED, SPAM}),
    APPROVED: frozenset({PENDING, REJECTED, SPAM}),
    REJECTED: frozenset({PENDING, APPROVED}),
    SPAM: frozenset({PENDING, APPROVED}),
}

# The most comments one bulk decision, or one undo of a batch, takes: a page or two of the
# queue, with room to spare; more is no moderator's selection.
BATCH_MAX = 500

# What each decision is called in messages: "Approved", "already marked as spam by ...".
DECISION_LABELS = {
    PENDING: "Back to pending",
    UNREVIEWED: "Published, unreviewed",
    APPROVED: "Approved",
    REJECTED: "Rejected",
    SPAM: "Marked as spam",
}


# A comment's limits, whoever writes it: a reader, or a moderator editing or replying.
NAME_MAX = 80
BODY_MAX = 5000


def stored_as(state: str) -> tuple[str, bool]:
    """The status and the unreviewed flag a state is stored as."""
    return (APPROVED, True) if state == UNREVIEWED else (state, False)


def remove_comments(which: sa.ColumnElement[bool]) -> Counter[tuple[int, int | None, str]]:
    """Delete for good the comments `which` selects, with their moderation trail, and keep
    the counters in step (in the caller's transaction). Replies to them stay, answering
    nothing any more. Returns how many went, per (article id, commenter id, state they
    had as they went, a status or "unreviewed": a decision may come between a read and the
    delete)."""
    chosen = sa.select(Comment.id).where(which)
    # Their edits first: the earlier texts go with the comment, and refer to its events.
    db.session.execute(
        sa.delete(CommentEdit)
        .where(CommentEdit.comment_id.in_(chosen))
        .execution_options(synchronize_session=False)
    )
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
        .returning(Comment.article_id, Comment.commenter_id, Comment.status, Comment.unreviewed)
        .execution_options(synchronize_session=False)
    )
    removed = Counter(
        (article_id, commenter_id, UNREVIEWED if unreviewed else status)
        for article_id, commenter_id, status, unreviewed in gone
    )
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


# A moderator's busiest path: the comment read plainly (plainsql.py), not by the ORM's load.
_comment = PlainGet(Comment)


def decide(
    comment_id: int,
    to_status: str,
    actor: User,
    *,
    expected_status: str | None = None,
    note: str = "",
    reason: str = "",
    commit: bool = True,
    zone: str = "UTC",
) -> Decision:
    """Move one comment to `to_status` if it is still in the state the moderator saw.
    `zone`: the site's clock, for the time a conflict message names; `reason`: the
    rejection reason picked (its words), kept on the event."""
    if _allowed(expected_status, to_status):
        # The move itself tells whether the comment is still where the moderator saw it.
        return _apply(comment_id, expected_status, to_status, actor, note, commit, zone, reason)
    comment = _comment(db.session(), comment_id)
    if comment is None:
        return Decision(None, to_status, error="That comment no longer exists.")
    seen = expected_status or comment.state
    if not _allowed(seen, to_status):
        if seen != comment.state or comment.state == to_status:
            return lost(comment, to_status, seen, zone)
        return Decision(
            comment,
            to_status,
            from_status=seen,
            error=f"A {seen} comment can't be {DECISION_LABELS.get(to_status, to_status).lower()}.",
        )
    return _apply(comment.id, seen, to_status, actor, note, commit, zone, reason)


def _allowed(seen: str | None, to_status: str) -> bool:
    return seen in ALLOWED_TRANSITIONS and to_status in ALLOWED_TRANSITIONS[seen]


def decide_many(
    comment_ids: list[int], to_status: str, actor: User, *, note: str = "", zone: str = "UTC"
) -> list[Decision]:
    """A bulk decision: each comment on its own terms, one event each, one commit."""
    decisions = [
        decide(comment_id, to_status, actor, note=note, commit=False, zone=zone)
        for comment_id in list(dict.fromkeys(comment_ids))[:BATCH_MAX]
    ]
    db.session.commit()
    return decisions


def undo(event_id: int, actor: User, *, zone: str = "UTC") -> Decision:
    """Reverse one decision, if the comment is still where that decision left it."""
    event = db.session.get(ModerationEvent, event_id)
    if event is None or event.comment is None:
        return Decision(None, "", error="There is no such decision to undo.")
    comment = event.comment
    if event.action != EventAction.DECISION:
        # An edit has its own undo (editing.py); a reply is withdrawn by rejecting it.
        return Decision(
            comment, "", error="That was not a decision: there is nothing here to undo."
        )
    if event.from_status == event.to_status:
        # A Keep (reports.py): its reports were dismissed, and no status moved to go back.
        return Decision(comment, "", error="Keeping a reported comment can't be undone.")
    return _undo_event(event, actor, zone, commit=True)


def undo_many(event_ids: list[int], actor: User, *, zone: str = "UTC") -> list[Decision]:
    """Undo a batch (a bulk decision's events): each decision reversed on its own terms, as
    undo() would (a comment a colleague has moved since is left where it is, with who and
    when), one event each, one commit. Ids of no decision are passed over."""
    chosen = list(dict.fromkeys(event_ids))[:BATCH_MAX]
    events = db.session.scalars(
        sa.select(ModerationEvent)
        .where(
            ModerationEvent.id.in_(chosen),
            # Only decisions: an edit has its own undo, a reply or a deletion none.
            ModerationEvent.action == EventAction.DECISION,
            ModerationEvent.comment_id.is_not(None),
            # Nor a Keep of a reported comment: no status moved.
            ModerationEvent.from_status != ModerationEvent.to_status,
        )
        .options(
            sa.orm.joinedload(ModerationEvent.comment).options(
                sa.orm.joinedload(Comment.article), sa.orm.joinedload(Comment.commenter)
            )
        )
    ).all()
    by_id = {event.id: event for event in events}
    decisions = [
        _undo_event(by_id[event_id], actor, zone, commit=False)
        for event_id in chosen
        if event_id in by_id
    ]
    _commit_keeping_loaded()
    return decisions


def _undo_event(event: ModerationEvent, actor: User, zone: str, commit: bool) -> Decision:
    note = f"undo of #{event.id}"
    return _apply(event.comment_id, event.to_status, event.from_status, actor, note, commit, zone)


def _apply(
    comment_id: int,
    seen: str,
    to_status: str,
    actor: User,
    note: str,
    commit: bool,
    zone: str = "UTC",
    reason: str = "",
) -> Decision:
    """Move the comment from `seen` to `to_status`, with its event and its counters, if it
    is still where it was seen. The move gives the comment back whole: no read before it."""
    now = utcnow()
    seen_status, seen_unreviewed = stored_as(seen)
    new_status, new_unreviewed = stored_as(to_status)
    move = counters.move_of(
        seen_status, new_status, review=int(new_unreviewed) - int(seen_unreviewed)
    )
    session = db.session()
    moving = {
        "comment_id": comment_id,
        "seen": seen_status,
        "seen_unreviewed": seen_unreviewed,
        "to_status": new_status,
        "to_unreviewed": new_unreviewed,
    }
    event_values = {"actor_id": actor.id, "from_status": seen, "to_status": to_status}
    event_values |= {"at": now, "note": note, "reason": reason}
    if _at_once(session):
        row = _DECIDED.run(
            session.connection(),
            **moving,
            **{f"event_{name}": value for name, value in event_values.items()},
            **counters.move_values(move, now),
        )
        if row is None:
            return _not_moved(comment_id, to_status, seen, zone, commit)
        comment = adopt(session, Comment, row[:_COMMENT_WIDTH])
        event = adopt(session, ModerationEvent, row[_COMMENT_WIDTH:])
        counters.moved_article(comment.article_id, move)
    else:
        row = _MOVE.run(session.connection(), **moving)
        if row is None:
            return _not_moved(comment_id, to_status, seen, zone, commit)
        comment = adopt(session, Comment, row)
        event = _add_event(session, comment_id=comment_id, **event_values)
        counters.count_moved(comment_id, comment.article_id, comment.commenter_id, move)
    if new_status == APPROVED and seen_status != APPROVED:
        # Readers see it from this commit on: its author hears of it in the same one.
        notices.comment_published(comment)
    if commit:
        _commit_keeping_loaded()
    return Decision(comment, to_status, from_status=seen, event=event)


def _not_moved(comment_id: int, to_status: str, seen: str, zone: str, commit: bool) -> Decision:
    """The comment was not where the moderator saw it, or is gone: say why, change nothing."""
    if commit:
        db.session.rollback()
    # As it is now, not as the session may have loaded it before.
    comment = db.session.get(Comment, comment_id, populate_existing=True)
    if comment is None:
        return Decision(None, to_status, error="That comment no longer exists.")
    return lost(comment, to_status, seen, zone)


def _at_once(session: sa.orm.Session) -> bool:
    """Whether a decision is one statement here (_DECIDED: PostgreSQL) rather than several."""
    return session.get_bind().dialect.name == "postgresql"


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
    UNREVIEWED: "returned to the unreviewed",
    APPROVED: "approved",
    REJECTED: "rejected",
    SPAM: "marked as spam",
}


def lost(comment: Comment, to_status: str, seen: str, zone: str) -> Decision:
    """Someone got there first (or nothing needs doing): say who and when, change nothing."""
    winner = latest_event(comment.id)
    state = PAST_TENSE[comment.state]
    if winner is None:
        error = f"This comment is already {PAST_TENSE[comment.state]}. Nothing was changed."
    else:
        who = winner.decided_by
        error = f"This comment was already {state} by {who} at {clock_time(winner.at, zone)}. "
        error += "Nothing was changed."
    return Decision(comment, to_status, from_status=seen, winner=winner, error=error)


def already_decided(comment: Comment, zone: str = "UTC") -> str:
    """What a moderator who saw the comment pending is told once it no longer is: who
    decided, and when ("already approved by Ana at 10:42 UTC")."""
    return lost(comment, comment.state, PENDING, zone).error or ""


def latest_event(comment_id: int) -> ModerationEvent | None:
    """The latest event that moved the comment's status (an edit moves none)."""
    return db.session.scalar(
        sa.select(ModerationEvent)
        .where(
            ModerationEvent.comment_id == comment_id,
            ModerationEvent.action != EventAction.EDIT,
        )
        .order_by(ModerationEvent.at.desc(), ModerationEvent.id.desc())
        .limit(1)
    )


# Built once: a decision runs these inside the write lock, where every millisecond spent
# building statements holds up the next moderator's decision; a reader's comment, too.
_comments, _events = Comment.__table__, ModerationEvent.__table__
_MOVING = ("comment_id", "seen", "seen_unreviewed", "to_status", "to_unreviewed")
_move = (
    sa.update(_comments)
    .where(
        _comments.c.id == sa.bindparam("comment_id"),
        _comments.c.status == sa.bindparam("seen"),
        _comments.c.unreviewed == sa.bindparam("seen_unreviewed"),
    )
    # A decision answers the comment's open reports too (reports.py): they are closed, and
    # the next report begins a new round.
    .values(
        status=sa.bindparam("to_status"),
        unreviewed=sa.bindparam("to_unreviewed"),
        open_reports=0,
        hidden_by_reports=False,
        report_round=_comments.c.report_round + 1,
    )
)
# SQLite: the move (the comment given back whole; no row: it was not where the moderator
# saw it) and its event run plainly (plainsql.py), then the counters (count_moved).
_MOVE = PlainStatement(_move.returning(*_comments.c), _MOVING)
_add_event = PlainAdd(ModerationEvent)

# PostgreSQL: the move, its event and the counters in one statement, the comment and the
# event given back whole (no row: the comment was not where the moderator saw it). A
# decision is a moderator's busiest path, and each round trip a wake-up of the server's
# process and of the worker: this one replaces the comment's read, the move, the event and
# the counters' two or three (five where it was eight with BEGIN and COMMIT, with the
# account's and settings' reads and the queue's state the rest of the request).
_EVENT_VALUES = ("actor_id", "from_status", "to_status", "at", "note", "reason")
_moved = _move.returning(*_comments.c).cte("moved")
_event = (
    sa.insert(_events)
    .from_select(
        ["comment_id", "action", "rule", *_EVENT_VALUES],
        sa.select(
            _moved.c.id,
            sa.literal(EventAction.DECISION.value, sa.String),
            sa.null(),
            # Named apart from the columns: a parameter named like one is taken for a value
            # to set there too.
            *(sa.bindparam(f"event_{name}", type_=_events.c[name].type) for name in _EVENT_VALUES),
        ),
    )
    .returning(*_events.c)
    .cte("event")
)
_DECIDED = PlainStatement(
    sa.select(_moved, _event).add_cte(counters.counted_with(_moved)),
    (*_MOVING, *(f"event_{name}" for name in _EVENT_VALUES), *counters.COUNTED_WITH),
)
_COMMENT_WIDTH = len(_comments.c)
