"""Readers' search of the articles and the moderators' search of the comments, on the
database the suite runs on (SQLite's FTS5, or PostgreSQL's tsvectors)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsroom import moderation, planner, search
from newsroom.articles import ArticleFields, delete_article, save_article
from newsroom.extensions import db
from newsroom.models import ArticleStatus, utcnow
from tests.conftest import page, statements_sent, text_of


def _titles(client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return [text_of(h) for h in page(response).select(".search-results h2")]


def test_title_ranks_above_summary_above_body(client, site, make_article):
    make_article("Budget vote", body="The council talked about a new bridge.")
    make_article("Bridge repairs begin", body="Crews arrived.")
    make_article("Traffic", summary="A bridge closes for a week.", body="Detours.")
    make_article("Unrelated", body="Nothing here.")

    assert _titles(client, "/search?q=bridge") == ["Bridge repairs begin", "Traffic", "Budget vote"]


def test_every_word_must_match_and_stems_count(client, site, make_article):
    make_article("Tenants protest rent rises", body="Hundreds marched.")
    make_article("Protest planned", body="About parking.")

    assert _titles(client, "/search?q=protesting+rent") == ["Tenants protest rent rises"]
    assert _titles(client, '/search?q="rent+rises"') == ["Tenants protest rent rises"]
    assert _titles(client, '/search?q="rises+rent"') == []


def test_only_what_readers_may_see_is_found(client, site, make_article):
    make_article("Harbour draft", status=ArticleStatus.DRAFT, body="harbour")
    make_article("Harbour later", published_at=utcnow() + timedelta(days=1), body="harbour")
    make_article("Harbour now", body="harbour")

    assert _titles(client, "/search?q=harbour") == ["Harbour now"]


def test_snippets_highlight_the_words_and_never_carry_markup(client, site, make_article):
    make_article(
        "Notes",
        body="The <script>alert(1)</script> meeting & the *lantern* parade <b>went</b> on.",
    )
    make_article("Other", body='A "lantern" <img src=x onerror=alert(1)> festival.')

    html = page(client.get("/search?q=lantern"))

    snippets = html.select(".snippet")
    assert len(snippets) == 2
    for snippet in snippets:
        assert [m.get_text() for m in snippet.select("mark")] == ["lantern"]
        assert [tag.name for tag in snippet.find_all(True)] == ["mark"]
    assert html.find("script", attrs={"type": None}) is None
    assert html.select_one(".search-results img") is None


def test_results_are_paginated(client, site, make_article):
    for n in range(23):
        make_article(f"Ferry timetable {n:02}", published_at=utcnow() - timedelta(hours=n + 1))

    first = page(client.get("/search?q=ferry"))
    third = page(client.get("/search?q=ferry&page=3"))

    assert len(first.select(".search-results li")) == 10
    # Equal ranks: newest first.
    assert text_of(first.select_one(".search-results h2")) == "Ferry timetable 00"
    assert first.select_one("a[rel=next]")["href"] == "/search?q=ferry&page=2"
    assert len(third.select(".search-results li")) == 3
    assert third.select_one("a[rel=next]") is None
    assert client.get("/search?q=ferry&page=4").status_code == 404
    assert client.get(f"/search?q=ferry&page={search.PAGES_MAX + 1}").status_code == 404


def test_pages_of_equal_ranks_follow_one_another_newest_first(client, site, make_article):
    # Every page is ranked apart; ranks equal across a page's edge must not repeat or skip.
    made = [
        make_article(f"Ferry notice {n:02}", published_at=utcnow() - timedelta(hours=(n * 7) % 25))
        for n in range(25)
    ]
    shown = [
        title for number in (1, 2, 3) for title in _titles(client, f"/search?q=ferry&page={number}")
    ]
    newest_first = sorted(made, key=lambda a: (a.published_at, a.id), reverse=True)
    assert shown == [article.title for article in newest_first]


def test_drafts_and_scheduled_articles_take_no_place_among_the_candidates(
    client, site, make_article, monkeypatch
):
    monkeypatch.setattr(search, "CANDIDATES_MAX", 2)
    make_article("Harbour old", body="harbour", published_at=utcnow() - timedelta(days=40))
    make_article("Harbour draft", status=ArticleStatus.DRAFT, body="harbour")
    make_article("Harbour later", published_at=utcnow() + timedelta(days=1), body="harbour")
    make_article("Harbour now", body="harbour")

    assert sorted(_titles(client, "/search?q=harbour")) == ["Harbour now", "Harbour old"]


def test_a_phrase_is_found_among_the_newest_articles_holding_its_words(
    client, site, make_article, monkeypatch
):
    monkeypatch.setattr(search, "CANDIDATES_MAX", 2)
    make_article("Old", body="The annual report came out.", published_at=utcnow() - timedelta(9))
    make_article("Middle", body="A report, annual this time.", published_at=utcnow() - timedelta(8))
    make_article("New", body="An annual report again.", published_at=utcnow() - timedelta(days=7))
    make_article("Newest", body="Annual figures, no report.", published_at=utcnow())

    found = _titles(client, '/search?q="annual+report"')
    if db.engine.dialect.name == "sqlite":
        # FTS5 keeps every word's positions in the index: phrases cost no more than words.
        assert found == ["New", "Old"]
    else:
        # PostgreSQL reads each article's positions from its row: a phrase is looked for
        # among the newest CANDIDATES_MAX articles holding all its words.
        assert found == ["New"]


def test_a_snippet_shows_the_words_however_far_into_a_long_article(client, site, make_article):
    filler = " ".join(f"Paragraph {n} says nothing in particular." for n in range(400))
    make_article("Long read", body=f"{filler}\n\nThe lantern parade went on.\n\n{filler}")
    make_article("Lantern phrase", body=f"{filler} A festival of the lantern parade.")

    html = page(client.get("/search?q=lantern"))
    for snippet in html.select(".snippet"):
        assert [m.get_text().lower() for m in snippet.select("mark")] == ["lantern"]
    html = page(client.get('/search?q="lantern+parade"'))
    snippets = html.select(".snippet")
    assert len(snippets) == 2
    for snippet in snippets:
        # One mark for the phrase (SQLite) or one for each of its words (PostgreSQL).
        assert "lantern" in " ".join(m.get_text().lower() for m in snippet.select("mark"))


def test_a_snippet_of_words_far_apart_in_a_long_article_marks_them(client, site, make_article):
    filler = " ".join(f"Paragraph {n} says nothing in particular." for n in range(400))
    between = " ".join(f"Line {n} is quiet." for n in range(60))
    make_article("Long read", body=f"{filler} The lantern shone. {between} A parade. {filler}")

    [snippet] = page(client.get("/search?q=parade+lantern")).select(".snippet")
    marked = {m.get_text().lower() for m in snippet.select("mark")}
    if db.engine.dialect.name == "sqlite":
        assert marked & {"lantern", "parade"}  # one passage of 28 words: the best one
    else:
        assert marked == {"lantern", "parade"}  # two passages, one around each


def test_the_index_follows_saves_and_deletions(client, site, section, admin):
    fields = ArticleFields(
        title="Orchard opens",
        slug="",
        section_id=section.id,
        summary="",
        body_markdown="Apples for everyone.",
        status=ArticleStatus.PUBLISHED,
        published_at=None,
        comments_open=True,
        source_name="",
        source_url="",
    )
    article = save_article(None, fields, admin)
    assert _titles(client, "/search?q=apples") == ["Orchard opens"]

    fields.body_markdown = "Pears for everyone."
    save_article(article, fields, admin)
    assert _titles(client, "/search?q=apples") == []
    assert _titles(client, "/search?q=pears") == ["Orchard opens"]

    # Taken back to a draft, then scheduled: the index follows who may see it.
    fields.status = ArticleStatus.DRAFT
    save_article(article, fields, admin)
    assert _titles(client, "/search?q=pears") == []
    fields.status, fields.published_at = ArticleStatus.PUBLISHED, utcnow() + timedelta(days=1)
    save_article(article, fields, admin)
    assert _titles(client, "/search?q=pears") == []
    fields.published_at = utcnow() - timedelta(minutes=1)
    save_article(article, fields, admin)
    assert _titles(client, "/search?q=pears") == ["Orchard opens"]

    # Made a draft behind the service's back, the index not told: still never shown.
    article.status = ArticleStatus.DRAFT
    db.session.commit()
    assert _titles(client, "/search?q=pears") == []

    delete_article(article.id)
    assert _titles(client, "/search?q=pears") == []


HOSTILE = [
    '"',
    '""',
    "a OR b",
    "-river",
    "title:river",
    "river*",
    "NEAR(river lake)",
    "river AND",
    "(",
    "^",
    "'; DROP TABLE articles; --",
    "\\",
    "\x01\x02\x03",
    "%_",
    "<script>",
    "x" * 5000,
    "river " * 300,
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_fail(client, site, make_article, query):
    make_article("River news", body="river lake")
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 200
    assert "public" in response.headers["Cache-Control"]


def test_a_nul_is_refused_and_an_empty_search_asks_for_words(client, site):
    assert client.get("/search?q=a%00b").status_code == 400
    html = page(client.get("/search"))
    assert html.select_one(".search-results") is None
    assert text_of(html.select_one(".empty")).startswith("Type a few words")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=60).filter(lambda text: "\x00" not in text))
def test_any_text_is_a_search(app, site, make_article, text):
    results = search.search_articles(text)
    assert results.page == 1
    moderation.queue_page(moderation.QueueFilter(search=text[:200].strip()))


def test_search_pages_are_shared_and_revalidated(client, site, make_article):
    make_article("Library hours", body="Open late.")
    first = client.get("/search?q=library")
    assert first.headers["Cache-Control"].startswith("public")
    assert (
        client.get(
            "/search?q=library", headers={"If-None-Match": first.headers["ETag"]}
        ).status_code
        == 304
    )
    assert "Set-Cookie" not in first.headers
    assert page(first).select_one("meta[name=robots]")["content"] == "noindex"


def test_the_header_offers_a_search_box(client, site, article):
    form = page(client.get("/")).select_one("form.site-search")
    assert form["method"] == "get" and form["action"] == "/search"
    field = form.select_one("input[name=q]")
    assert form.select_one(f"label[for={field['id']}]") is not None


# --- The moderators' search ------------------------------------------------------------


def test_dashboard_search_finds_words_names_and_addresses(article, make_comment):
    river = make_comment(article, author_name="Ada Stone", body="The river rose overnight.")
    make_comment(article, author_name="Ben Ray", author_email="ben@marsh.example", body="Calm.")

    def found(text: str) -> list[str]:
        rows, _ = moderation.queue_page(moderation.QueueFilter(search=text))
        return [c.author_name for c in rows]

    assert found("rivers") == ["Ada Stone"]
    assert found("stone") == ["Ada Stone"]
    assert found("BEN@marsh.example") == ["Ben Ray"]
    assert found("nobody@marsh.example") == []
    assert found("!!!") == []
    # A changed text is found by its new words only (a trigger on SQLite, the stored
    # generated tsvector on PostgreSQL).
    river.body = "The lake rose overnight."
    db.session.commit()
    assert found("river") == []
    assert found("lake") == ["Ada Stone"]


def test_dashboard_search_of_a_common_word_checks_rows_as_it_walks(
    article, make_comment, monkeypatch
):
    monkeypatch.setattr(search, "COMMENT_IDS_MAX", 2)
    for n in range(5):
        make_comment(article, author_name=f"Reader {n}", body=f"Comment {n} about the budget.")
    make_comment(article, author_name="Other", body="Nothing to see.")
    queue = moderation.QueueFilter(search="budget")

    assert queue.search_mode == "words"
    rows, _ = moderation.queue_page(queue, size=3)
    assert [c.author_name for c in rows] == ["Reader 0", "Reader 1", "Reader 2"]
    # Counted, each would be checked against the index: the tabs show their whole counts.
    assert moderation.narrowed_tally(queue) is None


def test_a_search_of_few_comments_counts_every_tab_in_one_pass(
    article, make_article, make_comment, moderator
):
    other = make_article("Another Story")
    for status in ("pending", "pending", "approved", "rejected", "spam"):
        make_comment(article, status, author_name="Ada Stone", body="About the weir.")
    make_comment(other, author_name="Ada Stone", body="About the weir again.")
    make_comment(article, "approved", author_name="Ada Stone", body="Weir.", unreviewed=True)
    reported = make_comment(article, "approved", author_name="Ada Stone", body="A weir.")
    moderation.report_comment(reported.id, article.id, fingerprint="f", reason="spam", threshold=3)
    make_comment(article, author_name="Ben Ray", body="Nothing to see.")

    queue = moderation.QueueFilter(search="stone")
    assert queue.search_mode == "ids"
    with statements_sent() as sent:
        counts = moderation.narrowed_tally(queue)
    assert len(sent) == 1, sent
    assert counts == {
        "pending": 3,
        "approved": 3,
        "rejected": 1,
        "spam": 1,
        "unreviewed": 1,
        "reported": 1,
    }
    narrowed = moderation.QueueFilter(search="stone", article_id=article.id)
    assert moderation.narrowed_tally(narrowed)["pending"] == 2


def test_a_search_lists_up_to_its_most_comments_and_no_more(article, make_comment, monkeypatch):
    monkeypatch.setattr(search, "COMMENT_IDS_MAX", 2)
    first = make_comment(article, body="The weir again.")
    second = make_comment(article, body="A weir, a mill.")
    make_comment(article, body="A mill alone.")

    with statements_sent() as sent:
        found = search.comment_search("weir")
    assert found.ids == [first.id, second.id]
    # Counted and listed in one statement (PostgreSQL first asks for plans made for these
    # words, and for its planner's estimate).
    assert len(sent) == (1 if db.engine.dialect.name == "sqlite" else 3), sent
    assert search.comment_search("mill").ids is not None
    assert search.comment_search("zebra").ids == []
    make_comment(article, body="Weir three.")
    assert search.comment_search("weir").ids is None


def test_a_word_in_a_tenth_of_the_comments_is_walked_without_listing_its_matches(
    article, make_comment, monkeypatch
):
    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite lists by its own count: it has no planner's estimate to ask")
    monkeypatch.setattr(search, "COMMENT_IDS_MAX", 2)
    for n in range(20):
        make_comment(article, body="A weir." if n < 3 else "A mill." if n < 4 else "Nothing.")
    db.session.execute(sa.text("ANALYZE comments"))

    def listed(word: str) -> bool:
        with statements_sent() as sent:
            search.comment_search(word)
        return any("string_agg" in statement for statement, _ in sent)

    # Three of twenty: past COMMENT_IDS_MAX and a tenth of the table, so not listed, though
    # far from COMMENT_IDS_ESTIMATE_MAX; the walk finds them as the queue is read.
    assert listed("weir") is False
    assert search.comment_search("weir").ids is None
    rows, _ = moderation.queue_page(moderation.QueueFilter(search="weir"), size=5)
    assert [c.body for c in rows] == ["A weir."] * 3
    # One of twenty is listed.
    assert listed("mill") is True
    assert len(search.comment_search("mill").ids) == 1
    # Were they a smaller share of the comments, the same three would be listed.
    monkeypatch.setattr(search, "COMMENT_WALK_SHARE", 0.5)
    search._asked_estimate.cache_clear()
    assert listed("weir") is True
    # Past COMMENT_IDS_ESTIMATE_MAX a word is walked whatever its share, and the table's
    # estimate is not asked for.
    monkeypatch.setattr(search, "COMMENT_IDS_ESTIMATE_MAX", 2)
    search._asked_estimate.cache_clear()
    with statements_sent() as sent:
        assert search.comment_search("weir").ids is None
    asked = [statement for statement, _ in sent if statement.startswith("EXPLAIN")]
    assert len(asked) == 1 and "@@" in asked[0], asked  # the word's estimate alone


def test_the_planners_estimate_of_a_search_is_asked_once_in_a_while(
    client, site, make_article, article, make_comment, monkeypatch
):
    make_article("Harbour news", body="harbour")
    make_comment(article, body="About the harbour.")
    for again in (False, True):
        with statements_sent() as sent:
            assert _titles(client, "/search?q=harbour") == ["Harbour news"]
            assert search.comment_search("harbour").ids is not None
        asked = [statement for statement, _ in sent if statement.startswith("EXPLAIN")]
        if db.engine.dialect.name == "sqlite" or again:
            assert asked == []
        else:
            assert len(asked) == 2  # the articles' and the comments', the first time
    # A new period asks again.
    monkeypatch.setattr(search.time, "monotonic", lambda: 10.0**9)
    with statements_sent() as sent:
        search.comment_search("harbour")
    asked = [statement for statement, _ in sent if statement.startswith("EXPLAIN")]
    assert len(asked) == (0 if db.engine.dialect.name == "sqlite" else 1)


def test_a_bulk_loads_upkeep_merges_the_full_text_indexes_and_loses_no_match(
    app, article, make_comment
):
    sqlite = db.engine.dialect.name == "sqlite"
    if sqlite:
        # FTS5 merges segments by itself: a few now and then (automerge), and all of a level
        # once it holds 16 (crisismerge), which segments left by earlier tests could reach.
        # Neither in this test: it starts from one segment and merges nothing itself (the
        # settings and the merge go with the test's transaction).
        for command in ("optimize", "automerge"):
            db.session.execute(
                sa.text("INSERT INTO comment_search (comment_search, rank) VALUES (:c, 0)"),
                {"c": command},
            )
    for number in range(6):  # one at a time, each in a transaction (a savepoint here)
        make_comment(article, author_name=f"Reader {number}", body=f"The weir, note {number}.")
    db.session.commit()

    def found() -> list[str]:
        rows, _ = moderation.queue_page(moderation.QueueFilter(search="weir"))
        return sorted(c.author_name for c in rows)

    def segments() -> int:
        return db.session.scalar(sa.text("SELECT count(DISTINCT segid) FROM comment_search_idx"))

    before = found()
    assert not sqlite or segments() > 1  # each comment's transaction wrote a segment
    planner.refresh_statistics()

    assert found() == before == [f"Reader {number}" for number in range(6)]
    assert not sqlite or segments() == 1


def test_searches_on_postgresql_are_planned_for_their_words_and_nothing_after(
    client, site, make_article, article, make_comment
):
    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite keeps no plans")
    make_article("Harbour news", body="harbour")

    def plan_mode() -> str:
        return db.session.scalar(sa.text("SHOW plan_cache_mode"))

    assert plan_mode() == "auto"
    search.search_articles("harbour")
    assert plan_mode() == "force_custom_plan"
    db.session.rollback()
    assert plan_mode() == "auto"  # SET LOCAL: this transaction's only
    search.comment_search("harbour")
    assert plan_mode() == "force_custom_plan"
