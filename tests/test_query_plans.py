"""The hot paths' queries are bounded by an index, on SQLite and PostgreSQL, with and
without the planner's statistics.

Each test runs the real path (a reader's POST, the dashboard's poll), captures every
statement it sends, and asks the database how it would run each one. A full scan of a
growing table is what made posting a comment take ten seconds at a million comments.
"""

from __future__ import annotations

import re

import pytest

from newsroom import moderation
from newsroom.extensions import db
from tests.conftest import form_fields, page, statements_sent

# The statistics are set through a connection of their own, which must see the test's rows.
pytestmark = pytest.mark.commits

# Statistics as ANALYZE left them on a site with 10,000 articles and a million comments
# (`flask bench-data`): what SQLite's planner sees in production, not on an empty table.
MILLION_COMMENT_STATISTICS = [
    ("articles", "ix_articles_updated_at", "10000 1"),
    ("articles", "ix_articles_status_published_at", "10000 10000 1"),
    ("articles", "ix_articles_section_status_published_at", "10000 2500 2500 1"),
    ("articles", "sqlite_autoindex_articles_1", "10000 1"),
    ("comments", "ix_comments_client_fingerprint_status", "1000000 20 8"),
    ("comments", "ix_comments_status_created_at", "1000000 250000 1 1"),
    ("comments", "ix_comments_article_status_created_at", "1000000 100 34 1"),
    ("comments", "ix_comments_commenter_created_at", "1000000 20 1"),
    ("comments", "ix_comments_reported_created_at", "40 1 1"),
    ("comment_reports", "sqlite_autoindex_comment_reports_1", "120 3 1"),
    ("moderation_events", "ix_moderation_events_at", "1200000 1 1"),
    ("moderation_events", "ix_moderation_events_comment_at", "1200000 2 1"),
    ("commenters", "sqlite_autoindex_commenters_1", "50000 1"),
    ("commenter_fingerprints", "sqlite_autoindex_commenter_fingerprints_1", "80000 2 1"),
    ("commenter_fingerprints", "ix_commenter_fingerprints_fingerprint", "80000 2"),
    ("comment_tallies", "sqlite_autoindex_comment_tallies_1", "4 1"),
]


def plan_of(statement: str, parameters) -> str:
    """How the database would run `statement`, as one line of text."""
    explain = db.session.connection().exec_driver_sql
    if db.engine.dialect.name == "sqlite":
        rows = explain("EXPLAIN QUERY PLAN " + statement, parameters).all()
        return " | ".join(row[-1] for row in rows)
    # PostgreSQL plans a tiny test table as a sequential scan whatever its indexes; with
    # scans priced out, a "Seq Scan" is left only where no index can answer the query.
    # Statistics fresh from the rows the test made, as the scheduled ANALYZE keeps them in
    # production: autovacuum's, taken at some moment of an earlier test, made the plans
    # depend on which tests ran before.
    explain(
        "ANALYZE articles, comments, commenters, commenter_fingerprints, moderation_events,"
        " comment_reports"
    )
    explain("SET LOCAL enable_seqscan = off")
    rows = explain("EXPLAIN " + statement, parameters).all()
    return " | ".join(row[0] for row in rows)


# A search of comments by status alone walks a quarter of the table or more: what SQLite
# chose, without statistics, for "has this address had a comment approved?".
BY_STATUS_ALONE = re.compile(r"SEARCH comments USING .*INDEX \w+ \(status=\?\)$")


# A partial index holds only the few rows its WHERE lets in (the comments with open
# reports): reading all of it is bounded by what it holds, not by the table; so is reading
# the rows a subquery with a LIMIT made.
PARTIAL_INDEX_SCAN = re.compile(
    r"SCAN (\w+ USING (COVERING )?INDEX ix_comments_reported_created_at|anon_\d+$)"
)


def full_scans(plan: str) -> list[str]:
    """The steps of a plan that read a whole table (SQLite: SCAN; PostgreSQL: Seq Scan), or
    all comments in one status."""
    return [
        step
        for step in plan.split(" | ")
        if re.match(r"^[\s|`-]*SCAN (?!CONSTANT ROW)", step)
        and not PARTIAL_INDEX_SCAN.search(step)
        or "Seq Scan" in step
        or BY_STATUS_ALONE.search(step)
    ]


# An INSERT that reads: the commenter upsert's conflict and its RETURNING's lookups.
READING_INSERT = re.compile(r"\s*INSERT INTO commenters\b.*\bON CONFLICT\b", re.DOTALL)


def checked_plans(sent: list[tuple[str, object]]) -> dict[str, str]:
    """Each SELECT, UPDATE and DELETE sent (and the INSERT that reads), with its plan; fails
    on any full scan."""
    plans = {}
    for statement, parameters in sent:
        reads = re.match(r"\s*(SELECT|UPDATE|DELETE|WITH)\b", statement, re.IGNORECASE)
        if not reads and not READING_INSERT.match(statement):
            continue  # other INSERTs and transaction control have no plan to choose
        plan = plan_of(statement, parameters)
        assert not full_scans(plan), f"{statement}\n  runs as: {plan}"
        plans[statement] = plan
    return plans


@pytest.fixture(params=["no statistics", "a million comments' statistics"])
def planner_statistics(request, app):
    """The planner without statistics (a new site), then with a large site's (SQLite only:
    PostgreSQL's autovacuum keeps its own, and the plans there are checked with scans
    priced out)."""
    if db.engine.dialect.name != "sqlite":
        if request.param != "no statistics":
            pytest.skip("statistics are injected into SQLite's sqlite_stat1 only")
        yield request.param
        return
    # The checkpoint thread may have sampled the test tables (newsroom/planner.py): start
    # from a known state.
    with db.engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")  # makes sure sqlite_stat1 exists
        connection.exec_driver_sql("DELETE FROM sqlite_stat1")
        if request.param != "no statistics":
            for row in MILLION_COMMENT_STATISTICS:
                connection.exec_driver_sql("INSERT INTO sqlite_stat1 VALUES (?, ?, ?)", row)
    db.engine.dispose()  # new connections read the statistics when they open
    yield request.param
    db.session.remove()
    with db.engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM sqlite_stat1")
    db.engine.dispose()


def test_posting_a_comment_reads_only_through_indexes(
    app, client, site, article, make_comment, planner_statistics
):
    # The reader who posts was approved before, from another address: their record is
    # found and updated, and a new fingerprint linked.
    make_comment(
        article,
        "approved",
        author_email="lee@example.com",
        fingerprint=moderation.client_fingerprint("10.0.0.9", "x"),
    )
    opened = client.get(f"/articles/{article.slug}")
    with statements_sent() as sent:
        response = _post_the_form(client, article, opened)
    assert response.status_code == 303

    plans = checked_plans(sent)

    # The commenter is made known by their address's unique index, and the ban check finds
    # the fingerprint through its own; no statement reads the comments to screen this one.
    [upsert] = [p for s, p in plans.items() if s.startswith("INSERT INTO commenters")]
    if db.engine.dialect.name == "sqlite":
        assert "ix_commenter_fingerprints_fingerprint" in upsert, upsert
    else:
        # With scans priced out and a tiny table, PostgreSQL may start the ban check from
        # either index of the link table; neither is a scan.
        assert "uq_commenters_email" in upsert, upsert
        assert re.search(r"(ix|pk)_commenter_fingerprints", upsert), upsert
    assert not [s for s in plans if s.startswith("SELECT") and "FROM comments" in s]
    touched = " ".join(plans)
    assert "UPDATE articles" in touched and "UPDATE comment_tallies" in touched
    # The submission id costs a new comment nothing but its value in the INSERT.
    assert [s for s, _ in sent if "submission_id" in s] == [
        s for s, _ in sent if s.startswith("INSERT INTO comments ")
    ]


def _post_the_form(client, article, opened):
    """What the comment form on the article page `opened` sends."""
    url = f"/articles/{article.slug}"
    form = page(opened).select_one("form.comment-form")
    data = {"author_name": "Lee", "author_email": "lee@example.com", "body": "Well said."}
    return client.post(f"{url}/comments", data={**form_fields(form), **data})


def test_a_submission_sent_again_is_found_through_its_index(
    app, client, site, article, planner_statistics
):
    opened = client.get(f"/articles/{article.slug}")
    assert _post_the_form(client, article, opened).status_code == 303
    with statements_sent() as sent:
        assert _post_the_form(client, article, opened).status_code == 303

    [lookup] = [p for s, p in checked_plans(sent).items() if "submission_id = " in s]
    assert "ix_comments_submission_id" in lookup


def test_counting_new_comments_walks_only_the_newest_ids(
    app, article, make_comment, planner_statistics
):
    """The dashboard polls this every 20 s; it must not walk every pending comment."""
    older = make_comment(article)
    make_comment(article)
    make_comment(article, "approved")
    with statements_sent() as sent:
        assert moderation.pending_newer_than(older.id) == 1

    [plan] = [plan for statement, plan in checked_plans(sent).items() if "count(" in statement]
    if db.engine.dialect.name == "sqlite":
        assert "PRIMARY KEY" in plan and "ix_comments_status" not in plan
    else:
        assert "pk_comments" in plan


def test_a_full_scan_is_caught(app, article):
    """The check itself: a query no index can answer is reported, on either database."""
    statement = "SELECT id FROM comments WHERE body = 'x'"
    assert full_scans(plan_of(statement, ()))
    if db.engine.dialect.name == "sqlite":
        # The plan the first-comment check had before it got an index of its own.
        walk = "SEARCH comments USING INDEX ix_comments_status_created_at (status=?)"
        assert full_scans(f"{walk} | USE TEMP B-TREE FOR ORDER BY") == [walk]


def test_a_commenters_page_reads_through_their_index(
    app, article, make_comment, planner_statistics
):
    # A commenter's comments are a few among many others' (with all comments theirs, the
    # planner may as well read the newest of every comment, by the status index's tail).
    for number in range(12):
        make_comment(article, author_email=f"reader{number}@example.com")
    for _ in range(3):
        make_comment(article)
    [commenter_id] = {make_comment(article).commenter_id}
    with statements_sent() as sent:
        comments, cursor = moderation.commenter_comments(commenter_id, size=2)
        moderation.commenter_comments(commenter_id, moderation.decode_cursor(cursor), size=2)
    plans = [p for s, p in checked_plans(sent).items() if "commenter_id" in s]
    assert plans and all("ix_comments_commenter_created_at" in plan for plan in plans), "\n".join(
        plans
    )


def test_the_reported_tab_reads_only_reported_comments(
    app, article, make_comment, moderator, planner_statistics
):
    """The tab, its count and its reasons read the partial index of reported comments and
    each page's reports by the comments' ids, never the million others."""
    reported = make_comment(article, "approved")
    make_comment(article, "approved")
    for reader in ("f1", "f2"):
        moderation.report_comment(
            reported.id, article.id, fingerprint=reader, reason="spam", threshold=3
        )
    queue = moderation.queue_filter_from({"status": moderation.REPORTED})
    with statements_sent() as sent:
        comments, _ = moderation.queue_page(queue)
        assert [comment.id for comment in comments] == [reported.id]
        assert moderation.reported_total() == 1
        assert len(moderation.open_reports_on([reported.id])[reported.id]) == 2

    plans = checked_plans(sent)
    on_comments = [p for s, p in plans.items() if "open_reports > 0" in s]
    assert len(on_comments) == 2
    assert all("ix_comments_reported_created_at" in plan for plan in on_comments), on_comments


def test_reporting_and_keeping_touch_one_comment_by_its_key(
    app, article, make_comment, moderator, planner_statistics
):
    reported = make_comment(article, "approved")
    with statements_sent() as sent:
        moderation.report_comment(
            reported.id, article.id, fingerprint="f1", reason="spam", threshold=1
        )
        moderation.keep_comment(reported.id, moderator, seen_reports=1)
    plans = checked_plans(sent)
    assert any(s.startswith("UPDATE comments") for s in plans)


def test_the_expected_wait_reads_the_newest_decisions_by_their_index(
    app, article, make_comment, moderator, planner_statistics
):
    comment = make_comment(article)
    moderation.decide(comment.id, "approved", moderator)
    with statements_sent() as sent:
        moderation.waiting.median_wait()
    [plan] = checked_plans(sent).values()
    assert "ix_moderation_events_at" in plan, plan
