"""Counts and where to go next: comment counts on every card and under the title, "More in
<section>" and "Most discussed this week" beside the article, the 404 page's sections and
latest articles, all drawn at versions that follow what they show."""

from __future__ import annotations

from datetime import timedelta

import pytest

from newsroom import discovery, moderation
from newsroom.extensions import db
from newsroom.models import ArticleStatus, Section, utcnow
from tests.conftest import page, statements_sent, text_of


def _card_counts(client, url: str) -> dict[str, str]:
    html = page(client.get(url))
    return {
        text_of(card.select_one(".article-card-title")): text_of(card.select_one(".meta"))
        for card in html.select(".article-card")
    }


def test_every_card_counts_the_comments_and_follows_each_decision(
    client, site, section, article, make_article, make_comment, moderator
):
    other = make_article("Quiet One")
    make_comment(article, "approved")
    make_comment(article, "approved")
    waiting = make_comment(article)
    make_comment(other)

    for url in ("/", f"/sections/{section.slug}/"):
        counts = _card_counts(client, url)
        assert counts["Council Hears Tenants on Repairs"].endswith("· 2 comments")
        assert counts["Quiet One"].endswith("· No comments")
    # Cached lists follow a decision at once, though it is no edit of any article.
    moderation.decide(waiting.id, "approved", moderator)
    for url in ("/", f"/sections/{section.slug}/"):
        assert _card_counts(client, url)["Council Hears Tenants on Repairs"].endswith(
            "· 3 comments"
        )
    moderation.decide(waiting.id, "rejected", moderator)
    assert _card_counts(client, "/")["Council Hears Tenants on Repairs"].endswith("· 2 comments")


@pytest.mark.parametrize("url", ["/", "/?page=2", "/sections/in-the-news/"])
def test_a_cached_list_costs_one_small_lookup(app, client, site, section, make_article, url):
    app.config["ARTICLES_PER_PAGE"] = 2
    for number in range(3):
        make_article(f"Story {number}")
    client.get(url)
    with statements_sent() as sent:
        assert client.get(url).status_code == 200
    # The listings' version and the listed articles' comment versions, by primary key, in
    # one statement: nothing else (the navigation, a section's id) on a kept page.
    assert len(sent) == 1, sent


def _block_counts(client) -> dict[str, str]:
    html = page(client.get("/"))
    return {
        text_of(item.select_one("a")): text_of(item.select_one(".meta"))
        for item in html.select(".section-block li")
    }


def test_a_kept_list_follows_a_decision_on_an_article_it_shows(
    app, client, site, section, make_article, make_comment, moderator
):
    app.config["ARTICLES_PER_PAGE"] = 1
    older = make_article("Older Story", published_at=utcnow() - timedelta(days=2))
    make_article("Newer Story", published_at=utcnow() - timedelta(days=1))
    waiting = make_comment(older)
    second_page = f"/sections/{section.slug}/?page=2"
    # Drawn and kept: on the front page in its section's block, on the section's second page.
    for _ in range(2):
        assert _block_counts(client)["Older Story"].endswith("· No comments")
        assert _card_counts(client, second_page)["Older Story"].endswith("· No comments")

    moderation.decide(waiting.id, "approved", moderator)
    assert _block_counts(client)["Older Story"].endswith("· 1 comment")
    assert _card_counts(client, second_page)["Older Story"].endswith("· 1 comment")
    # And kept at that count.
    with statements_sent() as sent:
        assert _block_counts(client)["Older Story"].endswith("· 1 comment")
    assert len(sent) == 1, sent


def test_the_front_page_works_out_its_section_blocks_once_per_version(
    client, site, section, make_article
):
    make_article("Only Story")
    with statements_sent() as sent:
        assert client.get("/").status_code == 200
    # Once for the articles the page lists (their counts) and the drawing: one per section.
    blocks = [statement for statement, _ in sent if "articles.section_id =" in statement]
    assert len(blocks) == 1, blocks


def test_the_jump_link_and_the_heading_count_what_is_shown(
    client, site, article, make_comment, moderator
):
    for _ in range(3):
        make_comment(article, "approved")
    make_comment(article, "approved", hidden_by_reports=True)
    make_comment(article)
    html = page(client.get(f"/articles/{article.slug}"))
    assert text_of(html.select_one(".jump a")) == "3 comments"
    assert html.select_one(".jump a")["href"] == "#comments"
    assert text_of(html.select_one("#comments-heading")) == "3 Comments"
    assert len(html.select("#comments li.comment")) == 3


def test_an_article_without_comments_invites_one_unless_closed(client, site, make_article):
    fresh = make_article("Fresh")
    html = page(client.get(f"/articles/{fresh.slug}"))
    assert text_of(html.select_one(".jump a")) == "Be the first to comment"
    assert html.select_one(".jump a")["href"] == "#write"
    closed = make_article("Closed", comments_open=False)
    assert page(client.get(f"/articles/{closed.slug}")).select_one(".jump") is None


def test_more_in_the_section_lists_its_latest_other_articles(
    client, site, section, article, make_article
):
    elsewhere = Section(name="Press Releases", slug="press-releases")
    db.session.add(elsewhere)
    db.session.commit()
    newer = [
        make_article(f"Story {n}", published_at=utcnow() - timedelta(hours=n)) for n in range(6)
    ]
    make_article("Not here", section=elsewhere)
    make_article("Draft", status=ArticleStatus.DRAFT)
    make_article("Scheduled", published_at=utcnow() + timedelta(days=1))

    html = page(client.get(f"/articles/{article.slug}"))
    more = html.select_one("[aria-labelledby=more-heading]")
    assert text_of(more.select_one("h2")) == "More in In the News"
    titles = [text_of(a) for a in more.select("li a")]
    assert titles == [story.title for story in newer[: discovery.MORE_IN_SECTION]]
    # On the story itself, the list leaves it out.
    own = page(client.get(f"/articles/{newer[0].slug}"))
    assert "Story 0" not in text_of(own.select_one("[aria-labelledby=more-heading]"))


def test_a_new_article_joins_more_in_the_section_on_a_cached_page(
    client, site, article, make_article
):
    first = page(client.get(f"/articles/{article.slug}"))
    assert first.select_one("[aria-labelledby=more-heading]") is None
    make_article("Just In", published_at=utcnow() - timedelta(minutes=1))
    again = page(client.get(f"/articles/{article.slug}"))
    assert "Just In" in text_of(again.select_one("[aria-labelledby=more-heading]"))


def _discussed(client, article) -> list[str]:
    html = page(client.get(f"/articles/{article.slug}"))
    return [text_of(a) for a in html.select("[aria-labelledby=discussed-heading] li a")]


def test_most_discussed_counts_this_weeks_approved_comments(
    client, site, article, make_article, make_comment
):
    busy, quiet, old = (make_article(title) for title in ("Busy", "Quiet", "Old talk"))
    for _ in range(3):
        make_comment(busy, "approved")
    make_comment(quiet, "approved")
    for _ in range(5):
        make_comment(quiet)  # pending: not discussion readers see
        make_comment(old, "approved", created_at=utcnow() - timedelta(days=8))
    assert _discussed(client, article) == ["Busy", "Quiet"]
    # The page of a story in the list leaves itself out.
    assert _discussed(client, busy) == ["Quiet"]


def test_most_discussed_may_be_a_period_behind_and_no_more(
    client, site, article, make_article, make_comment, monkeypatch
):
    busy, later = make_article("Busy"), make_article("Later")
    make_comment(busy, "approved")
    period = [100]
    monkeypatch.setattr("newsroom.pagecache.discussed_period", lambda: period[0])
    assert _discussed(client, article) == ["Busy"]
    for _ in range(2):
        make_comment(later, "approved")
    # Comments elsewhere move no version of this page: within the period it stands.
    assert _discussed(client, article) == ["Busy"]
    period[0] += 1
    assert _discussed(client, article) == ["Later", "Busy"]


def test_the_article_page_keeps_its_side_column_in_the_layout(client, site, article, make_article):
    make_article("Neighbour")
    html = page(client.get(f"/articles/{article.slug}"))
    layout = html.select_one(".article-layout")
    assert [child.name for child in layout.find_all(recursive=False)] == [
        "article",
        "section",
        "aside",
    ]


# --- The page for an address that leads nowhere ----------------------------------------------


def test_not_found_offers_the_sections_and_the_latest_articles(client, site, section, make_article):
    stories = [make_article(f"Story {n}") for n in range(7)]
    make_article("Draft", status=ArticleStatus.DRAFT)
    response = client.get("/no/such/page")
    assert response.status_code == 404
    html = page(response)
    assert text_of(html.select_one("h1")) == "Page not found"
    sections = html.select_one("[aria-labelledby=sections-heading]")
    assert [a["href"] for a in sections.select("a")] == [f"/sections/{section.slug}/"]
    latest = html.select_one("[aria-labelledby=latest-heading]")
    assert [text_of(a) for a in latest.select("a")] == [
        story.title for story in stories[: discovery.LATEST_ON_NOT_FOUND]
    ]
    # An error page is never kept by a shared cache.
    assert "public" not in response.headers.get("Cache-Control", "")


@pytest.mark.parametrize("url", ["/articles/gone", "/sections/none/", "/report/999"])
def test_every_404_of_the_public_site_helps(client, site, section, article, url):
    html = page(client.get(url))
    assert html.select_one("[aria-labelledby=latest-heading]") is not None


def test_the_front_pages_section_blocks_count_comments_too(
    app, client, site, section, make_article, make_comment, monkeypatch
):
    monkeypatch.setitem(app.config, "ARTICLES_PER_PAGE", 2)
    older = make_article("Older Story", published_at=utcnow() - timedelta(days=3))
    make_article("Newer Story", published_at=utcnow() - timedelta(days=2))
    make_article("Newest Story", published_at=utcnow() - timedelta(days=1))
    make_comment(older, "approved")

    html = page(client.get("/"))

    [block] = html.select(".section-block")
    shown = {
        text_of(item.select_one("a")): text_of(item.select_one(".meta"))
        for item in block.select("li")
    }
    assert list(shown) == ["Older Story"]
    assert shown["Older Story"].endswith("· 1 comment")
