"""The kept tallies: comments per status on each article, on each commenter and on the
whole site, moved in the same transaction as each comment, so no page counts rows to show
them; and recount, which rebuilds them from the comments table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

import sqlalchemy as sa

from newsroom import purge
from newsroom.extensions import db
from newsroom.models import Article, Comment, Commenter, CommentStatus, CommentTally
from newsroom.moderation.commenters import link_unlinked_comments

APPROVED, PENDING = CommentStatus.APPROVED, CommentStatus.PENDING
# The statuses a commenter's record counts (pending is not a verdict on them).
COMMENTER_COUNTS = {
    CommentStatus.APPROVED: "approved",
    CommentStatus.REJECTED: "rejected",
    CommentStatus.SPAM: "spam",
}

# Built once, like the lifecycle's statements (lifecycle.py): every decision and every new
# comment runs these inside the write lock.
_articles, _tallies, _commenters = Article.__table__, CommentTally.__table__, Commenter.__table__
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
# PostgreSQL: both in one statement, the article's UPDATE as a data-modifying CTE. Every
# comment on a story moves its article's row, and the POSTs to a busy story queue for it
# (pg_stat_activity: "Lock: transactionid" on this UPDATE, most of the waiting): one round
# trip fewer while it is held, from here to the COMMIT.
_COUNT_ON_ARTICLE_AND_SITE = _COUNT_ON_SITE.add_cte(
    _COUNT_ON_ARTICLE.returning(_articles.c.id).cte("article_counted")
)
_COUNT_ON_COMMENTER = (
    sa.update(_commenters)
    .where(_commenters.c.id == sa.bindparam("commenter_id"))
    .values(
        approved_count=_commenters.c.approved_count + sa.bindparam("approved"),
        rejected_count=_commenters.c.rejected_count + sa.bindparam("rejected"),
        spam_count=_commenters.c.spam_count + sa.bindparam("spam"),
    )
)


def count_move(
    article_id: int, from_status: str | None, to_status: str, commenter_id: int | None = None
) -> None:
    """Keep the article's, the commenter's and the site's counters in step with one
    comment's move."""
    changes: dict[str, int] = {to_status: 1}
    if from_status is not None:
        changes[from_status] = changes.get(from_status, 0) - 1
    approved, pending = changes.get(APPROVED, 0), changes.get(PENDING, 0)
    connection = db.session.connection()
    if commenter_id is not None:
        _count_on_commenter(connection, commenter_id, changes)
    on_article = {
        "article_id": article_id,
        "approved": approved,
        "pending": pending,
        "list_changed": 1 if approved else 0,
    }
    # `from_status` None (a new comment) matches no row: only to_status gains one.
    on_site = {"to_status": to_status, "from_status": from_status}
    if approved:
        purge.later(f"article-{article_id}")
    moves_article, moves_site = bool(approved or pending), from_status != to_status
    if moves_article and moves_site and connection.dialect.name == "postgresql":
        connection.execute(_COUNT_ON_ARTICLE_AND_SITE, {**on_article, **on_site})
        return
    if moves_article:
        connection.execute(_COUNT_ON_ARTICLE, on_article)
    if moves_site:
        connection.execute(_COUNT_ON_SITE, on_site)


def _count_on_commenter(
    connection: sa.Connection, commenter_id: int, changes: Mapping[str, int]
) -> None:
    counts = {name: changes.get(status, 0) for status, name in COMMENTER_COUNTS.items()}
    if any(counts.values()):
        connection.execute(_COUNT_ON_COMMENTER, {"commenter_id": commenter_id, **counts})


def count_removal(removed: Mapping[tuple[int, int | None, str], int]) -> None:
    """Keep the counters in step with comments deleted for good: `removed` holds how many
    went, per (article id, commenter id or None, status they had)."""
    per_article: dict[int, Counter[str]] = {}
    per_commenter: dict[int, Counter[str]] = {}
    per_status: Counter[str] = Counter()
    for (article_id, commenter_id, status), total in removed.items():
        per_article.setdefault(article_id, Counter())[status] += total
        if commenter_id is not None:
            per_commenter.setdefault(commenter_id, Counter())[status] -= total
        per_status[status] += total
    connection = db.session.connection()
    for commenter_id, changes in per_commenter.items():
        _count_on_commenter(connection, commenter_id, changes)
    for article_id, statuses in per_article.items():
        approved, pending = statuses[APPROVED], statuses[PENDING]
        if approved or pending:
            connection.execute(
                _COUNT_ON_ARTICLE,
                {
                    "article_id": article_id,
                    "approved": -approved,
                    "pending": -pending,
                    "list_changed": 1 if approved else 0,
                },
            )
            if approved:
                purge.later(f"article-{article_id}")
    for status, total in per_status.items():
        if total:
            connection.execute(
                sa.update(_tallies)
                .where(_tallies.c.status == status)
                .values(total=_tallies.c.total - total)
            )


def tally() -> dict[str, int]:
    """Comments per status, from the maintained counters (four rows, not a scan)."""
    totals = {status.value: 0 for status in CommentStatus}
    for status, total in db.session.execute(sa.select(CommentTally.status, CommentTally.total)):
        totals[status] = total
    return totals


def recount() -> None:
    """Rebuild every counter from the comments table (after bulk loads or repairs); comments
    loaded without their commenter get one first."""
    link_unlinked_comments()
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
    # Every commenter's counts from one pass over the comments, grouped, then one joined
    # UPDATE: a count per commenter by a correlated subquery ran for hours on PostgreSQL
    # after a bulk load of a million comments, before ANALYZE had run.
    names = {status: f"{name}_count" for status, name in COMMENTER_COUNTS.items()}
    counted = (
        sa.select(
            Comment.commenter_id,
            *(
                sa.func.sum(sa.case((Comment.status == status, 1), else_=0)).label(name)
                for status, name in names.items()
            ),
        )
        .where(Comment.commenter_id.is_not(None))
        .group_by(Comment.commenter_id)
        .subquery()
    )
    db.session.execute(sa.update(Commenter).values(dict.fromkeys(names.values(), 0)))
    db.session.execute(
        sa.update(Commenter)
        .where(Commenter.id == counted.c.commenter_id)
        .values({name: counted.c[name] for name in names.values()})
    )
    for status in CommentStatus:
        row = db.session.get(CommentTally, status.value)
        if row is None:
            db.session.add(CommentTally(status=status.value, total=totals.get(status.value, 0)))
        else:
            row.total = totals.get(status.value, 0)
    db.session.commit()
