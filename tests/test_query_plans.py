"""The hot paths' queries are bounded by an index, on SQLite and PostgreSQL, with and
without the planner's statistics.

Each test runs the real path (a reader's POST, the dashboard's poll), captures every
statement it sends, and asks the database how it would run each one. A full scan of a
growing table is what made posting a comment take ten seconds at a million comments.
"""

from __future__ import annotations

import re

import pytest

from newsroom import moderation, search
from newsroom.extensions import db
from newsroom.models import Policy
from newsroom.moderation.policy import CommentPolicy
from tests.conftest import csrf_token, form_fields, log_in, page, statements_sent

# The statistics are set through a connection of their own, which must see the test's rows.
pytestmark = pytest.mark.commits

# Statistics as ANALYZE left them on a site with 10,000 articles and a million comments
# (`flask bench-data`): what SQLite's planner sees in production, not on an empty table.
MILLION_COMMENT_STATISTICS = [
    ("articles", "ix_articles_updated_at", "10000 1"),
    ("articles", "ix_articles_status_published_at", "10000 10000 1"),
    ("articles", "ix_articles_section_status_published_at", "10000 2500 2500 1"),
    ("articles", "sqlite_autoindex_articles_1", "10000 1"),
    ("comments", "ix_comments_status_created_at", "1000000 250000 1 1"),
    ("comments", "ix_comments_article_status_created_at", "1000000 100 34 1"),
    ("comments", "ix_comments_commenter_created_at", "1000000 20 1"),
    ("comments", "ix_comments_body_hash_commenter", "1000000 1 1 1"),
    ("comments", "ix_comments_unreviewed_created_at", "2000 1 1"),
    ("comments", "ix_comments_reported_created_at", "40 1 1"),
    ("comment_reports", "sqlite_autoindex_comment_reports_1", "120 3 1"),
    ("moderation_events", "ix_moderation_events_at", "1200000 1 1"),
    ("moderation_events", "ix_moderation_events_comment_at", "1200000 2 1"),
    ("commenters", "sqlite_autoindex_commenters_1", "50000 1"),
    ("commenter_fingerprints", "sqlite_autoindex_commenter_fingerprints_1", "80000 2 1"),
    ("commenter_fingerprints", "ix_commenter_fingerprints_banned", "40 1"),
    ("comment_tallies", "sqlite_autoindex_comment_tallies_1", "80 16 1"),
]


# The tables the hot paths read, whose statistics PostgreSQL's plans are made from.
PLANNED_TABLES = (
    "articles",
    "comments",
    "commenters",
    "commenter_fingerprints",
    "sections",
    "site_settings",
    "moderation_rules",
    "moderation_events",
    "comment_reports",
)


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
    explain(f"ANALYZE {', '.join(PLANNED_TABLES)}")
    explain("SET LOCAL enable_seqscan = off")
    rows = explain("EXPLAIN " + statement, parameters).all()
    return " | ".join(row[0] for row in rows)


# A search of comments by status alone walks a quarter of the table or more: what SQLite
# chose, without statistics, for "has this address had a comment approved?".
BY_STATUS_ALONE = re.compile(r"SEARCH comments USING .*INDEX \w+ \(status=\?\)$")


# Partial indexes hold only the rows their condition names (the few comments awaiting
# review, the comments with open reports): walking one, or the rows a subquery with a
# LIMIT made, is bounded by what it holds, not by the table.
PARTIAL_INDEX_WALK = re.compile(
    r"SCAN (\w+ USING (COVERING )?INDEX ix_comments_(unreviewed|reported)_\w+|anon_\d+)$"
)


def full_scans(plan: str) -> list[str]:
    """The steps of a plan that read a whole table (SQLite: SCAN; PostgreSQL: Seq Scan), or
    all comments in one status."""
    return [
        step
        for step in plan.split(" | ")
        if (
            re.match(r"^[\s|`-]*SCAN (?!CONSTANT ROW)", step)
            and not PARTIAL_INDEX_WALK.search(step)
        )
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
        # Every test before this one left dead rows and index entries behind (rolled back
        # or deleted): with the few live rows a test makes, the planner then priced one
        # index against another by that litter, and chose differently from run to run.
        # Rewritten, the tables and their indexes hold the test's rows only.
        db.session.commit()  # no lock of ours in the way
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql(f"VACUUM FULL {', '.join(PLANNED_TABLES)}")
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

    # One read before anything is written: the article's terms, and the commenter by their
    # address's unique index, the ban check through the banned fingerprints' index, the
    # same text through the digest's; no other statement reads the comments to screen this one.
    [read] = [p for s, p in plans.items() if "FROM articles JOIN sections" in s]
    assert re.search(r"uq_commenters_email|sqlite_autoindex_commenters_1", read), read
    assert "ix_comments_body_hash_commenter" in read, read
    # The ban check reads the banned commenters' fingerprints only.
    assert "ix_commenter_fingerprints_banned" in read, read
    reads = [s for s in plans if s.startswith("SELECT") and "FROM comments" in s]
    assert len(reads) == 1 and reads[0].count("FROM comments") == 1, reads
    touched = " ".join(plans)
    # The site's tallies move; the article's row doesn't, for a comment that waits (every
    # update of a busy story's row lengthened the chain PostgreSQL walks at each read).
    assert "UPDATE comment_tallies" in touched and "UPDATE articles" not in touched
    # The submission id costs a new comment nothing but its value in the INSERT.
    inserts = [s for s, _ in sent if "INSERT INTO comments " in s]
    assert len(inserts) == 1
    assert [s for s, _ in sent if "submission_id" in s] == inserts
    writes = [s for s, _ in sent if not s.startswith("SELECT")]
    if db.engine.dialect.name == "postgresql":
        # On PostgreSQL the commenter, the comment and its count go as one statement, its
        # own transaction: two round trips in all, with the read.
        assert writes == inserts and len(reads) == 1, sent
        [store] = inserts
        assert "INSERT INTO commenters" in store and "UPDATE comment_tallies" in store
        assert "uq_commenters_email" in plans[store], plans[store]
    else:
        # The commenter's upsert (its conflict found by their address's unique index) and
        # the tally in statements of their own, in the comment's transaction.
        assert len([s for s in writes if s.startswith("INSERT INTO commenters")]) == 1
        assert len([s for s in writes if s.startswith("UPDATE comment_tallies")]) == 1


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
        # Walking a whole index is a scan, unless it is the partial one of the unreviewed.
        every = "SCAN comments USING INDEX ix_comments_status_created_at"
        assert full_scans(every) == [every]
        assert full_scans("SCAN comments USING INDEX ix_comments_unreviewed_created_at") == []


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


def test_the_quiet_poll_reads_an_index_end_and_the_tallies(
    app, article, make_comment, planner_statistics
):
    """Every open queue asks this every 3 s: the newest id and four tally rows, whatever
    the size of the comments table."""
    make_comment(article)
    make_comment(article, "approved")
    with statements_sent() as sent:
        newest, tallies = moderation.live_state()
    assert tallies["pending"] == 1 and tallies["approved"] == 1 and newest > 0
    [(statement, parameters)] = [(s, p) for s, p in sent if "max(" in s]
    plan = plan_of(statement, parameters)
    comments_steps = [step for step in plan.split(" | ") if "comments " in step + " "]
    if db.engine.dialect.name == "sqlite":
        # max(id) is the end of the primary key: SQLite reads one entry of it.
        assert all("SCAN comments" not in step for step in comments_steps), plan
    else:
        assert "pk_comments" in plan and "Seq Scan on comments" not in plan, plan


def test_every_dashboard_answer_reads_the_queues_state_in_one_bounded_statement(
    app, article, make_comment, planner_statistics
):
    """The queue page, each decision and the poll's changed answer read the newest id, the
    tabs' counts, the reported count and the rules' version together: one round trip, and
    nothing in it walks the comments table."""
    make_comment(article)
    reported = make_comment(article, "approved")
    moderation.report_comment(reported.id, article.id, fingerprint="f1", reason="spam", threshold=3)
    with statements_sent() as sent:
        state = moderation.queue_state()
    assert state.tallies["pending"] == 1 and state.tallies["approved"] == 1
    assert state.tallies[moderation.REPORTED] == 1 and state.newest_id == reported.id
    [(statement, parameters)] = sent
    plan = plan_of(statement, parameters)
    # The tallies are a fixed few rows (statuses times shards), read whole; of the comments,
    # only the index ends and the partial index of reported ones.
    on_comments = [step for step in plan.split(" | ") if "comments " in step + " "]
    assert not full_scans(" | ".join(on_comments)), plan
    assert "ix_comments_reported_created_at" in plan, plan
    if db.engine.dialect.name == "postgresql":
        assert "pk_comments" in plan, plan


def test_a_decision_moves_and_counts_its_comment_by_keys(
    app, client, site, article, make_comment, moderator, planner_statistics
):
    """A moderator's busiest path: the comment found by its key, its event added, its
    commenter's, article's and shard's counts moved by theirs, with no read of the comment
    before its move (which gives it back). On PostgreSQL all of it is one statement after
    the account's and the settings' reads, and the queue's state is read alone once it is
    committed."""
    make_comment(article, "approved")
    comment_id = make_comment(article).id
    log_in(client, moderator)
    token = csrf_token(client, "/dashboard/")
    with statements_sent() as sent:
        response = client.post(
            f"/dashboard/comments/{comment_id}/decision",
            data={"csrf_token": token, "to_status": "approved", "expected_status": "pending"},
            headers={"HX-Request": "true"},
        )
    assert response.status_code == 200
    assert "Approved" in page(response).select_one(f"#comment-{comment_id}").get_text()

    # The site's settings are a table of one row, read whole; the queue's state has a test
    # of its own (above).
    queue_state = "SELECT (SELECT max(comments.id)"
    plans = checked_plans(
        [(s, p) for s, p in sent if "FROM site_settings" not in s and not s.startswith(queue_state)]
    )
    writes = [s for s, _ in sent if re.match(r"\s*(UPDATE|INSERT|DELETE|WITH)\b", s)]
    touched = " ".join(writes)
    for table in ("comments", "commenters", "articles", "comment_tallies"):
        assert f"UPDATE {table} " in touched, table
    assert "INSERT INTO moderation_events" in touched
    # The comment is found by its key (with its status, on a table this small); so are its
    # commenter, its article and its shard's tallies.
    [move] = [p for s, p in plans.items() if "UPDATE comments" in s]
    by_key = r"(on|SEARCH) comments .*?(Index Cond: [^|]*\bid = |INTEGER PRIMARY KEY)"
    assert re.search(by_key, move), move
    assert not [s for s, _ in sent if "FROM comments" in s and "WHERE comments.id" in s]
    if db.engine.dialect.name == "postgresql":
        assert writes == [s for s in plans if s.startswith("WITH moved")]
        for key in ("pk_commenters", "pk_articles", "pk_comment_tallies"):
            assert key in move, move
        assert sent[-1][0].startswith(queue_state)


@pytest.mark.parametrize(
    "args", [{}, {"status": "approved"}, {"status": "rejected", "section": "1"}]
)
def test_the_kept_page_looks_its_rows_up_as_the_page_reads_them(
    app, article, make_comment, planner_statistics, args
):
    """The values a kept queue page is found by (moderation.shown_page) are read through
    the same index, and in the same order, as the page's own rows: a page of them, never
    the tab's every comment."""
    for status in ("pending", "pending", "approved", "rejected"):
        make_comment(article, status)
    queue = moderation.queue_filter_from(args)
    with statements_sent() as sent:
        comments, cursor = moderation.queue_page(queue, size=1)
        shown, shown_cursor = moderation.shown_page(queue, size=1)
    assert [moderation.shown_values(c) for c in comments] == shown and cursor == shown_cursor
    page_plan, shown_plan = (plan_of(statement, parameters) for statement, parameters in sent)
    indexes = [set(re.findall(r"ix_comments_\w+", plan)) for plan in (page_plan, shown_plan)]
    assert indexes[0] and indexes[1] == indexes[0], (page_plan, shown_plan)
    assert "SCAN comments" not in shown_plan and "Seq Scan on comments" not in shown_plan


def test_a_narrowed_tab_is_counted_through_the_articles_index(
    app, article, make_comment, planner_statistics
):
    make_comment(article)
    with statements_sent() as sent:
        counts = moderation.narrowed_tally(moderation.QueueFilter(article_id=article.id))
    assert counts["pending"] == 1
    [(statement, parameters)] = [(s, p) for s, p in sent if "count(" in s]
    plan = plan_of(statement, parameters)
    # Each status counted through an index, at most NARROWED_COUNT_MAX + 1 entries (the
    # capped subquery is the only thing scanned). PostgreSQL picks among the indexes by the
    # few rows a test has; SQLite's choice is the article's index either way.
    assert "SCAN comments" not in plan and "Seq Scan" not in plan, plan
    if db.engine.dialect.name == "sqlite":
        # One per tab: the four statuses, the unreviewed (approved, flagged) and the
        # reported (approved with open reports).
        assert plan.count("ix_comments_article_status_created_at") == 6, plan


def test_posting_a_comment_with_every_rule_on_reads_only_through_indexes(
    app, client, site, article, make_comment, admin, planner_statistics
):
    """Under publish-then-review, with every list filled and the duplicate rule on: the
    article's terms and the rules' version come with the article, the lists from this
    process's copy, and the one lookup the rules add (the same text within a day) is
    bounded by its index."""
    site.moderation_policy = Policy.PUBLISH_FIRST
    moderation.save_rules(
        {
            "blocked_rejected": "casino",
            "blocked_spam": "cheap pills",
            "suspect": "refund",
            "max_links": 3,
            "min_length": 5,
            "duplicates_are_spam": True,
        },
        admin,
    )
    make_comment(article, "approved", author_email="lee@example.com")
    opened = client.get(f"/articles/{article.slug}")
    assert _post_the_form(client, article, opened).status_code == 303  # compiles the rules
    with statements_sent() as sent:
        data = {"body": "Well said, again and differently."}
        form = page(opened).select_one("form.comment-form")
        base = {**form_fields(form), "author_name": "Lee", "author_email": "lee@example.com"}
        response = client.post(f"/articles/{article.slug}/comments", data={**base, **data})
    assert response.status_code == 303

    plans = checked_plans(sent)
    # The article's terms (its section and the site's settings by primary key) and the
    # commenter, with the rule's one lookup (the same text within a day) bounded by its
    # index: one read.
    [terms] = [p for s, p in plans.items() if "FROM articles JOIN sections" in s]
    assert "sections" in terms and "site_settings" in terms, terms
    assert "ix_comments_body_hash_commenter" in terms, terms
    assert len([s for s in plans if "body_hash = " in s]) == 1
    assert not [s for s in plans if "blocked_rejected" in s]
    assert moderation.queue_tally()["unreviewed"] == 2


def test_the_unreviewed_tab_reads_through_its_index(
    app, site, article, make_comment, planner_statistics
):
    for _ in range(3):
        moderation.submit_comment(
            article.id,
            author_name="Pat",
            author_email="pat@example.com",
            body="Shown at once.",
            fingerprint=None,
            policy=CommentPolicy(Policy.PUBLISH_FIRST),
        )
    make_comment(article, "approved")
    queue = moderation.QueueFilter(status="unreviewed")
    with statements_sent() as sent:
        rows, cursor = moderation.queue_page(queue, size=2)
        more, _ = moderation.queue_page(queue, cursor, size=2)
    assert len(rows) + len(more) == 3
    plans = [p for s, p in checked_plans(sent).items() if "unreviewed" in s]
    assert plans and all("ix_comments_unreviewed_created_at" in plan for plan in plans), plans


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


@pytest.mark.parametrize("url", ["/", "/sections/in-the-news/"])
def test_a_kept_list_reads_its_version_and_counts_by_index_ends_and_keys(
    app, client, site, section, make_article, planner_statistics, url
):
    """Every hit on a kept home or section page: the listings' stamps (index ends) and its
    articles' comment versions, by primary key, in one statement."""
    for number in range(3):
        make_article(f"Story {number}")
    client.get(url)
    with statements_sent() as sent:
        assert client.get(url).status_code == 200
    [(statement, parameters)] = sent
    plan = plan_of(statement, parameters)
    # Besides: the one row of the site's settings, and the one row the counts' sum makes.
    on_articles = [step for step in plan.split(" | ") if "articles" in step]
    assert not full_scans(" | ".join(on_articles)), plan
    if db.engine.dialect.name == "sqlite":
        assert "SEARCH articles USING INTEGER PRIMARY KEY (rowid=?)" in plan, plan
    else:
        assert "pk_articles" in plan, plan


@pytest.mark.parametrize("words", ["harbour", '"harbour lights"'])
def test_a_search_reads_articles_rows_only_for_its_page(
    app, client, site, make_article, planner_statistics, words
):
    """The candidates are ranked from the index alone (SQLite reads the articles readers
    may not see through the status index's ranges, and an article's row, which runs over
    several pages, only for what can reach the page; PostgreSQL reads no article's row);
    on PostgreSQL a phrase is checked among the bounded candidates, never by a walk of
    every article."""
    for number in range(3):
        make_article(f"Harbour {number}", body="The harbour lights are on.")
    with statements_sent() as sent:
        assert client.get("/search", query_string={"q": words}).status_code == 200
    ranked = [(s, p) for s, p in sent if "candidates" in s or "newest" in s]
    assert len(ranked) == 1, sent
    plan = plan_of(*ranked[0])
    if db.engine.dialect.name == "sqlite":
        # The full-text index's matches, newest first (a virtual table's own index), and the
        # bounded candidates made of them.
        assert "SCAN article_search VIRTUAL TABLE INDEX" in plan, plan
        on_articles = [step for step in plan.split(" | ") if "articles" in step.split()]
        assert not full_scans(" | ".join(on_articles)), plan
        # The hidden articles' ranges, then the page's rows by key: nothing else.
        assert len(on_articles) == 5, plan
        assert all(
            re.search(r"COVERING INDEX ix_articles_status_published_at \(status[<>]\?", step)
            or "(status=? AND published_at" in step
            or "INTEGER PRIMARY KEY" in step
            for step in on_articles
        ), plan
    else:
        assert not full_scans(plan), plan
        # The candidates come from article_search alone: its row says when each is public.
        assert not re.search(r"\bon articles\b", plan), plan
        # The candidates are limited before any phrase is checked, on the rows they name.
        subquery = plan.index("Subquery Scan on newest")
        assert "Limit" in plan[subquery:], plan
        if " " in words:
            assert "<->" in plan[subquery : plan.index("Limit", subquery)], plan


def test_a_search_of_few_comments_counts_them_by_their_keys(
    app, article, make_comment, planner_statistics
):
    for _ in range(3):
        make_comment(article, author_name="Ada Stone")
    make_comment(article, author_name="Ben Ray")
    queue = moderation.QueueFilter(search="stone")
    assert queue.search_mode == "ids"
    with statements_sent() as sent:
        assert moderation.narrowed_tally(queue)["pending"] == 3
    [(statement, parameters)] = sent
    plan = plan_of(statement, parameters)
    assert not full_scans(plan), plan
    if db.engine.dialect.name == "sqlite":
        assert "SEARCH comments USING INTEGER PRIMARY KEY (rowid=?)" in plan, plan
    else:
        assert "pk_comments" in plan, plan


def test_a_moderators_search_lists_its_matches_from_the_full_text_index(
    app, article, make_comment, planner_statistics
):
    """Every match from the index, never a walk making each comment's tsvector until
    enough are found (what PostgreSQL chose for a bare LIMIT over a common word)."""
    for _ in range(3):
        make_comment(article, body="About the weir.")
    make_comment(article, body="Nothing.")
    with statements_sent() as sent:
        assert len(search.comment_search("weir").ids) == 3
    [(statement, parameters)] = [(s, p) for s, p in sent if "count(*)" in s]
    plan = plan_of(statement, parameters)
    if db.engine.dialect.name == "sqlite":
        assert "SCAN comment_search VIRTUAL TABLE INDEX" in plan, plan
    else:
        assert "Bitmap Index Scan on ix_comments_search" in plan, plan
        assert "Sort" in plan and "Seq Scan" not in plan, plan
