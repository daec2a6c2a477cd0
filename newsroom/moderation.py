"""The comment lifecycle: submitting, deciding, undoing, and the audit trail.

Every decision is one conditional UPDATE (`WHERE id = :id AND status = :expected`) plus one
ModerationEvent and the counters, in one transaction. When a colleague decided first the
update matches no row and the caller gets a conflict naming who won; nothing is
overwritten. No Flask request in here: views pass in what they know.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import sqlalchemy as sa

from newsroom.extensions import db
from newsroom.models import (
    Article,
    Comment,
    CommentStatus,
    CommentTally,
    ModerationEvent,
    User,
    UTCDateTime,
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
        seen_before = (
            db.session.connection().execute(_APPROVED_FROM, {"fingerprint": fingerprint}).first()
        )
        if seen_before is None:
            reasons.append("first comment from this address")
    return reasons


class Commentable(NamedTuple):
    """What posting a comment needs to know of its article."""

    id: int
    slug: str
    comments_open: bool


def find_commentable(slug: str) -> Commentable | None:
    """The public article at `slug`, as little of it as a comment POST needs (one lookup)."""
    row = db.session.connection().execute(_COMMENTABLE, {"slug": slug, "now": utcnow()}).first()
    return Commentable(*row) if row is not None else None


@dataclass(frozen=True)
class Submitted:
    """A stored comment, as the reader's answer needs it."""

    id: int
    status: str


def submit_comment(
    article_id: int,
    *,
    author_name: str,
    author_email: str,
    body: str,
    fingerprint: str | None,
    is_spam: bool = False,
) -> Submitted:
    """Store a reader's comment, held as pending (or as spam when a bot gave itself away)."""
    status = SPAM if is_spam else PENDING
    body = body.strip()
    reasons = (
        ["filled the hidden honeypot field"] if is_spam else held_reasons_for(body, fingerprint)
    )
    result = db.session.connection().execute(
        _INSERT_COMMENT,
        {
            "article_id": article_id,
            "author_name": author_name.strip(),
            "author_email": author_email.strip(),
            "body": body,
            "status": status,
            "created_at": utcnow(),
            "client_fingerprint": fingerprint,
            "held_reasons": "; ".join(reasons),
        },
    )
    submitted = Submitted(result.inserted_primary_key[0], status)
    _count(article_id, None, status)
    db.session.commit()
    return submitted


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
    result = db.session.connection().execute(
        _MOVE, {"comment_id": comment.id, "seen": seen, "to_status": to_status}
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
        _commit_keeping_loaded()
    # The UPDATE went around the ORM: the loaded comment learns its new state here.
    sa.orm.attributes.set_committed_value(comment, "status", to_status)
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


def _lost(comment: Comment, to_status: str, seen: str) -> Decision:
    """Someone got there first (or nothing needs doing): say who and when, change nothing."""
    winner = latest_event(comment.id)
    state = PAST_TENSE[comment.status]
    if winner is None:
        error = f"This comment is already {comment.status}. Nothing was changed."
    else:
        who = winner.actor.display_name if winner.actor else "a former colleague"
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
_comments, _articles, _tallies = Comment.__table__, Article.__table__, CommentTally.__table__
_COMMENTABLE = sa.select(Article.id, Article.slug, Article.comments_open).where(
    Article.slug == sa.bindparam("slug"),
    Article.public_filter(sa.bindparam("now", type_=UTCDateTime)),
)
# Bounded by ix_comments_client_fingerprint_status (tests/test_query_plans.py).
_APPROVED_FROM = (
    sa.select(_comments.c.id)
    .where(
        _comments.c.client_fingerprint == sa.bindparam("fingerprint"),
        _comments.c.status == APPROVED,
    )
    .limit(1)
)
_INSERT_COMMENT = sa.insert(_comments)
_MOVE = (
    sa.update(_comments)
    .where(_comments.c.id == sa.bindparam("comment_id"), _comments.c.status == sa.bindparam("seen"))
    .values(status=sa.bindparam("to_status"))
)
_COUNT_ON_ARTICLE = (
    sa.update(_articles)
    .where(_articles.c.id == sa.bindparam("article_id"))
    .values(
        approved_comment_count=_articles.c.approved_comment_count + sa.bindparam("approved"),
        pending_comment_count=_articles.c.pending_comment_count + sa.bindparam("pending"),
        # The cached public comment list is keyed by this: bumped in the same transaction.
        comments_version=_articles.c.comments_version + sa.bindparam("list_changed"),
        # A comment's move is not an edit of the article: updated_at stays as it was.
        updated_at=_articles.c.updated_at,
    )
)
_COUNT_ON_SITE = (
    sa.update(_tallies)
    .where(_tallies.c.status.in_([sa.bindparam("to_status"), sa.bindparam("from_status")]))
    .values(
        total=_tallies.c.total
        + sa.case(
            (_tallies.c.status == sa.bindparam("to_status"), 1),
            else_=-1,
        )
    )
)


def _count(article_id: int, from_status: str | None, to_status: str) -> None:
    """Keep the article's and the site's counters in step with one comment's move."""
    changes: dict[str, int] = {to_status: 1}
    if from_status is not None:
        changes[from_status] = changes.get(from_status, 0) - 1
    approved, pending = changes.get(APPROVED, 0), changes.get(PENDING, 0)
    connection = db.session.connection()
    if approved or pending:
        connection.execute(
            _COUNT_ON_ARTICLE,
            {
                "article_id": article_id,
                "approved": approved,
                "pending": pending,
                "list_changed": 1 if approved else 0,
            },
        )
    if from_status != to_status:
        # `from_status` None (a new comment) matches no row: only to_status gains one.
        connection.execute(_COUNT_ON_SITE, {"to_status": to_status, "from_status": from_status})


def tally() -> dict[str, int]:
    """Comments per status, from the maintained counters (four rows, not a scan)."""
    totals = {status.value: 0 for status in CommentStatus}
    for status, total in db.session.execute(sa.select(CommentTally.status, CommentTally.total)):
        totals[status] = total
    return totals


def recount() -> None:
    """Rebuild every counter from the comments table (after bulk loads or repairs)."""
    # Counting is not editing: every update here keeps updated_at as it was.
    unchanged = {"updated_at": Article.updated_at}
    db.session.execute(
        sa.update(Article).values(approved_comment_count=0, pending_comment_count=0, **unchanged)
    )
    per_article = db.session.execute(
        sa.select(Comment.article_id, Comment.status, sa.func.count())
        .where(Comment.status.in_([APPROVED, PENDING]))
        .group_by(Comment.article_id, Comment.status)
    ).all()
    for article_id, status, total in per_article:
        column = "approved_comment_count" if status == APPROVED else "pending_comment_count"
        db.session.execute(
            sa.update(Article).where(Article.id == article_id).values({column: total, **unchanged})
        )
    db.session.execute(
        sa.update(Article).values(comments_version=Article.comments_version + 1, **unchanged)
    )
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


# --- Reading the queue and the audit trail ---------------------------------------------

QUEUE_PAGE_SIZE = 25
HISTORY_PAGE_SIZE = 50


@dataclass(frozen=True)
class QueueFilter:
    """What a moderator is looking at: one tab, optionally narrowed. Travels in URLs."""

    status: str = PENDING
    section_id: int | None = None
    article_id: int | None = None
    search: str = ""

    @property
    def oldest_first(self) -> bool:
        # Pending is a queue: the oldest waits longest. The other tabs are archives.
        return self.status == PENDING

    def with_status(self, status: str) -> QueueFilter:
        return replace(self, status=status)

    def as_args(self) -> dict[str, str | int]:
        """The filter as query arguments, leaving out defaults so URLs stay short."""
        args: dict[str, str | int] = {}
        if self.status != PENDING:
            args["status"] = self.status
        if self.section_id:
            args["section"] = self.section_id
        if self.article_id:
            args["article"] = self.article_id
        if self.search:
            args["q"] = self.search
        return args


def queue_filter_from(args) -> QueueFilter:
    """Read a QueueFilter from request args or form data; anything odd falls back to defaults."""

    def number(name: str) -> int | None:
        value = (args.get(name) or "").strip()
        return int(value) if value.isdigit() and len(value) < 12 else None

    status = args.get("status") or PENDING
    return QueueFilter(
        status=status if status in ALLOWED_TRANSITIONS else PENDING,
        section_id=number("section"),
        article_id=number("article"),
        search=(args.get("q") or "").strip()[:200],
    )


# A keyset cursor is "<microseconds since the epoch>_<comment id>": two integers, exact
# (a float timestamp can round a microsecond away) and easy to bound.
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_LATEST = datetime(9999, 12, 31, tzinfo=UTC)
_BIGGEST_ID = 2**63 - 1  # SQLite's and PostgreSQL's (bigint) integers


def encode_cursor(comment: Comment) -> str:
    return f"{(comment.created_at - _EPOCH) // _MICROSECOND}_{comment.id}"


def decode_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    """The position a cursor names, or None for anything a cursor can't be (from a URL)."""
    stamp, _, comment_id = (cursor or "").partition("_")
    if not (stamp.isdecimal() and comment_id.isdecimal()) or max(len(stamp), len(comment_id)) > 19:
        return None
    micros, number = int(stamp), int(comment_id)
    if micros > (_LATEST - _EPOCH) // _MICROSECOND or number > _BIGGEST_ID:
        return None
    return _EPOCH + micros * _MICROSECOND, number


def queue_page(
    queue: QueueFilter, cursor: str | None = None, size: int = QUEUE_PAGE_SIZE
) -> tuple[list[Comment], str | None]:
    """One page of the queue and the cursor for the next, by keyset (no OFFSET scans)."""
    position = decode_cursor(cursor)
    query = _queue_query(
        queue.oldest_first,
        bool(queue.article_id),
        bool(queue.section_id),
        bool(queue.search),
        position is not None,
    )
    parameters = {
        "status": queue.status,
        "article_id": queue.article_id,
        "section_id": queue.section_id,
        "pattern": f"%{_escape_like(queue.search)}%",
        "after_at": position[0] if position else None,
        "after_id": position[1] if position else None,
        "size": size + 1,
    }
    rows = db.session.scalars(query, parameters).all()
    next_cursor = encode_cursor(rows[size - 1]) if len(rows) > size else None
    return list(rows[:size]), next_cursor


@functools.cache
def _queue_query(
    oldest_first: bool, by_article: bool, by_section: bool, by_search: bool, after: bool
) -> sa.Select:
    """The queue's statement for one combination of filters, built once: building it took
    a third of the time SQLite needs to answer it."""
    query = (
        sa.select(Comment)
        .where(Comment.status == sa.bindparam("status"))
        # A row shows its article's title and address, not its body: leave those kilobytes.
        .options(
            sa.orm.joinedload(Comment.article, innerjoin=True).load_only(
                Article.slug, Article.title, Article.status, Article.published_at
            )
        )
        .limit(sa.bindparam("size"))
    )
    if by_article:
        query = query.where(Comment.article_id == sa.bindparam("article_id"))
    if by_section:
        query = query.where(
            Comment.article_id.in_(
                sa.select(Article.id).where(Article.section_id == sa.bindparam("section_id"))
            )
        )
    if by_search:
        pattern = sa.bindparam("pattern")
        query = query.where(
            sa.or_(
                Comment.body.ilike(pattern, escape="\\"),
                Comment.author_name.ilike(pattern, escape="\\"),
                Comment.author_email.ilike(pattern, escape="\\"),
            )
        )
    key = sa.tuple_(Comment.created_at, Comment.id)
    cursor = sa.tuple_(sa.bindparam("after_at", type_=UTCDateTime), sa.bindparam("after_id"))
    if oldest_first:
        if after:
            query = query.where(key > cursor)
        return query.order_by(Comment.created_at, Comment.id)
    if after:
        query = query.where(key < cursor)
    return query.order_by(Comment.created_at.desc(), Comment.id.desc())


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def pending_newer_than(comment_id: int) -> int:
    """How many comments arrived since the queue was drawn: a primary-key range, cheap.

    The status is a FILTER, not a WHERE: given `status = 'pending'` to match, SQLite walks
    every pending comment in the status index instead of the few newest ids."""
    return db.session.scalar(
        sa.select(sa.func.count().filter(Comment.status == PENDING))
        .select_from(Comment)
        .where(Comment.id > comment_id)
    )


def newest_comment_id() -> int:
    return db.session.scalar(sa.select(sa.func.max(Comment.id))) or 0


def history_page(
    *,
    actor_id: int | None = None,
    to_status: str | None = None,
    comment_id: int | None = None,
    before: int | None = None,
    size: int = HISTORY_PAGE_SIZE,
) -> tuple[list[ModerationEvent], int | None]:
    """Decisions, newest first; `before` is the last event id of the previous page."""
    query = sa.select(ModerationEvent).options(
        sa.orm.joinedload(ModerationEvent.actor),
        sa.orm.joinedload(ModerationEvent.comment).joinedload(Comment.article),
    )
    if actor_id:
        query = query.where(ModerationEvent.actor_id == actor_id)
    if to_status:
        query = query.where(ModerationEvent.to_status == to_status)
    if comment_id:
        query = query.where(ModerationEvent.comment_id == comment_id)
    if before:
        query = query.where(ModerationEvent.id < before)
    events = db.session.scalars(query.order_by(ModerationEvent.id.desc()).limit(size + 1)).all()
    more = events[size - 1].id if len(events) > size else None
    return list(events[:size]), more
