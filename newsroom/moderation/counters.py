"""The kept tallies: approved comments on each article, comments per status on each
commenter and on the whole site (with the approved comments still unreviewed beside the
four statuses), moved in the same transaction as each comment, so no page counts rows to
show them; and recount, which rebuilds them from the comments table.

A new comment waiting for a moderator moves no article row: every comment on a busy story
updated that story's row, and on PostgreSQL each update left a dead row version in the
chain every later read of the row walks (1.5 ms to find the article by its slug, and as
much again for the foreign-key check of each insert, after a few thousand comments).
The admin's article list counts its page's pending comments instead (pending_on).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from newsroom import purge
from newsroom.extensions import db
from newsroom.models import (
    TALLY_SHARDS,
    UNREVIEWED,
    Article,
    Comment,
    Commenter,
    CommentStatus,
    CommentTally,
    Standing,
    UTCDateTime,
    utcnow,
)
from newsroom.moderation.commenters import link, link_unlinked_comments, normalize_email, upsert
from newsroom.plainsql import ColumnDefaults, PlainStatement, built_once

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
# What a move sets on its article and on its commenter: the plain statements below and a
# decision's one statement on PostgreSQL (counted_with) alike.
_ARTICLE_SET = {
    "approved_comment_count": _articles.c.approved_comment_count + sa.bindparam("approved"),
    # The cached public comment list is keyed by this: bumped in the same transaction.
    "comments_version": _articles.c.comments_version + sa.bindparam("list_changed"),
    # A comment's move is not an edit of the article: updated_at stays as it was.
    "updated_at": _articles.c.updated_at,
}
_COMMENTER_SET = {
    "approved_count": _commenters.c.approved_count + sa.bindparam("approved"),
    "rejected_count": _commenters.c.rejected_count + sa.bindparam("rejected"),
    "spam_count": _commenters.c.spam_count + sa.bindparam("spam"),
    # Policy.HOLD_NEW holds a commenter rejected lately (an undo leaves the date).
    "last_rejected_at": sa.case(
        (
            sa.bindparam("rejected") + sa.bindparam("spam") > 0,
            sa.bindparam("now", type_=UTCDateTime),
        ),
        else_=_commenters.c.last_rejected_at,
    ),
}
_COUNT_ON_ARTICLE = (
    sa.update(_articles).where(_articles.c.id == sa.bindparam("article_id")).values(_ARTICLE_SET)
)
# Two rows of the site's tallies move by one statement: the status a comment reached and
# the one it left, or either and the unreviewed row (its own row: no status is
# "unreviewed"). `second` may be None. Two values, not three: with three, SQLite's planner
# walks the table instead of its primary key. The rows are the comment's shard's
# (models.TALLY_SHARDS), so comments on different stories don't queue for one row.
_COUNT_ON_SITE = (
    sa.update(_tallies)
    .where(
        _tallies.c.shard == sa.bindparam("tally_shard"),
        _tallies.c.status.in_([sa.bindparam("first"), sa.bindparam("second")]),
    )
    .values(
        total=_tallies.c.total
        + sa.case(
            (_tallies.c.status == sa.bindparam("first"), sa.bindparam("first_delta")),
            else_=sa.bindparam("second_delta"),
        )
    )
)
# PostgreSQL: both in one statement, the article's UPDATE as a data-modifying CTE. Every
# comment on a story moves its article's row, and the POSTs to a busy story queue for it
# (pg_stat_activity: "Lock: transactionid" on this UPDATE): one round trip fewer while it
# is held, from here to the COMMIT.
_COUNT_ON_ARTICLE_AND_SITE = _COUNT_ON_SITE.add_cte(
    _COUNT_ON_ARTICLE.returning(_articles.c.id).cte("article_counted")
)
_COUNT_ON_COMMENTER = (
    sa.update(_commenters)
    .where(_commenters.c.id == sa.bindparam("commenter_id"))
    .values(_COMMENTER_SET)
)

# Run plainly (plainsql.py): every new comment and every decision runs some of them.
_ON_ARTICLE = PlainStatement(_COUNT_ON_ARTICLE, ("article_id", "approved", "list_changed"))
_SITE_PAIR = ("tally_shard", "first", "second", "first_delta", "second_delta")
_ON_SITE = PlainStatement(_COUNT_ON_SITE, _SITE_PAIR)
_ON_ARTICLE_AND_SITE = PlainStatement(
    _COUNT_ON_ARTICLE_AND_SITE, ("article_id", "approved", "list_changed", *_SITE_PAIR)
)
_ON_COMMENTER = PlainStatement(
    _COUNT_ON_COMMENTER, ("commenter_id", "approved", "rejected", "spam", "now")
)


@dataclass(frozen=True)
class Move:
    """What one comment's move changes in the counters: its commenter's counts (by
    COMMENTER_COUNTS' names), its article's approved comments, and the site's tallies (a
    status, or "unreviewed", and by how much)."""

    commenter: dict[str, int]
    approved: int
    site: list[tuple[str, int]]


def move_of(from_status: str | None, to_status: str, review: int = 0) -> Move:
    """The counters' changes when a comment goes from `from_status` (None: a new one) to
    `to_status`; `review` is +1 when it joins the unreviewed, -1 when it leaves them."""
    changes: dict[str, int] = {to_status: 1}
    if from_status is not None:
        changes[from_status] = changes.get(from_status, 0) - 1
    site: list[tuple[str, int]] = []
    if from_status != to_status:
        site.append((to_status, 1))
        if from_status is not None:
            site.append((from_status, -1))
    if review:
        site.append((UNREVIEWED, review))
    return Move(
        commenter={name: changes.get(status, 0) for status, name in COMMENTER_COUNTS.items()},
        approved=changes.get(APPROVED, 0),
        site=site,
    )


def count_move(
    comment_id: int,
    article_id: int,
    from_status: str | None,
    to_status: str,
    commenter_id: int | None = None,
    *,
    review: int = 0,
) -> None:
    """Keep the article's, the commenter's and the site's counters in step with one
    comment's move; `review` is +1 when it joins the unreviewed, -1 when it leaves them."""
    count_moved(comment_id, article_id, commenter_id, move_of(from_status, to_status, review))


def count_moved(comment_id: int, article_id: int, commenter_id: int | None, move: Move) -> None:
    """count_move for a move already worked out (move_of), in the caller's transaction."""
    connection = db.session.connection()
    if commenter_id is not None and any(move.commenter.values()):
        _ON_COMMENTER.run(connection, commenter_id=commenter_id, now=utcnow(), **move.commenter)
    on_article = {
        "article_id": article_id,
        "approved": move.approved,
        "list_changed": 1 if move.approved else 0,
    }
    # The site's rows that move, in pairs: one statement each.
    pairs = []
    for start in range(0, len(move.site), 2):
        (first, first_delta), *rest = move.site[start : start + 2]
        second, second_delta = rest[0] if rest else (None, 0)
        pairs.append(
            {
                "first": first,
                "first_delta": first_delta,
                "second": second,
                "second_delta": second_delta,
                "tally_shard": comment_id % TALLY_SHARDS,
            }
        )
    moved_article(article_id, move)
    if move.approved and pairs and connection.dialect.name == "postgresql":
        _ON_ARTICLE_AND_SITE.run(connection, **on_article, **pairs.pop(0))
    elif move.approved:
        _ON_ARTICLE.run(connection, **on_article)
    for pair in pairs:
        _ON_SITE.run(connection, **pair)


def moved_article(article_id: int, move: Move) -> None:
    """What a move owes outside the database: a change of the article's approved comments
    is purged from the front cache once the transaction commits."""
    if move.approved:
        purge.later(f"article-{article_id}")


# PostgreSQL: a decision's move, its event and its counters go as one statement
# (lifecycle.py). Each counter's UPDATE is a data-modifying CTE reading the moved comment
# (its id, article_id and commenter_id) from `moved`; the values come from move_values().
# PostgreSQL runs such CTEs in an order of its own: each here waits for the one before it
# (_after), so the rows are locked in the order every other writer locks them (count_move:
# the commenter, then the site's tallies, then the article, whose UPDATE is a CTE the
# tallies' UPDATE runs before), and no two writers wait for each other.
_SITE_SLOTS = 3  # the most rows of the site's tallies one move changes (move_of)


def _after(earlier: sa.CTE) -> sa.ColumnElement[bool]:
    """Always true, once `earlier` has run to its end (it is read to be counted)."""
    return sa.select(sa.func.count()).select_from(earlier).scalar_subquery() >= 0


def counted_with(moved: sa.CTE) -> sa.CTE:
    """The counters' UPDATEs for the comment `moved` gives back, as data-modifying CTEs,
    each after the one before; the last, to add to the statement with add_cte (it brings
    the others)."""
    counts = [sa.bindparam(name, type_=sa.Integer) for name in COMMENTER_COUNTS.values()]
    commenter = (
        sa.update(_commenters)
        .where(_commenters.c.id == moved.c.commenter_id, sa.or_(*(count != 0 for count in counts)))
        .values(_COMMENTER_SET)
        .returning(_commenters.c.id)
        .cte("commenter_counted")
    )
    slots = range(1, _SITE_SLOTS + 1)
    site = (
        sa.update(_tallies)
        .where(
            _tallies.c.shard == moved.c.id % TALLY_SHARDS,
            _tallies.c.status.in_([sa.bindparam(f"site_{n}") for n in slots]),
            _after(commenter),
        )
        .values(
            total=_tallies.c.total
            + sa.case(
                *(
                    (_tallies.c.status == sa.bindparam(f"site_{n}"), sa.bindparam(f"delta_{n}"))
                    for n in slots
                ),
                else_=0,
            )
        )
        .returning(_tallies.c.shard)
        .cte("site_counted")
    )
    return (
        sa.update(_articles)
        .where(
            _articles.c.id == moved.c.article_id,
            sa.bindparam("approved", type_=sa.Integer) != 0,
            _after(site),
        )
        .values(_ARTICLE_SET)
        .returning(_articles.c.id)
        .cte("article_counted")
    )


# counted_with()'s parameters.
COUNTED_WITH = (
    *COMMENTER_COUNTS.values(),  # approved (the article's change too), rejected, spam
    "now",
    "list_changed",
    *(f"{name}_{n}" for n in range(1, _SITE_SLOTS + 1) for name in ("site", "delta")),
)


def move_values(move: Move, now: datetime) -> dict[str, object]:
    """The values of counted_with()'s parameters for `move` (COUNTED_WITH names them)."""
    slots = [*move.site, *[(None, 0)] * (_SITE_SLOTS - len(move.site))]
    site = {}
    for n, (status, delta) in enumerate(slots, start=1):
        site[f"site_{n}"], site[f"delta_{n}"] = status, delta
    return {
        **move.commenter,
        "now": now,
        "approved": move.approved,
        "list_changed": 1 if move.approved else 0,
        **site,
    }


def _pending_counted(inserted: sa.CTE) -> sa.CTE:
    """The new held comment counted: its shard's pending tally moved by one, as a
    data-modifying CTE reading the id from `inserted` (PostgreSQL)."""
    return (
        sa.update(_tallies)
        .where(
            _tallies.c.status == PENDING,
            _tallies.c.shard == sa.select(inserted.c.id % TALLY_SHARDS).scalar_subquery(),
        )
        .values(total=_tallies.c.total + 1)
        .cte("tally_counted")
    )


@built_once
def _insert_comment(columns: tuple[str, ...]) -> PlainStatement:
    """INSERT ... RETURNING id, one statement per set of columns (SQLite has RETURNING since
    3.35: the id comes back as PostgreSQL's does)."""
    comments = Comment.__table__
    return PlainStatement(
        sa.insert(comments)
        .values({name: sa.bindparam(name, type_=comments.c[name].type) for name in columns})
        .returning(comments.c.id),
        columns,
    )


_with_defaults = ColumnDefaults(Comment.__table__)


# A new comment held for a moderator moves one row of the counters only, its shard's pending
# tally: on PostgreSQL that UPDATE, the INSERT and the commenter's upsert and link go as one
# statement (data-modifying CTEs reading the new ids).
@built_once
def _held_alone(columns: tuple[str, ...]) -> PlainStatement:
    """The statement of store_held_alone, one per set of the comment's columns. Its
    parameters are named apart from the columns (new_...): one named like a column of
    comment_tallies would be taken for a value to SET there too."""
    comments = Comment.__table__
    commenter = (
        upsert(postgresql).returning(_commenters.c.id, _commenters.c.standing).cte("commenter")
    )
    linked = (
        link(postgresql)
        .from_select(
            ["commenter_id", "fingerprint", "banned"],
            sa.select(
                commenter.c.id,
                sa.bindparam("fingerprint", type_=sa.String),
                commenter.c.standing == Standing.BANNED.value,
            ).where(sa.bindparam("link", type_=sa.Boolean)),
        )
        .cte("linked")
    )
    inserted = (
        sa.insert(comments)
        .from_select(
            [*columns, "commenter_id"],
            sa.select(
                *(sa.bindparam(f"new_{name}", type_=comments.c[name].type) for name in columns),
                commenter.c.id,
            ),
        )
        .returning(comments.c.id)
        .cte("new_comment")
    )
    return PlainStatement(
        sa.select(inserted.c.id).add_cte(linked, _pending_counted(inserted)),
        ("email", "now", "fingerprint", "link", *(f"new_{name}" for name in columns)),
    )


def store_held_alone(
    values: Mapping[str, object], *, email: str, now: datetime, fingerprint: str | None, link: bool
) -> int:
    """On PostgreSQL, a new comment held for a moderator (pending, `values` its columns but
    its commenter) stored by one statement, its own transaction: its commenter made known
    or seen again (commenters.upsert), the fingerprint linked when `link`, the comment
    inserted, its pending tally moved. Its id; refused as a whole (IntegrityError).

    A reader's comment is the write a busy site does most, and each round trip costs the
    server's process and the worker a wake-up: this is two in all with the read before it
    (submission.find_commentable), where BEGIN, the upsert, the insert and COMMIT were
    five."""
    row = _with_defaults(values)
    statement = _held_alone(tuple(row))
    return statement.alone(
        db.session.get_bind(),
        email=normalize_email(email),
        now=now,
        fingerprint=fingerprint,
        link=fingerprint is not None and link,
        **{f"new_{name}": value for name, value in row.items()},
    ).id


def insert_counted(values: Mapping[str, object], *, review: int = 0) -> int:
    """Store a new comment (`values`: its columns) and count it, in the caller's
    transaction; its id. Refused (IntegrityError) as the INSERT alone would be."""
    row = _with_defaults(values)
    comment_id = _insert_comment(tuple(row)).run(db.session.connection(), **row).id
    count_move(
        comment_id,
        values["article_id"],
        None,
        values["status"],
        values.get("commenter_id"),
        review=review,
    )
    return comment_id


def _count_on_commenter(
    connection: sa.Connection, commenter_id: int, changes: Mapping[str, int]
) -> None:
    counts = {name: changes.get(status, 0) for status, name in COMMENTER_COUNTS.items()}
    if any(counts.values()):
        _ON_COMMENTER.run(connection, commenter_id=commenter_id, now=utcnow(), **counts)


def count_removal(removed: Mapping[tuple[int, int | None, str], int]) -> None:
    """Keep the counters in step with comments deleted for good: `removed` holds how many
    went, per (article id, commenter id or None, state they had: a status or "unreviewed")."""
    per_article: dict[int, Counter[str]] = {}
    per_commenter: dict[int, Counter[str]] = {}
    per_status: Counter[str] = Counter()
    for (article_id, commenter_id, state), total in removed.items():
        status = APPROVED if state == UNREVIEWED else state
        per_article.setdefault(article_id, Counter())[status] += total
        if commenter_id is not None:
            per_commenter.setdefault(commenter_id, Counter())[status] -= total
        per_status[status] += total
        if state == UNREVIEWED:
            per_status[UNREVIEWED] += total
    connection = db.session.connection()
    for commenter_id, changes in per_commenter.items():
        _count_on_commenter(connection, commenter_id, changes)
    for article_id, statuses in per_article.items():
        if approved := statuses[APPROVED]:
            _ON_ARTICLE.run(connection, article_id=article_id, approved=-approved, list_changed=1)
            purge.later(f"article-{article_id}")
    # Any shard will do: only the sum of a status's rows is a count.
    for status, total in per_status.items():
        if total:
            connection.execute(
                sa.update(_tallies)
                .where(_tallies.c.status == status, _tallies.c.shard == 0)
                .values(total=_tallies.c.total - total)
            )


def queue_tally() -> dict[str, int]:
    """Comments per status, and the approved ones still unreviewed (the queue's tabs), from
    the maintained counters (a few rows each, not a scan)."""
    totals = {status.value: 0 for status in CommentStatus} | {UNREVIEWED: 0}
    summed = sa.select(CommentTally.status, sa.func.sum(CommentTally.total)).group_by(
        CommentTally.status
    )
    for status, total in db.session.execute(summed):
        totals[status] = int(total)
    return totals


def tally() -> dict[str, int]:
    """Comments per status, from the maintained counters (not a scan)."""
    totals = queue_tally()
    del totals[UNREVIEWED]
    return totals


def recount() -> None:
    """Rebuild every counter from the comments table (after bulk loads or repairs); comments
    loaded without their commenter get one first.

    Counts are written only where they are wrong: on PostgreSQL every UPDATE leaves a dead
    row version behind, and zeroing then rewriting every article and commenter after a
    repair that changed a few left tables for autovacuum to chew on while readers and
    moderators came back. Every article's comment list is still redated, in one statement,
    since comments changed behind the app's back may be on any of them.
    """
    link_unlinked_comments()
    per_article = dict(
        db.session.execute(
            sa.select(Comment.article_id, sa.func.count())
            .where(Comment.status == APPROVED)
            .group_by(Comment.article_id)
        ).all()
    )
    kept = db.session.execute(sa.select(Article.id, Article.approved_comment_count)).all()
    for article_id, approved in kept:
        if approved != (right := per_article.get(article_id, 0)):
            db.session.execute(
                sa.update(Article)
                .where(Article.id == article_id)
                # Counting is not editing: updated_at stays as it was.
                .values(approved_comment_count=right, updated_at=Article.updated_at)
            )
    db.session.execute(
        sa.update(Article).values(
            comments_version=Article.comments_version + 1, updated_at=Article.updated_at
        )
    )
    _recount_commenters()
    totals = dict(
        db.session.execute(
            sa.select(Comment.status, sa.func.count()).group_by(Comment.status)
        ).all()
    )
    totals[UNREVIEWED] = db.session.scalar(
        sa.select(sa.func.count()).select_from(Comment).where(Comment.unreviewed.is_(True))
    )
    # Each count on shard 0, the other shards emptied (and made, if missing).
    db.session.execute(sa.delete(CommentTally))
    db.session.execute(
        sa.insert(CommentTally),
        [
            {
                "status": str(status),
                "shard": shard,
                "total": totals.get(str(status), 0) if shard == 0 else 0,
            }
            for status in [*CommentStatus, UNREVIEWED]
            for shard in range(TALLY_SHARDS)
        ],
    )
    db.session.commit()


def _recount_commenters() -> None:
    """Every commenter's counts from one pass over the comments, grouped, written by one
    joined UPDATE where they differ (a count per commenter by a correlated subquery ran
    for hours on PostgreSQL after a bulk load of a million comments, before ANALYZE had
    run); then zeros for commenters whose comments have all gone."""
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
    db.session.execute(
        sa.update(Commenter)
        .where(
            Commenter.id == counted.c.commenter_id,
            sa.or_(*(getattr(Commenter, name) != counted.c[name] for name in names.values())),
        )
        .values({name: counted.c[name] for name in names.values()})
    )
    # Bounded per commenter by ix_comments_commenter_created_at.
    has_comments = sa.select(Comment.id).where(Comment.commenter_id == Commenter.id).exists()
    db.session.execute(
        sa.update(Commenter)
        .where(sa.or_(*(getattr(Commenter, name) != 0 for name in names.values())), ~has_comments)
        .values(dict.fromkeys(names.values(), 0))
    )


def pending_on(article_ids: list[int]) -> dict[int, int]:
    """Comments waiting for a moderator on each of these articles (a page of the admin's
    list): one grouped count through ix_comments_article_status_created_at."""
    if not article_ids:
        return {}
    return dict(
        db.session.execute(
            sa.select(Comment.article_id, sa.func.count())
            .where(Comment.article_id.in_(article_ids), Comment.status == PENDING)
            .group_by(Comment.article_id)
        ).all()
    )
