"""Reading the queue and the audit trail: the moderators' queue page by page, by keyset
cursors (no OFFSET scans), a narrowed queue's counts, what arrived since it was drawn, the
history of decisions, and one commenter's comments with the decisions on them.
"""

from __future__ import annotations

import collections
import functools
import urllib.parse
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import sqlalchemy as sa

from newsroom import search
from newsroom.extensions import db
from newsroom.inputs import MAX_ID, whole_number
from newsroom.models import (
    UNREVIEWED,
    Article,
    Comment,
    Commenter,
    CommentStatus,
    CommentTally,
    ModerationEvent,
    UTCDateTime,
)
from newsroom.moderation import reports, rules
from newsroom.moderation.commenters import normalize_email
from newsroom.moderation.counters import queue_tally
from newsroom.moderation.lifecycle import ALLOWED_TRANSITIONS, APPROVED, PENDING, stored_as
from newsroom.moderation.reports import REPORTED
from newsroom.plainsql import PlainStatement, built_once, reading

# What a query string leaves unescaped, as url_for writes one (werkzeug: the URL standard's
# percent-encode set).
URL_SAFE = "!$'()*,/:;?@"

# The tabs a moderator can be on: each status (and the approved comments still unreviewed),
# and the approved comments readers reported.
TAB_NAMES = frozenset({*ALLOWED_TRANSITIONS, REPORTED})

QUEUE_PAGE_SIZE = 25
HISTORY_PAGE_SIZE = 50


@dataclass(frozen=True)
class QueueFilter:
    """What a moderator is looking at: one tab (a status, or REPORTED), optionally narrowed.
    Travels in URLs."""

    status: str = PENDING
    section_id: int | None = None
    article_id: int | None = None
    search: str = ""

    @property
    def oldest_first(self) -> bool:
        # Pending, unreviewed and reported are queues: the oldest waits longest. The other
        # tabs are archives.
        return self.status in (PENDING, UNREVIEWED, REPORTED)

    @functools.cached_property
    def resolved_search(self) -> tuple[str, dict]:
        """How the search narrows the queue, looked up once per filter: the mode ("" for no
        search; "email": an address, its commenter's comments; "ids": words found in few
        comments, listed; "words": words found in many, checked row by row; "nothing") and
        the bound parameters it needs."""
        if not self.search:
            return "", {}
        if "@" in self.search and len(self.search.split()) == 1:
            commenter_id = db.session.scalar(
                sa.select(Commenter.id).where(Commenter.email == normalize_email(self.search))
            )
            if commenter_id is None:
                return "nothing", {}
            return "email", {"commenter_id": commenter_id}
        found = search.comment_search(self.search)
        if found is None:
            return "nothing", {}
        if found.ids is not None:
            return ("ids", {"match_ids": found.ids}) if found.ids else ("nothing", {})
        return "words", {"match": found.match}

    @property
    def search_mode(self) -> str:
        return self.resolved_search[0]

    @property
    def narrowed(self) -> bool:
        """Showing part of its tab: by section, article or search."""
        return bool(self.section_id or self.article_id or self.search)

    @property
    def shown_status(self) -> str:
        """The status of the comments the tab lists (reported ones are approved)."""
        return APPROVED if self.status == REPORTED else self.status

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

    def as_query(self) -> str:
        """as_args as the query url_for would append ("?status=spam"; "" for the pending
        queue): the tabs, redrawn by every decision, put it after one url_for."""
        args = self.as_args()
        return "?" + urllib.parse.urlencode(args, safe=URL_SAFE) if args else ""


def queue_filter_from(args) -> QueueFilter:
    """Read a QueueFilter from request args or form data; anything odd falls back to defaults."""

    def number(name: str) -> int | None:
        return whole_number(args.get(name))

    status = args.get("status") or PENDING
    return QueueFilter(
        status=status if status in TAB_NAMES else PENDING,
        section_id=number("section"),
        article_id=number("article"),
        search=(args.get("q") or "").strip()[:200],
    )


# A keyset cursor is "<microseconds since the epoch>_<comment id>": two integers, exact
# (a float timestamp can round a microsecond away) and easy to bound.
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_LATEST = datetime(9999, 12, 31, tzinfo=UTC)


def encode_cursor(comment: Comment | ShownRow) -> str:
    """The position of a comment, or of its row's values (ShownRow)."""
    return f"{(comment.created_at - _EPOCH) // _MICROSECOND}_{comment.id}"


def _keyset_page(rows: list, size: int) -> tuple[list, str | None]:
    """`size` of `rows` (read with a limit of one more), and the cursor for the next page:
    the position of the last row shown, None when nothing follows."""
    next_cursor = encode_cursor(rows[size - 1]) if len(rows) > size else None
    return list(rows[:size]), next_cursor


def decode_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    """The position a cursor names, or None for anything a cursor can't be (from a URL)."""
    stamp, _, comment_id = (cursor or "").partition("_")
    micros = whole_number(stamp, (_LATEST - _EPOCH) // _MICROSECOND)
    number = whole_number(comment_id, MAX_ID)
    if micros is None or number is None:
        return None
    return _EPOCH + micros * _MICROSECOND, number


def queue_page(
    queue: QueueFilter, cursor: str | None = None, size: int = QUEUE_PAGE_SIZE
) -> tuple[list[Comment], str | None]:
    """One page of the queue and the cursor for the next, by keyset (no OFFSET scans)."""
    query, parameters = _page_statement(queue, cursor, size, shown=False)
    return _keyset_page(db.session.scalars(query, parameters).all(), size)


def shown_page(
    queue: QueueFilter, cursor: str | None = None, size: int = QUEUE_PAGE_SIZE
) -> tuple[list[ShownRow], str | None]:
    """The same page as queue_page, as the values its rows show (SHOWN): plain tuples, no
    ORM objects. What a kept queue page is looked up by (dashboard/pages.py)."""
    query, parameters = _page_statement(queue, cursor, size, shown=True)
    if queue.search_mode == "ids":
        # A list bound as a list (IN, expanded at each execution): through the session.
        rows = db.session.execute(query, parameters).all()
    else:
        plain, names = _plain(query, frozenset(parameters))
        rows = plain.rows(db.session.connection(), **{name: parameters[name] for name in names})
    return _keyset_page([ShownRow._make(row) for row in rows], size)


@built_once
def _plain(query: sa.Select, offered: frozenset[str]) -> tuple[PlainStatement, frozenset[str]]:
    """A queue statement run plainly (plainsql.py), and which of the `offered` parameters
    it takes: every queue page reads its rows so, kept or not, and the session's work
    around the execution and the rows was a third of a kept page's time."""
    names = frozenset(query.compile().params) & offered
    return PlainStatement(query, names), names


# What a queue row shows of its comment, its article and its commenter (the templates
# under dashboard/_comment_row.html), as attribute paths from the comment. A kept row or
# page is looked up by these values (shown_values), so none can go stale: a change to any
# of them draws anew.
SHOWN = (
    ("id",),
    ("created_at",),
    ("status",),
    ("unreviewed",),
    ("author_name",),
    ("author_email",),
    ("held_reasons",),
    ("body",),
    ("text_version",),
    ("edited_at",),
    ("by_organization",),
    ("open_reports",),
    ("hidden_by_reports",),
    ("article_id",),
    ("article", "slug"),
    ("article", "title"),
    ("article", "status"),
    ("article", "published_at"),
    ("commenter", "id"),
    ("commenter", "email"),
    ("commenter", "approved_count"),
    ("commenter", "rejected_count"),
    ("commenter", "spam_count"),
    ("commenter", "reported_count"),
    ("commenter", "first_seen_at"),
    ("commenter", "standing"),
    ("commenter", "banned_until"),
    ("commenter", "ban_reason"),
    ("commenter", "standing_version"),
)
# Aliased, as the ORM's eager loads are: a section filter's subquery on articles must not
# be correlated with the row's own article.
_SHOWN_MODELS = {
    "article": sa.orm.aliased(Article, name="shown_article"),
    "commenter": sa.orm.aliased(Commenter, name="shown_commenter"),
}


# A row's SHOWN values by name: "article_slug", "commenter_standing".
ShownRow = collections.namedtuple("ShownRow", ["_".join(path) for path in SHOWN])


def shown_values(comment: Comment) -> ShownRow:
    """A comment's SHOWN values, read from its ORM object (and its article and commenter)."""
    values = []
    for path in SHOWN:
        value: object = comment
        for name in path:
            value = getattr(value, name) if value is not None else None
        values.append(value)
    return ShownRow._make(values)


def _shown_column(path: tuple[str, ...]) -> sa.ColumnElement:
    model = _SHOWN_MODELS[path[0]] if len(path) == 2 else Comment
    return getattr(model, path[-1])


def _page_statement(
    queue: QueueFilter, cursor: str | None, size: int, shown: bool
) -> tuple[sa.Select, dict]:
    position = decode_cursor(cursor)
    query = _queue_query(
        queue.status == UNREVIEWED,
        queue.status == REPORTED,
        queue.oldest_first,
        bool(queue.article_id),
        bool(queue.section_id),
        queue.search_mode,
        position is not None,
        shown,
        size + 1,
    )
    parameters = {
        "status": queue.status,
        "article_id": queue.article_id,
        "section_id": queue.section_id,
        **_search_parameters(queue),
        "after_at": position[0] if position else None,
        "after_id": position[1] if position else None,
    }
    return query, parameters


# A listed comment shows its article's title and address, not its body: leave those
# kilobytes.
_WITH_ARTICLE = sa.orm.joinedload(Comment.article, innerjoin=True).load_only(
    Article.slug, Article.title, Article.status, Article.published_at
)


@built_once
def _queue_query(
    unreviewed: bool,
    reported: bool,
    oldest_first: bool,
    by_article: bool,
    by_section: bool,
    by_search: str,
    after: bool,
    shown: bool,
    rows: int,
) -> sa.Select:
    """The queue's statement for one combination of filters, built once: building it took
    a third of the time SQLite needs to answer it. The unreviewed (approved, all of them)
    are read through the partial ix_comments_unreviewed_created_at, the reported through
    ix_comments_reported_created_at, the others by their status.

    At most `rows`, a number written into the statement (the callers' page sizes: a few):
    PostgreSQL plans a LIMIT given as a parameter for any number of rows, so the prepared
    statement (postgres.py) was planned anew on every page, 0.6 ms of its server time on a
    million comments; with the number written in, the plan made once serves every page."""
    if unreviewed:
        # Exactly the partial index's condition (`= 1` on SQLite, `= true`, which PostgreSQL
        # reads as the bare column): only then may the planner use it.
        which = Comment.unreviewed == sa.true()
    elif reported:
        # The literal 0 matches the partial index's WHERE, so SQLite uses it.
        which = Comment.open_reports > sa.literal_column("0")
    else:
        which = _status_is(sa.bindparam("status"), by_search)
    if shown:
        # The same rows as plain values, joined as the ORM's eager loads join them.
        article, commenter = _SHOWN_MODELS["article"], _SHOWN_MODELS["commenter"]
        query = (
            sa.select(*(_shown_column(path) for path in SHOWN))
            .join(article, Comment.article_id == article.id)
            .outerjoin(commenter, Comment.commenter_id == commenter.id)
        )
    else:
        # Its commenter's line comes in the same query (an outer join by primary key).
        query = sa.select(Comment).options(_WITH_ARTICLE, sa.orm.joinedload(Comment.commenter))
    query = query.where(which).limit(sa.literal_column(str(int(rows))))
    query = _narrowed(query, by_article, by_section, by_search)
    key = sa.tuple_(Comment.created_at, Comment.id)
    cursor = sa.tuple_(sa.bindparam("after_at", type_=UTCDateTime), sa.bindparam("after_id"))
    if oldest_first:
        if after:
            query = query.where(key > cursor)
        return query.order_by(Comment.created_at, Comment.id)
    if after:
        query = query.where(key < cursor)
    return query.order_by(Comment.created_at.desc(), Comment.id.desc())


def _status_is(status: str | sa.BindParameter, by_search: str) -> sa.ColumnElement[bool]:
    """The status condition; for a search narrowed to a few listed ids, one no index can
    answer (`status || ''`), so the ids are read by primary key: SQLite, whose sampled
    statistics say a status holds a thousand comments, walked the status's index instead
    and tested each comment against the list."""
    if by_search == "ids":
        return Comment.status.concat(sa.literal_column("''")) == status
    return Comment.status == status


def _search_parameters(queue: QueueFilter) -> dict:
    # Every parameter any mode's statement names (SQLAlchemy wants each bound).
    return {"match": "", "match_ids": [], "commenter_id": None, **queue.resolved_search[1]}


def _narrowed(query: sa.Select, by_article: bool, by_section: bool, by_search: str) -> sa.Select:
    """`query` narrowed as a filter asks: bound parameters article_id, section_id, and
    match_ids, match or commenter_id (`by_search`: QueueFilter.search_mode). Words are
    looked up in the full-text index (newsroom/search.py); an address is its commenter's
    comments (ix_comments_commenter_created_at)."""
    if by_article:
        query = query.where(Comment.article_id == sa.bindparam("article_id"))
    if by_section:
        query = query.where(
            Comment.article_id.in_(
                sa.select(Article.id).where(Article.section_id == sa.bindparam("section_id"))
            )
        )
    if by_search == "ids":
        query = query.where(search.comments_among())
    elif by_search == "words":
        query = query.where(search.comments_matching())
    elif by_search == "email":
        query = query.where(Comment.commenter_id == sa.bindparam("commenter_id"))
    elif by_search:
        query = query.where(sa.false())
    return query


# A narrowed tab counts its comments up to this many, then says "1000+": the count stops
# where the moderator stops needing it.
NARROWED_COUNT_MAX = 1000


def narrowed_tally(queue: QueueFilter) -> dict[str, int] | None:
    """How many comments of each status the queue's filter matches, up to
    NARROWED_COUNT_MAX + 1 (more than the cap: "1000+"), in one statement. None for words
    found in too many comments to list (QueueFilter.resolved_search): counting them would
    check each comment of every tab against the index, a hundred milliseconds and more;
    the tabs then show their whole counts. An article or a section is counted through
    ix_comments_article_status_created_at; a search goes through the full-text index (or
    the commenter's address), as the queue's page does. The unfiltered queue reads the kept
    tallies."""
    if queue.search_mode == "words":
        return None
    parameters = {
        "article_id": queue.article_id,
        "section_id": queue.section_id,
        **_search_parameters(queue),
    }
    if queue.search_mode == "ids":
        counting = _listed_count(bool(queue.article_id), bool(queue.section_id))
    else:
        counting = _narrowed_count(
            bool(queue.article_id), bool(queue.section_id), queue.search_mode
        )
    counts = db.session.execute(counting, parameters).one()
    return {
        state: min(count, NARROWED_COUNT_MAX + 1)
        for state, count in zip(_NARROWED_STATES, counts, strict=True)
    }


# Each tab's comments: a status, the approved ones still unreviewed, or the reported.
_NARROWED_STATES = [*(status.value for status in CommentStatus), UNREVIEWED, REPORTED]


@built_once
def _narrowed_count(by_article: bool, by_section: bool, by_search: str) -> sa.Select:
    counts = []
    for state in _NARROWED_STATES:
        if state == REPORTED:
            chosen = sa.select(Comment.id).where(Comment.open_reports > sa.literal_column("0"))
        else:
            status, unreviewed = stored_as(state)
            if unreviewed:
                # Exactly the partial ix_comments_unreviewed_created_at's condition, as the
                # queue's tab has it (only approved comments are ever unreviewed): walked
                # with the status too, SQLite read every approved comment.
                chosen = sa.select(Comment.id).where(Comment.unreviewed == sa.true())
            else:
                chosen = sa.select(Comment.id).where(_status_is(status, by_search))
        matching = _narrowed(chosen, by_article, by_section, by_search).limit(
            NARROWED_COUNT_MAX + 1
        )
        counted = sa.select(sa.func.count()).select_from(matching.subquery())
        counts.append(counted.scalar_subquery().label(state))
    return sa.select(*counts)


@built_once
def _listed_count(by_article: bool, by_section: bool) -> sa.Select:
    """A search's few matching comments (at most search.COMMENT_IDS_MAX, listed), counted
    per tab in one pass over them by primary key: a count per tab read each of them once
    more, six times in all (4-9 ms for a name in 130 comments on PostgreSQL)."""
    counts = []
    for state in _NARROWED_STATES:
        if state == REPORTED:
            counted = Comment.open_reports > sa.literal_column("0")
        else:
            status, unreviewed = stored_as(state)
            counted = Comment.unreviewed == sa.true() if unreviewed else Comment.status == status
        counts.append(sa.func.count().filter(counted).label(state))
    listed = sa.select(*counts).select_from(Comment).where(search.comments_among())
    return _narrowed(listed, by_article, by_section, "")


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


def live_state() -> tuple[int, dict[str, int]]:
    """What the queue's poll compares, in one statement: the newest comment's id (the end
    of the primary key) and the kept tallies (a few rows per status). Nothing here grows with the
    comments table."""
    rows = _LIVE_STATE.rows(db.session.connection())
    totals = {status.value: 0 for status in CommentStatus}
    totals.update({status: int(total) for _, status, total in rows})
    newest = rows[0][0] if rows else newest_comment_id()
    return newest or 0, totals


class QueueState(NamedTuple):
    """What every dashboard answer shows beside its rows, read in one statement: the newest
    comment's id (where the poll starts), each tab's count, and the version of the rules the
    rows mark suspect words by."""

    newest_id: int
    # Each status's count, the approved ones still unreviewed and the reported ones.
    tallies: dict[str, int]
    rules_version: str


def queue_state() -> QueueState:
    """The queue's state in one round trip (four, read one by one: on PostgreSQL each a
    wake-up of the server on every page, decision and poll). Nothing here grows with the
    comments table: an index end, a few rows per status, a count bounded at
    reports.REPORTED_COUNT_CAP and a row by primary key."""
    # Alone when the request's transaction is over (after a decision's commit): no BEGIN
    # and no ROLLBACK around it.
    rows = _QUEUE_STATE.rows(reading(db.session()), cap=reports.REPORTED_COUNT_CAP)
    if not rows:  # no tallies at all (before their first recount): read one by one
        totals = {**queue_tally(), REPORTED: reports.reported_total()}
        return QueueState(newest_comment_id(), totals, rules.current_version())
    totals = {status.value: 0 for status in CommentStatus} | {UNREVIEWED: 0}
    totals.update({row.status: int(row.total) for row in rows})
    first = rows[0]
    totals[REPORTED] = first.reported
    return QueueState(first.newest or 0, totals, first.rules_version or "")


def live_signature(newest_id: int, tallies: dict[str, int]) -> str:
    """The queue's state in a few characters: the poll answers "nothing new" (204) while
    the page's copy still matches."""
    return "-".join(str(n) for n in (newest_id, *(tallies[s.value] for s in CommentStatus)))


# A status's count is the sum of its shards (models.TALLY_SHARDS). Both run plainly
# (plainsql.py): every dashboard answer reads one, every poll the other.
_QUEUE_STATE = PlainStatement(
    sa.select(
        sa.select(sa.func.max(Comment.id)).scalar_subquery().label("newest"),
        reports.REPORTED_TOTAL.scalar_subquery().label("reported"),
        rules.VERSION.scalar_subquery().label("rules_version"),
        CommentTally.status,
        sa.func.sum(CommentTally.total).label("total"),
    ).group_by(CommentTally.status),
    ("cap",),
)
_LIVE_STATE = PlainStatement(
    sa.select(
        sa.select(sa.func.max(Comment.id)).scalar_subquery(),
        CommentTally.status,
        sa.func.sum(CommentTally.total),
    ).group_by(CommentTally.status)
)


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


COMMENTER_PAGE_SIZE = 25


def commenter_comments(
    commenter_id: int, position: tuple[datetime, int] | None = None, size: int = COMMENTER_PAGE_SIZE
) -> tuple[list[Comment], str | None]:
    """One page of a commenter's comments, newest first, and the cursor for the next: by
    keyset on ix_comments_commenter_created_at. `position` is a decoded cursor."""
    query = _commenter_query(position is not None)
    parameters = {
        "commenter_id": commenter_id,
        "before_at": position[0] if position else None,
        "before_id": position[1] if position else None,
        "size": size + 1,
    }
    return _keyset_page(db.session.scalars(query, parameters).all(), size)


@built_once
def _commenter_query(before: bool) -> sa.Select:
    query = (
        sa.select(Comment)
        .where(Comment.commenter_id == sa.bindparam("commenter_id"))
        .options(_WITH_ARTICLE)
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(sa.bindparam("size"))
    )
    if before:
        key = sa.tuple_(Comment.created_at, Comment.id)
        cursor = sa.tuple_(sa.bindparam("before_at", type_=UTCDateTime), sa.bindparam("before_id"))
        query = query.where(key < cursor)
    return query


def decisions_on(comment_ids: list[int]) -> dict[int, list[ModerationEvent]]:
    """The decisions on each of a page of comments, newest first: one query for the page."""
    decisions: dict[int, list[ModerationEvent]] = {comment_id: [] for comment_id in comment_ids}
    if not comment_ids:
        return decisions
    events = db.session.scalars(
        sa.select(ModerationEvent)
        .where(ModerationEvent.comment_id.in_(comment_ids))
        .options(sa.orm.joinedload(ModerationEvent.actor))
        .order_by(ModerationEvent.at.desc(), ModerationEvent.id.desc())
    )
    for event in events:
        decisions[event.comment_id].append(event)
    return decisions
