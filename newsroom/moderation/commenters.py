"""Commenters: readers known by their normalized e-mail address, the fingerprints they
posted from, and the standing moderators give them (trusted, watched, banned).

What a new comment needs to know of its commenter (their standing and counts, whether a
banned commenter used the fingerprint, whether they sent the same text lately) is read
before anything is written, with the article's terms (ARRIVAL_COLUMNS, an outer join on
their address). Storing it makes them known by an upsert and links a new fingerprint: two
statements in the comment's transaction, or parts of the one statement that stores a held
comment on PostgreSQL (submission.py). A change of standing is one conditional
UPDATE on the commenter's standing_version plus one CommenterEvent, like a decision on a
comment (lifecycle.py): a change made from a stale page matches no row and is refused,
naming who changed it first. No Flask request in here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from newsroom.content import clock_time, site_zone
from newsroom.extensions import db
from newsroom.models import (
    Comment,
    Commenter,
    CommenterEvent,
    CommenterFingerprint,
    Standing,
    User,
    UTCDateTime,
    utcnow,
)
from newsroom.plainsql import PlainStatement
from newsroom.refused import FieldError

REASON_MAX = 255
# The duplicate rule (the same text from the same commenter: spam) looks this far back.
DUPLICATE_WINDOW = timedelta(days=1)
EMAIL_MAX = Commenter.__table__.c.email.type.length
# How far ahead a ban's end may be set; for longer, ban with no end.
BAN_YEARS_MAX = 10

STANDING_LABELS = {
    Standing.NORMAL: "No special standing",
    Standing.TRUSTED: "Trusted",
    Standing.WATCHED: "Watched (always held)",
    Standing.BANNED: "Banned",
}


def normalize_email(email: str) -> str:
    """The address as the site compares addresses: trimmed and lower-cased. The one
    normalization: commenters are keyed by it and privacy requests find comments by it."""
    return email.strip().lower()


# The counts and standing every commenter starts with.
_NEW_COMMENTER = {
    "approved_count": 0,
    "rejected_count": 0,
    "spam_count": 0,
    "reported_count": 0,
    "standing": Standing.NORMAL.value,
    "ban_reason": "",
    "standing_version": 0,
}


# --- A new comment's commenter --------------------------------------------------------------


class Arrival(NamedTuple):
    """What submitting a comment knows about its commenter, before this comment: read with
    the article's terms (submission.find_commentable) before anything is written."""

    # None: not known yet (this is their first comment).
    commenter_id: int | None
    standing: str
    banned_until: datetime | None
    approved_count: int
    # When one of their comments was last rejected or marked as spam.
    last_rejected_at: datetime | None
    # A banned commenter (ban still running) posted from this fingerprint.
    fingerprint_banned: bool
    # This fingerprint is linked to them already.
    fingerprint_linked: bool = False
    # They sent the same text (its body_hash) within the duplicate rule's window.
    sent_same_text: bool = False

    @property
    def is_new(self) -> bool:
        return self.commenter_id is None

    def is_banned(self, now: datetime) -> bool:
        own_ban = self.standing == Standing.BANNED and (
            self.banned_until is None or self.banned_until > now
        )
        return own_ban or self.fingerprint_banned

    @classmethod
    def of(cls, row) -> Arrival:
        """From a row with ARRIVAL_COLUMNS."""
        if row.commenter_id is None:
            return cls(None, Standing.NORMAL.value, None, 0, None, bool(row.fingerprint_banned))
        return cls(
            row.commenter_id,
            row.standing,
            row.banned_until,
            row.approved_count,
            row.last_rejected_at,
            bool(row.fingerprint_banned),
            bool(row.fingerprint_linked),
            bool(row.sent_same_text),
        )


# What a comment's commenter is, read by their normalized address (the bind parameter
# "email") joined on with arriving_from(): one row whether or not they are known. The other
# bind parameters: "fingerprint", "now", and "body_hash" and "since" for the same text.
_known = Commenter.__table__.alias("known")


def arriving_from(source: sa.FromClause) -> sa.Join:
    """`source` with the commenter by the address, if known (by their unique index)."""
    return source.outerjoin(_known, _known.c.email == sa.bindparam("email", type_=sa.String))


def _arrival_columns() -> list[sa.ColumnElement]:
    links, comments = CommenterFingerprint.__table__, Comment.__table__
    fingerprint = sa.bindparam("fingerprint", type_=sa.String)
    now = sa.bindparam("now", type_=UTCDateTime)
    # Bounded by the link table's primary key (commenter_id, fingerprint).
    linked = (
        sa.select(1)
        .select_from(links)
        .where(links.c.commenter_id == _known.c.id, links.c.fingerprint == fingerprint)
        .exists()
    )
    # Bounded by ix_commenter_fingerprints_banned (the banned commenters' fingerprints
    # only), then each one's commenter by primary key: is the ban still running?
    banner = Commenter.__table__.alias("banner")
    banned = (
        sa.select(1)
        .select_from(links.join(banner, banner.c.id == links.c.commenter_id))
        .where(
            links.c.fingerprint == fingerprint,
            links.c.banned,
            banner.c.standing == Standing.BANNED.value,
            sa.or_(banner.c.banned_until.is_(None), banner.c.banned_until > now),
        )
        .exists()
    )
    # Bounded by ix_comments_body_hash_commenter; for the duplicate rule.
    same_text = (
        sa.select(1)
        .select_from(comments)
        .where(
            comments.c.body_hash == sa.bindparam("body_hash", type_=sa.String),
            comments.c.commenter_id == _known.c.id,
            comments.c.created_at >= sa.bindparam("since", type_=UTCDateTime),
        )
        .exists()
    )
    return [
        _known.c.id.label("commenter_id"),
        _known.c.standing,
        _known.c.banned_until,
        _known.c.approved_count,
        _known.c.last_rejected_at,
        linked.label("fingerprint_linked"),
        banned.label("fingerprint_banned"),
        same_text.label("sent_same_text"),
    ]


ARRIVAL_COLUMNS = _arrival_columns()
ARRIVAL_PARAMETERS = ("email", "fingerprint", "now", "body_hash", "since")


def arrival_values(
    email: str, fingerprint: str | None, now: datetime, body_hash: str
) -> dict[str, object]:
    """The bind parameters of ARRIVAL_COLUMNS, for a comment whose text has the digest
    `body_hash` (rules.body_digest). An address longer than any stored is nobody's (and is
    not compared: the form refuses it anyway)."""
    key = normalize_email(email)
    return {
        "email": key if len(key) <= EMAIL_MAX else "",
        "fingerprint": fingerprint,
        "now": now,
        "body_hash": body_hash,
        "since": now - DUPLICATE_WINDOW,
    }


_ARRIVAL = PlainStatement(
    sa.select(*ARRIVAL_COLUMNS).select_from(
        arriving_from(sa.select(sa.literal(1).label("one")).subquery("one_row"))
    ),
    ARRIVAL_PARAMETERS,
)


def arrival(email: str, fingerprint: str | None, now: datetime, body_hash: str) -> Arrival:
    """What is known of the commenter at `email` (see Arrival): one lookup, for a comment
    submitted without its article's terms read first (find_commentable reads both)."""
    values = arrival_values(email, fingerprint, now, body_hash)
    return Arrival.of(_ARRIVAL.run(db.session.connection(), **values))


def upsert(dialect) -> sa.Insert:
    """The commenter made known: INSERT ... ON CONFLICT (email) DO UPDATE (seen again
    now), by the bind parameters "email" (normalized) and "now". Without RETURNING: the
    caller adds what it reads back."""
    commenters = Commenter.__table__
    now = sa.bindparam("now", type_=UTCDateTime)
    return (
        dialect.insert(commenters)
        .values(email=sa.bindparam("email"), first_seen_at=now, last_seen_at=now, **_NEW_COMMENTER)
        .on_conflict_do_update(index_elements=[commenters.c.email], set_={"last_seen_at": now})
    )


def link(dialect) -> sa.Insert:
    """A fingerprint linked to a commenter (nothing when linked already). Without its
    values: the caller gives them (commenter_id, fingerprint, and banned: whether the
    commenter's standing, as the upsert returned it, is banned)."""
    return dialect.insert(CommenterFingerprint.__table__).on_conflict_do_nothing()


def make_known(email: str, fingerprint: str | None, now: datetime, known: Arrival) -> int:
    """The commenter `known` before (see arrival()) made known now, or seen again, and the
    fingerprint linked when it wasn't: their id. In the caller's transaction."""
    connection = db.session.connection()
    dialect = connection.dialect.name
    row = _MAKE_KNOWN[dialect].run(connection, email=normalize_email(email), now=now)
    if fingerprint is not None and not known.fingerprint_linked:
        banned = row.standing == Standing.BANNED
        _LINK[dialect].run(connection, id=row.id, fingerprint=fingerprint, banned=banned)
    return row.id


# Built once, like the lifecycle's statements, and run plainly (plainsql.py): a reader's
# comment runs these inside the write lock.
_DIALECTS = (("sqlite", sqlite), ("postgresql", postgresql))
_commenters = Commenter.__table__
_MAKE_KNOWN = {
    name: PlainStatement(
        upsert(dialect).returning(_commenters.c.id, _commenters.c.standing), ("email", "now")
    )
    for name, dialect in _DIALECTS
}
_LINK = {
    name: PlainStatement(
        link(dialect).values(
            commenter_id=sa.bindparam("id"),
            fingerprint=sa.bindparam("fingerprint"),
            banned=sa.bindparam("banned", type_=sa.Boolean),
        ),
        ("id", "fingerprint", "banned"),
    )
    for name, dialect in _DIALECTS
}


def link_unlinked_comments() -> None:
    """Give every comment stored without its commenter (a bulk load, the demo) one: the
    commenters made known, the fingerprints linked, first and last seen set from the
    comments. Set-based: a statement per step, not per comment. The caller commits (and
    recounts)."""
    comments = Comment.__table__
    raw = db.session.execute(
        sa.select(comments.c.author_email)
        .where(comments.c.commenter_id.is_(None), comments.c.author_email != "")
        .distinct()
    ).scalars()
    keys = {address: normalize_email(address) for address in raw}
    keys = {address: key for address, key in keys.items() if key}
    if keys:
        connection = db.session.connection()
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        now = utcnow()
        connection.execute(
            dialect.insert(Commenter.__table__).on_conflict_do_nothing(),
            [
                {**_NEW_COMMENTER, "email": key, "first_seen_at": now, "last_seen_at": now}
                for key in set(keys.values())
            ],
        )
        ids = dict(
            connection.execute(
                sa.select(Commenter.email, Commenter.id).where(
                    Commenter.email.in_(sa.bindparam("emails", expanding=True))
                ),
                {"emails": list(set(keys.values()))},
            ).all()
        )
        # The raw spellings and their commenters in a table of their own, so the comments
        # are linked by one joined UPDATE rather than one scan per spelling.
        spellings = sa.Table(
            "commenter_spellings",
            sa.MetaData(),
            sa.Column("author_email", sa.String(254), primary_key=True),
            sa.Column("commenter_id", sa.Integer),
            prefixes=["TEMPORARY"],
        )
        spellings.create(connection)
        connection.execute(
            spellings.insert(),
            [{"author_email": a, "commenter_id": ids[key]} for a, key in keys.items()],
        )
        connection.execute(
            sa.update(comments)
            .where(
                comments.c.commenter_id.is_(None),
                comments.c.author_email == spellings.c.author_email,
            )
            .values(commenter_id=spellings.c.commenter_id)
        )
        spellings.drop(connection)
    links = CommenterFingerprint.__table__
    connection = db.session.connection()
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    connection.execute(
        dialect.insert(links)
        .from_select(
            ["commenter_id", "fingerprint"],
            sa.select(comments.c.commenter_id, comments.c.client_fingerprint)
            .where(comments.c.commenter_id.is_not(None), comments.c.client_fingerprint.is_not(None))
            .distinct(),
        )
        .on_conflict_do_nothing()
    )
    for column, extreme in (("first_seen_at", sa.func.min), ("last_seen_at", sa.func.max)):
        seen = (
            sa.select(extreme(comments.c.created_at))
            .where(comments.c.commenter_id == Commenter.id)
            .scalar_subquery()
        )
        db.session.execute(
            sa.update(Commenter)
            .where(sa.exists().where(comments.c.commenter_id == Commenter.id))
            .values({column: seen})
            .execution_options(synchronize_session=False)
        )


# --- Standing -------------------------------------------------------------------------------


@dataclass
class StandingChange:
    """What came of one change of standing: done, or refused with why (a colleague's
    change first, bad input, nothing to undo)."""

    commenter: Commenter | None
    event: CommenterEvent | None = None
    # When someone changed the standing first: their change, to say who and when.
    winner: CommenterEvent | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.event is not None


def ban_end(until: date | None, timezone: str, now: datetime | None = None) -> datetime | None:
    """When a ban "until `until`" ends: the start of that day on the site's clock. A
    FieldError unless the day is after today and within BAN_YEARS_MAX years."""
    if until is None:
        return None
    zone = site_zone(timezone)
    today = (now or utcnow()).astimezone(zone).date()
    if until <= today:
        raise FieldError("A ban's end must be a day after today.", "until")
    if until.year > today.year + BAN_YEARS_MAX:
        raise FieldError(
            f"A ban can end at most {BAN_YEARS_MAX} years from now; for longer, leave the end "
            "empty.",
            "until",
        )
    return datetime.combine(until, time(), zone).astimezone(UTC)


def change_standing(
    commenter_id: int,
    to_standing: str,
    actor: User,
    *,
    seen_version: int,
    reason: str = "",
    banned_until: datetime | None = None,
    now: datetime | None = None,
    zone: str = "UTC",
) -> StandingChange:
    """Give the commenter a new standing, if it is still the one the moderator saw.

    A ban needs a reason; `banned_until` (from ban_end) is None for a ban with no end.
    `zone`: the site's clock, for the time a conflict message names."""
    commenter = db.session.get(Commenter, commenter_id)
    if commenter is None:
        return StandingChange(None, error="That commenter is no longer on record.")
    if to_standing not in STANDING_LABELS:
        return StandingChange(commenter, error="That standing was not understood.")
    reason = " ".join(reason.split())
    if len(reason) > REASON_MAX:
        raise FieldError(f"The reason can be at most {REASON_MAX} characters.", "reason")
    if to_standing == Standing.BANNED:
        if not reason:
            raise FieldError("Please say why this commenter is banned.", "reason")
        if banned_until is not None and banned_until <= (now or utcnow()):
            raise FieldError("A ban's end must be a day after today.", "until")
        ban_reason = reason
    else:
        ban_reason, banned_until = "", None
    if (
        to_standing == commenter.standing
        and to_standing != Standing.BANNED
        and seen_version == commenter.standing_version
    ):
        label = STANDING_LABELS[to_standing].lower()
        return StandingChange(commenter, error=f"This commenter is already {label}.")
    return _apply(
        commenter, seen_version, to_standing, ban_reason, banned_until, reason, actor, now, zone
    )


def undo_standing(
    event_id: int, actor: User, now: datetime | None = None, zone: str = "UTC"
) -> StandingChange:
    """Put back the standing a change replaced, if nothing changed it since."""
    event = db.session.get(CommenterEvent, event_id)
    if event is None:
        return StandingChange(None, error="There is no such change to undo.")
    commenter = db.session.get(Commenter, event.commenter_id)
    before = db.session.scalar(
        sa.select(CommenterEvent).where(
            CommenterEvent.commenter_id == event.commenter_id,
            CommenterEvent.version == event.version - 1,
        )
    )
    ban_reason = before.ban_reason if before is not None else ""
    banned_until = before.banned_until if before is not None else None
    return _apply(
        commenter,
        event.version,
        event.from_standing,
        ban_reason,
        banned_until,
        f"undo of #{event.id}",
        actor,
        now,
        zone,
        undoes=event,
    )


def _apply(
    commenter: Commenter,
    seen_version: int,
    to_standing: str,
    ban_reason: str,
    banned_until: datetime | None,
    reason: str,
    actor: User,
    now: datetime | None,
    zone: str,
    undoes: CommenterEvent | None = None,
) -> StandingChange:
    from_standing = commenter.standing
    result = db.session.execute(
        sa.update(Commenter)
        .where(Commenter.id == commenter.id, Commenter.standing_version == seen_version)
        .values(
            standing=to_standing,
            ban_reason=ban_reason,
            banned_until=banned_until,
            standing_version=Commenter.standing_version + 1,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        db.session.refresh(commenter)
        return _lost(commenter, zone)
    if (from_standing == Standing.BANNED) != (to_standing == Standing.BANNED):
        # The ban reaches their fingerprints (the check every new comment makes), or leaves
        # them: by the link table's primary key.
        db.session.execute(
            sa.update(CommenterFingerprint)
            .where(CommenterFingerprint.commenter_id == commenter.id)
            .values(banned=to_standing == Standing.BANNED)
            .execution_options(synchronize_session=False)
        )
    event = CommenterEvent(
        commenter_id=commenter.id,
        actor_id=actor.id,
        at=now or utcnow(),
        from_standing=from_standing,
        to_standing=to_standing,
        reason=reason,
        ban_reason=ban_reason,
        banned_until=banned_until,
        version=seen_version + 1,
        undoes_id=undoes.id if undoes is not None else None,
    )
    db.session.add(event)
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        # The version was taken between our read and our write (PostgreSQL's read
        # committed): the colleague's change stands.
        db.session.rollback()
        db.session.refresh(commenter)
        return _lost(commenter, zone)
    db.session.refresh(commenter)
    return StandingChange(commenter, event=event)


def _lost(commenter: Commenter, zone: str) -> StandingChange:
    winner = latest_change(commenter.id)
    label = STANDING_LABELS[commenter.standing].lower()
    if winner is None:
        error = f"This commenter's standing changed meanwhile (now {label}). Nothing was changed."
    else:
        who = winner.actor.display_name if winner.actor else "a former colleague"
        when = clock_time(winner.at, zone)
        error = (
            f"This commenter's standing was already changed by {who} at {when} "
            f"(now {label}). Nothing was changed."
        )
    return StandingChange(commenter, winner=winner, error=error)


def latest_change(commenter_id: int) -> CommenterEvent | None:
    return db.session.scalar(
        sa.select(CommenterEvent)
        .where(CommenterEvent.commenter_id == commenter_id)
        .order_by(CommenterEvent.version.desc())
        .limit(1)
    )


def standing_history(commenter_id: int) -> list[CommenterEvent]:
    """Every change of the commenter's standing, newest first (a few per commenter)."""
    return list(
        db.session.scalars(
            sa.select(CommenterEvent)
            .where(CommenterEvent.commenter_id == commenter_id)
            .options(sa.orm.joinedload(CommenterEvent.actor))
            .order_by(CommenterEvent.version.desc())
        )
    )


def fingerprint_count(commenter_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(CommenterFingerprint)
        .where(CommenterFingerprint.commenter_id == commenter_id)
    )
