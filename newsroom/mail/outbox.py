"""The outbox: every message is a row, queued in the transaction of what causes it, so a
decision rolled back sends nothing and a decision committed is never without its message.

Queueing refuses an address that bounced for good (a suppression) and one that has been
sent its daily share already. Sending is the worker's (worker.py): it claims due rows under
a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so workers never wait for each other nor
take the same row; on SQLite the claim is one UPDATE, and SQLite lets one writer at a time),
and marks each row as it ends, but only while its claim still holds. A failed send is queued
again with a growing delay; a worker that died leaves its rows to the next after the lease.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from newsroom.extensions import db
from newsroom.models import (
    MailKind,
    MailStatus,
    MailSuppression,
    OutboxMessage,
    UsedMailLink,
    utcnow,
)

log = logging.getLogger(__name__)

# Messages one worker claims at a time: a few, so a slow server holds few up.
CLAIM_BATCH = 10
# Rows deleted per statement when old ones are pruned.
PRUNE_BATCH = 500
ERROR_MAX = 255
DAY = timedelta(days=1)
FINISHED = (MailStatus.SENT, MailStatus.DROPPED, MailStatus.BOUNCED, MailStatus.FAILED)


def normalize_address(address: str | None) -> str:
    """An address as the outbox and the suppressions keep it: trimmed, lower-cased."""
    return (address or "").strip().lower()


def queue(
    kind: MailKind,
    recipient: str,
    *,
    dedupe_key: str,
    comment_id: int | None = None,
    reply_id: int | None = None,
    user_id: int | None = None,
    now: datetime | None = None,
) -> bool:
    """Queue one message in the caller's transaction (the caller commits). False, and
    nothing queued, when the address is suppressed, has had its daily share, or the same
    thing (`dedupe_key`) was queued before."""
    address = normalize_address(recipient)
    if not address or "\r" in address or "\n" in address:
        return False
    now = now or utcnow()
    if is_suppressed(address):
        log.info("Not queued (%s): the address is suppressed.", dedupe_key)
        return False
    limit = current_app.config["MAIL_DAILY_LIMIT"]
    if received_since(address, now - DAY, limit) >= limit:
        log.warning("Not queued (%s): the address had its %d messages today.", dedupe_key, limit)
        return False
    values = {
        "kind": kind,
        "recipient": address,
        "comment_id": comment_id,
        "reply_id": reply_id,
        "user_id": user_id,
        "dedupe_key": dedupe_key,
        "status": MailStatus.QUEUED,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "last_error": "",
    }
    insert = (
        _insert_statement()
        .values(values)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(OutboxMessage.id)
    )
    # The id when inserted, nothing when the same thing was queued before.
    return db.session.execute(insert).first() is not None


def _insert_statement():
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(OutboxMessage)


def is_suppressed(address: str) -> bool:
    return db.session.get(MailSuppression, normalize_address(address)) is not None


def received_since(address: str, since: datetime, limit: int) -> int:
    """How many messages were queued for `address` since then (up to `limit`), those dropped
    unsent aside: bounded by ix_mail_outbox_recipient_created_at."""
    found = (
        sa.select(OutboxMessage.id)
        .where(
            OutboxMessage.recipient == address,
            OutboxMessage.created_at >= since,
            OutboxMessage.status != MailStatus.DROPPED,
        )
        .limit(limit)
        .subquery()
    )
    return db.session.scalar(sa.select(sa.func.count()).select_from(found)) or 0


# --- The worker's side ---------------------------------------------------------------------


@dataclass(frozen=True)
class Claimed:
    """A message a worker holds: what to draw it from, and its claim."""

    id: int
    kind: str
    recipient: str
    comment_id: int | None
    reply_id: int | None
    user_id: int | None
    attempts: int
    created_at: datetime
    claim_token: str


def claim(limit: int = CLAIM_BATCH, now: datetime | None = None) -> list[Claimed]:
    """Take up to `limit` messages whose time has come (or whose worker's lease ran out) for
    this worker, and commit: no other worker takes them until the lease ends."""
    now = now or utcnow()
    token = secrets.token_hex(8)
    lease = timedelta(seconds=current_app.config["MAIL_LEASE_SECONDS"])
    due = (
        sa.select(OutboxMessage.id)
        .where(
            sa.or_(
                sa.and_(
                    OutboxMessage.status == MailStatus.QUEUED,
                    OutboxMessage.next_attempt_at <= now,
                ),
                sa.and_(
                    OutboxMessage.status == MailStatus.SENDING,
                    OutboxMessage.lease_until < now,
                ),
            )
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        # Another worker's rows are passed over, not waited for (SQLite has no such clause,
        # and needs none: one writer at a time).
        .with_for_update(skip_locked=True)
    )
    rows = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id.in_(due.scalar_subquery()))
        .values(
            status=MailStatus.SENDING,
            claim_token=token,
            lease_until=now + lease,
            attempts=OutboxMessage.attempts + 1,
        )
        .returning(
            OutboxMessage.id,
            OutboxMessage.kind,
            OutboxMessage.recipient,
            OutboxMessage.comment_id,
            OutboxMessage.reply_id,
            OutboxMessage.user_id,
            OutboxMessage.attempts,
            OutboxMessage.created_at,
        )
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    claimed = [Claimed(*row, claim_token=token) for row in rows]
    return sorted(claimed, key=lambda message: message.id)


def _finish(message: Claimed, **values) -> bool:
    """Change the row if this worker still holds it; commit. False when the lease was lost."""
    done = db.session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.id == message.id,
            OutboxMessage.status == MailStatus.SENDING,
            OutboxMessage.claim_token == message.claim_token,
        )
        .values(claim_token=None, lease_until=None, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return done == 1


def mark_sent(message: Claimed, now: datetime | None = None) -> bool:
    return _finish(message, status=MailStatus.SENT, sent_at=now or utcnow(), last_error="")


def drop(message: Claimed, why: str) -> bool:
    return _finish(message, status=MailStatus.DROPPED, last_error=why[:ERROR_MAX])


def fail(message: Claimed, why: str) -> bool:
    return _finish(message, status=MailStatus.FAILED, last_error=why[:ERROR_MAX])


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed try: doubling, up to the most."""
    config = current_app.config
    base, most = config["MAIL_RETRY_SECONDS"], config["MAIL_RETRY_MAX_SECONDS"]
    return timedelta(seconds=min(most, base * 2 ** min(max(attempts - 1, 0), 30)))


def retry_later(message: Claimed, why: str, now: datetime | None = None) -> bool:
    """Queue it again, to be tried after the delay its attempts so far call for."""
    when = (now or utcnow()) + retry_delay(message.attempts)
    return _finish(
        message, status=MailStatus.QUEUED, next_attempt_at=when, last_error=why[:ERROR_MAX]
    )


def release(message: Claimed) -> bool:
    """Give back a message this worker claimed and didn't try (it is stopping): the next
    worker sends it at once, and the attempt doesn't count."""
    return _finish(
        message, status=MailStatus.QUEUED, attempts=OutboxMessage.attempts - 1, last_error=""
    )


def bounce(message: Claimed, why: str, now: datetime | None = None) -> bool:
    """The recipient's server refused the address for good: this message is done, and no
    message is queued for the address again."""
    suppress(message.recipient, why, now)
    return _finish(message, status=MailStatus.BOUNCED, last_error=why[:ERROR_MAX])


def suppress(address: str, why: str, now: datetime | None = None) -> None:
    """Mail nothing more to `address` (in the caller's transaction); what is queued for it
    is dropped when its turn comes."""
    address = normalize_address(address)
    if db.session.get(MailSuppression, address) is None:
        db.session.add(MailSuppression(email=address, reason=why[:ERROR_MAX], at=now or utcnow()))
        db.session.flush()


def prune(now: datetime | None = None) -> int:
    """Delete finished messages older than MAIL_KEPT_DAYS and used links past their day;
    how many messages went."""
    now = now or utcnow()
    kept_from = now - timedelta(days=current_app.config["MAIL_KEPT_DAYS"])
    old = (
        sa.select(OutboxMessage.id)
        .where(OutboxMessage.status.in_(FINISHED), OutboxMessage.created_at < kept_from)
        .limit(PRUNE_BATCH)
    )
    gone = db.session.execute(
        sa.delete(OutboxMessage)
        .where(OutboxMessage.id.in_(old.scalar_subquery()))
        .execution_options(synchronize_session=False)
    ).rowcount
    # A link is good for a day: a used one is refused by its age after that.
    db.session.execute(
        sa.delete(UsedMailLink)
        .where(UsedMailLink.used_at < now - 2 * DAY)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return gone


def forget_address(address: str) -> None:
    """Everything the outbox keeps about an address, gone (an erasure, privacy.py), in the
    caller's transaction."""
    address = normalize_address(address)
    db.session.execute(
        sa.delete(OutboxMessage)
        .where(OutboxMessage.recipient == address)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        sa.delete(MailSuppression)
        .where(MailSuppression.email == address)
        .execution_options(synchronize_session=False)
    )
