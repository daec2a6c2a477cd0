"""The queue's kept rows (newsroom/dashboard/rows.py): a kept row never shows stale markup.

Every test here draws the queue once, so its rows are kept, then changes something and
draws it again in the same app: what the second drawing shows must be the new state.
"""

from datetime import timedelta

import pytest

from newsroom.dashboard import pages, rows
from newsroom.extensions import db
from newsroom.models import ArticleStatus, utcnow
from newsroom.pagecache import slot
from tests.conftest import log_in, page, text_of

# Each test starts with nothing kept, as a newly started worker does.
pytestmark = pytest.mark.usefixtures("nothing_kept")


def _row(client, comment, url="/dashboard/"):
    html = page(client.get(url))
    return html, html.select_one(f"#comment-{comment.id}")


def test_a_row_is_drawn_once_then_reused(staff, site, article, make_comment):
    comment = make_comment(article)
    _, first = _row(staff, comment)
    kept = len(rows.row_store().entries)
    _, again = _row(staff, comment)

    assert kept == 1 and len(rows.row_store().entries) == 1  # the second drawing reused the row
    # The CSRF token carries the second it was made in: the same row, whatever the clock.
    for row in (first, again):
        for token in row.select("input[name=csrf_token]"):
            token["value"] = "token"
    assert str(again) == str(first)


def test_a_kept_row_follows_an_edit_of_its_article(staff, site, article, make_comment):
    comment = make_comment(article)
    _row(staff, comment)

    article.title = "Council Votes for Repairs"
    article.slug = "council-votes-for-repairs"
    db.session.commit()
    _, row = _row(staff, comment)

    link = row.select_one(".row-meta a[href^='/articles/']")
    assert link["href"] == "/articles/council-votes-for-repairs"
    assert text_of(link) == "Council Votes for Repairs"
    assert "Council Hears Tenants" not in text_of(row)


def test_a_kept_row_follows_its_article_out_of_public_view(staff, site, article, make_comment):
    comment = make_comment(article)
    _row(staff, comment)

    article.status = ArticleStatus.DRAFT
    db.session.commit()
    _, row = _row(staff, comment)
    assert row.select_one(".row-meta a[href^='/articles/']") is None
    assert "(draft)" in text_of(row.select_one(".row-meta"))

    article.status = ArticleStatus.PUBLISHED
    article.published_at = utcnow() + timedelta(days=1)
    db.session.commit()
    _, row = _row(staff, comment)
    assert "(scheduled)" in text_of(row.select_one(".row-meta"))


def test_a_decided_comment_leaves_the_kept_pending_rows(staff, site, article, make_comment):
    comment = make_comment(article)
    _, row = _row(staff, comment)
    token = row.select_one("input[name=csrf_token]")["value"]

    answer = staff.post(
        f"/dashboard/comments/{comment.id}/decision",
        data={"csrf_token": token, "to_status": "approved", "expected_status": "pending"},
    )
    assert answer.status_code == 303

    _, gone = _row(staff, comment)
    assert gone is None
    _, approved = _row(staff, comment, "/dashboard/?status=approved")
    assert approved["data-status"] == "approved"
    buttons = [b["value"] for b in approved.select(".row-actions button[name=to_status]")]
    assert buttons == ["pending", "rejected", "spam"]


def test_kept_rows_carry_the_filters_of_the_page_they_are_on(
    staff, site, article, make_comment, section
):
    comment = make_comment(article)
    _, plain = _row(staff, comment)
    _, filtered = _row(staff, comment, f"/dashboard/?section={section.id}")

    assert plain.select_one("input[name=section]") is None
    assert filtered.select_one("input[name=section]")["value"] == str(section.id)


def test_each_moderator_gets_their_own_token_in_kept_rows(
    app, staff, site, article, make_comment, second_moderator
):
    comment = make_comment(article)
    other = app.test_client()
    log_in(other, second_moderator)

    tokens = []
    for client in (staff, other):
        html, row = _row(client, comment)
        token = row.select_one("input[name=csrf_token]")["value"]
        # The token the page's own forms carry: the row's matches it.
        assert html.select_one("#bulk-form input[name=csrf_token]")["value"] == token
        tokens.append(token)
    assert tokens[0] != tokens[1]
    assert len(rows.row_store().entries) == 1  # one kept row served both

    answer = other.post(
        f"/dashboard/comments/{comment.id}/decision",
        data={"csrf_token": tokens[1], "to_status": "spam", "expected_status": "pending"},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200
    assert text_of(page(answer).select_one(".strip-text")).startswith("Marked as spam")


def test_a_kept_row_tells_the_comments_age_as_of_now(
    staff, site, article, make_comment, monkeypatch
):
    comment = make_comment(article, created_at=utcnow() - timedelta(minutes=5))
    _, row = _row(staff, comment)
    assert text_of(row.select_one("time")) == "5 minutes ago"

    later = utcnow() + timedelta(days=3)
    monkeypatch.setattr(rows, "utcnow", lambda: later)
    monkeypatch.setattr(pages, "utcnow", lambda: later)
    _, row = _row(staff, comment)
    assert text_of(row.select_one("time")) == "3 days ago"


def test_no_slot_is_ever_shown(staff, site, article, make_comment):
    make_comment(article)
    for _ in range(2):  # drawn, then kept
        html = staff.get("/dashboard/").get_data(as_text=True)
        assert slot("csrf") not in html and slot("age") not in html


def test_kept_rows_are_bounded(staff, site, article, make_comment, monkeypatch):
    monkeypatch.setattr(rows.row_store(), "limit", 3)
    for _ in range(5):
        make_comment(article)
    staff.get("/dashboard/")
    assert len(rows.row_store().entries) == 3
