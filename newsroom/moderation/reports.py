"""Readers' reports of approved comments, and the moderator's Keep.

A report is one row per reader (client fingerprint) and comment; a second one is refused by
the unique constraint, so a reader reports a comment once. The comment's open_reports moves
in the same statement that checks it is still approved, and at the site's threshold that
statement hides it from readers (the article's page version moves with it). A moderator
answers the open reports with Keep (they are dismissed: the comment's next round begins,
and only new reports bring it back) or with any decision, which begins the next round in
the same UPDATE as the status (lifecycle.py). No Flask request in here.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa

from newsroom import pagecache
from newsroom.content import clock_time
from newsroom.extensions import db
from newsroom.models import (
    Comment,
    Commenter,
    CommentReport,
    CommentStatus,
    ModerationEvent,
    ReportReason,
    User,
    utcnow,
)
from newsroom.moderation.lifecycle import Decision, latest_event, lost

REPORT_DETAIL_MAX = 200
# The queue's tab of comments with open reports (a filter, not a comment status).
REPORTED = "reported"
# The Reported tab's count is read, not kept: bounded, as the tab could only grow so long.
REPORTED_COUNT_CAP = 1000

REPORT_REASON_LABELS = {
    ReportReason.ABUSIVE: "Abusive or hateful",
    ReportReason.SPAM: "Spam or advertising",
    ReportReason.OFF_TOPIC: "Off-topic",
    ReportReason.OTHER: "Something else",
}


class ReportOutcome(StrEnum):
    RECEIVED = "received"
    # This reader had reported the comment before: nothing new was stored.
    ALREADY = "already"
    # The comment is no longer one readers see (decided, deleted, or on another article).
    GONE = "gone"


def report_comment(
    comment_id: int,
    article_id: int,
    *,
    fingerprint: str,
    reason: str,
    detail: str = "",
    threshold: int,
    now: datetime | None = None,
) -> ReportOutcome:
    """Store one reader's report of an approved comment, and commit: the comment's open
    count in the same statement that checks it is approved; hidden once `threshold` reports
    are open; its commenter's `reported` count when this is the round's first report."""
    now = now or utcnow()
    connection = db.session.connection()
    counted = connection.execute(
        _COUNT_REPORT,
        {"comment_id": comment_id, "on_article": article_id, "threshold": max(threshold, 1)},
    ).first()
    if counted is None:
        db.session.rollback()
        return ReportOutcome.GONE
    open_reports, hidden, report_round, commenter_id = counted
    try:
        connection.execute(
            _INSERT_REPORT,
            {
                "comment_id": comment_id,
                "fingerprint": fingerprint,
                "reason": reason,
                "detail": detail.strip()[:REPORT_DETAIL_MAX],
                "round": report_round,
                "at": now,
            },
        )
    except sa.exc.IntegrityError:
        db.session.rollback()  # the count above goes with it
        return ReportOutcome.ALREADY
    if open_reports == 1 and commenter_id is not None:
        connection.execute(_COUNT_ON_COMMENTER, {"commenter_id": commenter_id})
    if hidden:
        # Readers must stop seeing it now: every worker's cached page of the article redraws.
        # (Also for a report on a comment hidden before: rare, and a redraw is harmless.)
        pagecache.touch_comments([article_id])
    db.session.commit()
    return ReportOutcome.RECEIVED


def keep_comment(comment_id: int, actor: User, *, seen_reports: int, zone: str = "UTC") -> Decision:
    """Dismiss a comment's open reports (the `seen_reports` the moderator saw): it stays
    approved, shows again if they had hidden it, and leaves the Reported tab until new
    reports come. Refused, changing nothing, when a colleague decided first or new reports
    came in since. One conditional UPDATE plus one event, like any decision."""
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        return Decision(None, CommentStatus.APPROVED, error="That comment no longer exists.")
    result = db.session.connection().execute(
        _KEEP, {"comment_id": comment_id, "seen": seen_reports}
    )
    if result.rowcount != 1:
        db.session.rollback()
        db.session.refresh(comment)
        if comment.status != CommentStatus.APPROVED:
            return lost(comment, CommentStatus.APPROVED, CommentStatus.APPROVED, zone)
        if comment.open_reports == 0:
            winner = latest_event(comment.id)
            who = f" by {winner.decided_by} at {clock_time(winner.at, zone)}" if winner else ""
            return Decision(
                comment,
                CommentStatus.APPROVED,
                from_status=CommentStatus.APPROVED,
                winner=winner,
                error=f"Its reports were already answered{who}. Nothing was changed.",
            )
        return Decision(
            comment,
            CommentStatus.APPROVED,
            from_status=CommentStatus.APPROVED,
            error=(
                f"New reports came in since this page was drawn: {comment.open_reports} "
                "are open now. Nothing was changed; look again."
            ),
        )
    plural = "" if seen_reports == 1 else "s"
    event = ModerationEvent(
        comment_id=comment.id,
        actor_id=actor.id,
        from_status=CommentStatus.APPROVED,
        to_status=CommentStatus.APPROVED,
        at=utcnow(),
        note=f"kept after {seen_reports} report{plural}",
    )
    db.session.add(event)
    # Whether or not the reports had hidden it (the threshold may have changed since), the
    # cached pages redraw: a Keep is rare, a comment wrongly kept hidden is not harmless.
    pagecache.touch_comments([comment.article_id])
    db.session.commit()
    db.session.refresh(comment)
    approved = CommentStatus.APPROVED
    return Decision(comment, approved, from_status=approved, event=event)


def open_reports_on(comment_ids: list[int]) -> dict[int, list[CommentReport]]:
    """The open reports of each of a page of comments, oldest first: one query for the page
    (by the unique index's comment_id, then the comment's primary key)."""
    reports: dict[int, list[CommentReport]] = {comment_id: [] for comment_id in comment_ids}
    if not comment_ids:
        return reports
    rows = db.session.scalars(
        sa.select(CommentReport)
        .join(Comment, Comment.id == CommentReport.comment_id)
        .where(
            CommentReport.comment_id.in_(comment_ids),
            CommentReport.round == Comment.report_round,
        )
        .order_by(CommentReport.at, CommentReport.id)
    )
    for report in rows:
        reports[report.comment_id].append(report)
    return reports


def reasons_summary(reports: list[CommentReport]) -> list[tuple[str, int]]:
    """("Abusive or hateful", 2), ...: how many reports gave each reason, most first."""
    counted = Counter(report.reason for report in reports)
    return [(REPORT_REASON_LABELS[reason], total) for reason, total in counted.most_common()]


def reported_total() -> int:
    """How many comments have open reports, counted on the Reported tab's partial index and
    bounded at REPORTED_COUNT_CAP."""
    return db.session.scalar(REPORTED_TOTAL, {"cap": REPORTED_COUNT_CAP})


# Built once, like the lifecycle's statements.
_comments, _commenters = Comment.__table__, Commenter.__table__
# The literal 0 (not a bound value) lets SQLite use the partial index, whose WHERE is the same.
_HAS_OPEN_REPORTS = _comments.c.open_reports > sa.literal_column("0")
_COUNT_REPORT = (
    sa.update(_comments)
    .where(
        _comments.c.id == sa.bindparam("comment_id"),
        _comments.c.article_id == sa.bindparam("on_article"),
        _comments.c.status == CommentStatus.APPROVED.value,
    )
    .values(
        open_reports=_comments.c.open_reports + 1,
        # SET reads the row as it was: this report is the (open_reports + 1)th.
        hidden_by_reports=sa.case(
            (_comments.c.open_reports + 1 >= sa.bindparam("threshold"), sa.true()),
            else_=_comments.c.hidden_by_reports,
        ),
    )
    .returning(
        _comments.c.open_reports,
        _comments.c.hidden_by_reports,
        _comments.c.report_round,
        _comments.c.commenter_id,
    )
)
_INSERT_REPORT = sa.insert(CommentReport.__table__)
_COUNT_ON_COMMENTER = (
    sa.update(_commenters)
    .where(_commenters.c.id == sa.bindparam("commenter_id"))
    .values(reported_count=_commenters.c.reported_count + 1)
)
_KEEP = (
    sa.update(_comments)
    .where(
        _comments.c.id == sa.bindparam("comment_id"),
        _comments.c.status == CommentStatus.APPROVED.value,
        _comments.c.open_reports == sa.bindparam("seen"),
        _HAS_OPEN_REPORTS,
    )
    .values(open_reports=0, hidden_by_reports=False, report_round=_comments.c.report_round + 1)
)
# In the partial index's order: then PostgreSQL walks that index whatever it believes of
# open_reports. Without the ORDER BY, and without statistics for the column (it was added
# to a million rows by 0016, and autovacuum analyzes only after a tenth of them change), it
# guessed a third of all comments had reports and scanned the table for the LIMIT's rows:
# 220 ms on every queue page and decision, at a million comments.
REPORTED_TOTAL = sa.select(sa.func.count()).select_from(
    sa.select(_comments.c.id)
    .where(_HAS_OPEN_REPORTS)
    .order_by(_comments.c.created_at, _comments.c.id)
    .limit(sa.bindparam("cap"))
    .subquery()
)
