"""The queue's page kept whole (newsroom/dashboard/pages.py): kept and served again while
nothing it shows changed, never stale once something did.

Each test draws the queue, changes one thing the page shows through the service a
moderator or an admin would use, and draws it again in the same app.
"""

from datetime import timedelta

import pytest
from flask_login import login_user

from newsroom import moderation
from newsroom.dashboard import pages
from newsroom.extensions import db
from newsroom.models import Standing, utcnow
from newsroom.site_settings import SETTINGS_FIELDS, save_settings
from tests.conftest import log_in, page, text_of

# Each test starts with nothing kept, as a newly started worker does.
pytestmark = pytest.mark.usefixtures("nothing_kept")


def _queue(client, url="/dashboard/"):
    answer = client.get(url)
    assert answer.status_code == 200
    return page(answer)


def _without_tokens(html) -> str:
    # The CSRF token carries the second it was made in: compare pages without it.
    for token in html.select("input[name=csrf_token]"):
        token["value"] = "token"
    del html.body["data-hx-headers"]
    return str(html)


def test_the_page_is_kept_and_served_again(staff, site, article, make_comment):
    make_comment(article, body="Fix the ferry timetable first.")
    make_comment(article, body="The bridge can wait a year.")
    first = _queue(staff)
    again = _queue(staff)

    assert len(pages.page_store().entries) == 1  # drawn once, served twice
    assert _without_tokens(again) == _without_tokens(first)
    bodies = [text_of(body) for body in again.select(".row-body")]
    assert bodies == ["Fix the ferry timetable first.", "The bridge can wait a year."]


def test_each_moderator_sees_their_own_name_and_their_own_buttons(
    app, staff, site, article, make_comment, admin
):
    make_comment(article)
    other = app.test_client()
    log_in(other, admin)

    mine, theirs = _queue(staff), _queue(other)
    assert "Ana Moderator" in text_of(mine.select_one(".staff-nav"))
    assert "Ana Moderator" not in text_of(theirs.select_one(".staff-nav"))
    assert mine.select_one(".row-delete") is None  # only admins delete for good
    assert theirs.select_one(".row-delete") is not None
    tokens = [
        html.select_one("#bulk-form input[name=csrf_token]")["value"] for html in (mine, theirs)
    ]
    assert tokens[0] != tokens[1]


def test_each_row_tells_its_own_age_as_of_now(staff, site, article, make_comment, monkeypatch):
    make_comment(article, created_at=utcnow() - timedelta(hours=2))
    make_comment(article, created_at=utcnow() - timedelta(minutes=5))
    ages = [text_of(time) for time in _queue(staff).select(".row-meta time")]
    assert ages == ["2 hours ago", "5 minutes ago"]

    later = utcnow() + timedelta(days=3)
    monkeypatch.setattr(pages, "utcnow", lambda: later)
    ages = [text_of(time) for time in _queue(staff).select(".row-meta time")]
    assert ages == ["3 days ago", "3 days ago"]
    assert len(pages.page_store().entries) == 1


def test_a_new_comment_shows_on_the_kept_page(staff, site, article, make_comment):
    make_comment(article, body="The first one.")
    _queue(staff)
    make_comment(article, body="A second one, just in.", author_email="lee@example.com")

    html = _queue(staff)
    assert [text_of(b) for b in html.select(".row-body")] == [
        "The first one.",
        "A second one, just in.",
    ]
    assert text_of(html.select_one("#pending-badge")).startswith("2")


def test_an_edit_shows_on_the_kept_page(staff, site, article, make_comment, moderator):
    comment = make_comment(article, body="Call me on 555 0100 about it.")
    _queue(staff)
    moderation.edit_comment(
        comment.id,
        "Call me about it.",
        moderator,
        expected_status="pending",
        expected_version=comment.text_version,
    )

    html = _queue(staff)
    assert text_of(html.select_one(".row-body")) == "Call me about it."
    assert "555" not in text_of(html.select_one("#queue-list"))


def test_a_ban_shows_on_the_kept_page(staff, site, article, make_comment, moderator):
    comment = make_comment(article)
    _queue(staff)
    moderation.change_standing(
        comment.commenter_id,
        Standing.BANNED,
        moderator,
        seen_version=comment.commenter.standing_version,
        reason="Threats",
    )

    html = _queue(staff)
    assert text_of(html.select_one(".commenter-line .standing-badge")) == "banned"


def test_a_new_rejection_reason_shows_on_the_kept_page(staff, site, article, make_comment):
    make_comment(article)
    _queue(staff)
    moderation.add_rejection_reason("Personal attack")

    html = _queue(staff)
    options = [text_of(o) for o in html.select(".row-actions select[name=reason] option")]
    assert "1. Personal attack" in options


def test_a_renamed_site_shows_on_the_kept_page(staff, site, article, make_comment):
    make_comment(article)
    _queue(staff)
    values = {name: getattr(site, name) for name in SETTINGS_FIELDS}
    save_settings({**values, "organization_name": "Harbour Gazette"})

    html = _queue(staff)
    assert text_of(html.select_one(".staff-home")).startswith("Harbour Gazette")


def test_a_new_report_shows_on_the_kept_reported_tab(staff, site, article, make_comment):
    comment = make_comment(article, status="approved")
    moderation.report_comment(
        comment.id, article.id, fingerprint="a" * 64, reason="abusive", threshold=3
    )
    html = _queue(staff, "/dashboard/?status=reported")
    assert "abusive or hateful (1)" in text_of(html.select_one(".reports"))

    moderation.report_comment(
        comment.id,
        article.id,
        fingerprint="b" * 64,
        reason="other",
        detail="Names a private person",
        threshold=3,
    )
    html = _queue(staff, "/dashboard/?status=reported")
    assert "Reported: 2 times" in text_of(html.select_one(".reports"))
    assert "“Names a private person”" in text_of(html.select_one(".report-details"))


def test_a_flashed_message_shows_once_and_is_never_kept(staff, site, article, make_comment):
    first = make_comment(article)
    make_comment(article, author_email="lee@example.com")
    token = _queue(staff).select_one("#bulk-form input[name=csrf_token]")["value"]
    # A decision without JavaScript answers with a redirect and a flashed message.
    answer = staff.post(
        f"/dashboard/comments/{first.id}/decision",
        data={"csrf_token": token, "to_status": "approved", "expected_status": "pending"},
    )
    assert answer.status_code == 303

    flashed = _queue(staff)
    assert flashed.select_one(".flash") is not None
    again = _queue(staff)
    assert again.select_one(".flash") is None
    assert len(again.select(".queue-row")) == 1


def test_kept_pages_are_bounded(staff, site, article, make_comment, section, monkeypatch):
    monkeypatch.setattr(pages.page_store(), "limit", 2)
    make_comment(article)
    for url in ("/dashboard/", "/dashboard/?status=approved", f"/dashboard/?section={section.id}"):
        _queue(staff, url)
    assert len(pages.page_store().entries) == 2


def test_a_page_without_an_age_slot_per_row_is_refused(app, site, article, make_comment, moderator):
    """The page is cut at its rows' age slots: markup that moved one out of a row (or put
    one elsewhere) would misplace every age after it, so it is an error, not a page."""
    make_comment(article)
    with app.test_request_context():
        login_user(moderator)
        shown = [
            moderation.shown_values(c) for c in moderation.queue_page(moderation.QueueFilter())[0]
        ]
        with pytest.raises(RuntimeError, match="one age slot per row"):
            pages.kept_page(("test",), shown, {}, lambda: (shown, {}, "<p>no slot</p>"))
    db.session.rollback()


def test_a_search_is_drawn_not_kept(staff, site, article, make_comment):
    """A search is seldom asked twice, and looking its rows up before drawing them would
    run it twice."""
    make_comment(article, body="The ferry timetable again.")
    make_comment(article, body="Nothing about boats.", author_email="lee@example.com")
    for _ in range(2):
        html = _queue(staff, "/dashboard/?q=ferry")
        assert [text_of(b) for b in html.select(".row-body")] == ["The ferry timetable again."]
        assert text_of(html.select_one(".row-meta time")) == "just now"
    assert len(pages.page_store().entries) == 0
