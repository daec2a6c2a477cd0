"""How long a comment usually waits for a moderator, in words for the reader who wrote one:
the median time from a comment's arrival to a person's first decision on it, over the last
WAIT_WINDOW's newest WAIT_SAMPLE decisions. One bounded query, its answer kept in the page
cache for WAIT_CACHE_SECONDS (every worker, or every host with Redis, shares it), so the
readers who come back to their pending comment never each run it.
"""

from __future__ import annotations

import math
import statistics
from datetime import datetime, timedelta

import sqlalchemy as sa

from newsroom.extensions import cache, db
from newsroom.models import Comment, CommentStatus, ModerationEvent, UTCDateTime, utcnow

WAIT_WINDOW = timedelta(days=7)
WAIT_SAMPLE = 1000
# Fewer decisions than this in the window say too little to put a number on.
WAIT_MIN_DECISIONS = 5
WAIT_CACHE_SECONDS = 300
_CACHE_KEY = "newsroom:expected-wait"

NO_RECORD = "A moderator will review it as soon as they can."


def median_wait(now: datetime | None = None) -> timedelta | None:
    """The median time to a person's decision on a pending comment, over the newest
    WAIT_SAMPLE such decisions of the last WAIT_WINDOW; None with too few of them."""
    now = now or utcnow()
    rows = db.session.execute(_DECISIONS, {"since": now - WAIT_WINDOW, "sample": WAIT_SAMPLE})
    waits = [(decided - arrived).total_seconds() for decided, arrived in rows]
    if len(waits) < WAIT_MIN_DECISIONS:
        return None
    return timedelta(seconds=max(statistics.median(waits), 0))


def wait_sentence(median: timedelta | None) -> str:
    """ "Comments are usually reviewed within about 2 hours.", or a vaguer promise when
    there is nothing to measure. Rounded up, so the reader is not promised too little."""
    if median is None:
        return NO_RECORD
    minutes = median.total_seconds() / 60
    if minutes <= 5:
        span = "a few minutes"
    elif minutes < 50:
        span = f"about {math.ceil(minutes / 10) * 10} minutes"
    elif minutes < 90:
        span = "about an hour"
    elif minutes < 22 * 60:
        span = f"about {math.ceil(minutes / 60)} hours"
    elif minutes < 36 * 60:
        span = "about a day"
    else:
        span = f"about {math.ceil(minutes / (24 * 60))} days"
    return f"Comments are usually reviewed within {span}."


def expected_wait() -> str:
    """The sentence for the reader, from the cache when it was worked out lately."""
    sentence = cache.get(_CACHE_KEY)
    if sentence is None:
        sentence = wait_sentence(median_wait())
        cache.set(_CACHE_KEY, sentence, timeout=WAIT_CACHE_SECONDS)
    return sentence


# Newest first by ix_moderation_events_at, each comment by its primary key; the LIMIT bounds
# it however busy the week was. Undos and the rules' decisions are no moderator's wait.
_DECISIONS = (
    sa.select(ModerationEvent.at, Comment.created_at)
    .join(Comment, Comment.id == ModerationEvent.comment_id)
    .where(
        ModerationEvent.at >= sa.bindparam("since", type_=UTCDateTime),
        ModerationEvent.from_status == CommentStatus.PENDING.value,
        ModerationEvent.rule.is_(None),
        ModerationEvent.note == "",
    )
    .order_by(ModerationEvent.at.desc(), ModerationEvent.id.desc())
    .limit(sa.bindparam("sample"))
)
