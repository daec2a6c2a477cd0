"""The moderation dashboard through the test client: both the htmx and the plain path."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import url_for

from newsroom import moderation
from newsroom.extensions import db
from newsroom.models import Comment, ModerationEvent, utcnow
from newsroom.moderation import QueueFilter
from tests.conftest import csrf_token, log_in, page, text_of

HTMX = {"HX-Request": "true", "HX-Current-URL": "http://localhost/dashboard/?status=pending"}


def _status(comment_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Comment, comment_id).status


def _events() -> list[ModerationEvent]:
    return db.session.scalars(sa.select(ModerationEvent).order_by(ModerationEvent.id)).all()


def _decide(client, comment, to_status, headers=None, expected=None, **extra):
    """Press a decision button on a row that showed the comment in `expected` status."""
    token = csrf_token(client, "/dashboard/")
    data = {
        "csrf_token": token,
        "to_status": to_status,
        "expected_status": expected or comment.status,
        "status": "pending",
        **extra,
    }
    return client.post(f"/dashboard/comments/{comment.id}/decision", data=data, headers=headers)


# --- Who may see the dashboard ---------------------------------------------------------


@pytest.mark.parametrize("url", ["/dashboard/", "/dashboard/history", "/dashboard/new?since=0"])
def test_anonymous_readers_are_sent_to_login(client, site, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert "/dashboard/" in response.headers["Location"]


def test_expired_session_on_htmx_request_gets_hx_redirect(client, site, article, make_comment):
    comment = make_comment(article)
    # The session has a CSRF token (from the login page) but nobody is logged in any more.
    token = csrf_token(client, "/login")
    response = client.post(
        f"/dashboard/comments/{comment.id}/decision",
        data={"to_status": "approved", "expected_status": "pending", "csrf_token": token},
        headers=HTMX,
    )
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login?next=/dashboard/?status%3Dpending"
    assert response.get_data(as_text=True) == ""
    assert _status(comment.id) == "pending"


def test_htmx_request_without_a_session_gets_hx_redirect_not_the_login_page(client, site):
    response = client.get("/dashboard/", headers=HTMX)
    assert response.status_code == 401
    assert "Location" not in response.headers
    assert response.headers["HX-Redirect"] == "/login?next=/dashboard/?status%3Dpending"
    assert "HX-Request" in response.headers["Vary"]


def test_hx_request_false_is_a_plain_request_sent_to_login(client, site):
    # htmx only ever sends "true"; anything else is an ordinary browser request.
    response = client.get("/dashboard/", headers={"HX-Request": "false"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/dashboard/"
    assert "HX-Redirect" not in response.headers
    assert "HX-Request" in response.headers["Vary"]


def test_inactive_accounts_cannot_log_in(client, site, inactive_moderator):
    response = log_in(client, inactive_moderator)
    assert response.status_code == 422
    assert "don't match an active staff account" in text_of(
        page(response).select_one("form.login-form")
    )
    assert client.get("/dashboard/").status_code == 302


def test_deactivated_moderator_loses_an_open_session(client, site, moderator):
    log_in(client, moderator)
    moderator.is_active = False
    db.session.commit()
    assert client.get("/dashboard/").status_code == 302


def test_moderator_and_admin_see_the_queue(app, client, site, moderator, admin):
    for user in (moderator, admin):
        browser = app.test_client()
        log_in(browser, user)
        html = page(browser.get("/dashboard/"))
        assert text_of(html.select_one("h1")) == "Comments"
        assert user.display_name in text_of(html.select_one(".staff-nav"))


# --- The queue -------------------------------------------------------------------------


def test_queue_rows_show_what_a_moderator_needs(staff, site, article, make_comment):
    old = make_comment(
        article,
        author_name="Old <b>Timer</b>",
        author_email="old@example.com",
        body="Visit https://x.example <script>x</script>",
        created_at=utcnow() - timedelta(hours=3),
    )
    make_comment(article, author_name="Newer", created_at=utcnow() - timedelta(minutes=5))
    make_comment(article, "approved", author_name="Not pending")

    html = page(staff.get("/dashboard/"))
    rows = html.select("#queue-list > .queue-row")

    assert [text_of(r.select_one(".row-author")) for r in rows] == ["Old <b>Timer</b>", "Newer"]
    first = rows[0]
    assert first["id"] == f"comment-{old.id}"
    assert text_of(first.select_one(".row-email")) == "old@example.com"
    assert text_of(first.select_one("time")) == "3 hours ago"
    assert first.select_one("time")["title"]  # the exact time on hover
    assert first.select_one(f'a[href="/articles/{article.slug}"]') is not None
    assert "contains a link" in text_of(first.select_one(".held"))
    assert first.select_one(".row-body script") is None
    assert [text_of(b) for b in first.select(".row-actions button")] == [
        "Approve the comment by Old <b>Timer</b>",
        "Reject the comment by Old <b>Timer</b>",
        "Spam the comment by Old <b>Timer</b>",
    ]


def test_tabs_and_badge_show_counts(staff, site, article, make_comment):
    for status in ["pending", "pending", "approved", "spam"]:
        make_comment(article, status)

    html = page(staff.get("/dashboard/?status=approved"))

    tabs = {text_of(a): a.get("aria-current") for a in html.select("#queue-tabs a")}
    assert tabs == {
        "Pending 2": None,
        "Published, unreviewed 0": None,
        "Approved 1": "page",
        "Rejected 0": None,
        "Spam 1": None,
        "Reported 0": None,
    }
    assert text_of(html.select_one("#pending-badge")) == "2 pending"
    assert [text_of(r.select_one(".row-author")) for r in html.select(".queue-row")] == [
        "Dana Reader"
    ]


def test_filter_by_section_article_and_search(staff, site, make_article, make_comment, app):
    from newsroom.models import Section

    other = Section(name="Press Releases", slug="press-releases", position=1)
    db.session.add(other)
    db.session.commit()
    one = make_article("One")
    two = make_article("Two", section=other)
    make_comment(one, author_name="Alice", body="about the river")
    make_comment(two, author_name="Bob", author_email="bob@marsh.example", body="about the lake")

    def authors(url: str) -> list[str]:
        return [
            text_of(r.select_one(".row-author")) for r in page(staff.get(url)).select(".queue-row")
        ]

    assert authors(f"/dashboard/?section={other.id}") == ["Bob"]
    assert authors(f"/dashboard/?article={one.id}") == ["Alice"]
    assert authors("/dashboard/?q=river") == ["Alice"]
    # An address finds its commenter's comments (whole, in any case); words, the text and names.
    assert authors("/dashboard/?q=Bob@Marsh.example") == ["Bob"]
    assert authors("/dashboard/?q=marsh.example") == []
    assert authors("/dashboard/?q=ALICE") == ["Alice"]


def test_load_more_pages_by_keyset(staff, site, article, make_comment):
    start = utcnow() - timedelta(days=2)
    for i in range(27):
        make_comment(article, author_name=f"Reader {i:02}", created_at=start + timedelta(minutes=i))

    html = page(staff.get("/dashboard/"))
    assert len(html.select(".queue-row")) == 25
    more = html.select_one("#load-more a")
    assert "after=" in more["href"] and more["data-hx-get"] == more["href"]

    fragment = staff.get(more["href"], headers=HTMX)
    rest = page(fragment)
    assert "<html" not in fragment.get_data(as_text=True)
    assert [text_of(r.select_one(".row-author")) for r in rest.select(".queue-row")] == [
        "Reader 25",
        "Reader 26",
    ]
    # The end of the queue: no more "Load more", only where new comments would follow.
    assert rest.select_one("#load-more a") is None
    assert rest.select_one("#load-more")["data-hx-trigger"] == "show-new"
    # Without htmx the same link is a full page.
    assert page(staff.get(more["href"])).select_one("h1") is not None


def test_load_more_keeps_comments_a_microsecond_apart(staff, site, article, make_comment):
    """The cursor holds the time to the microsecond, as integers: no comment is skipped
    or shown twice at a page boundary."""
    start = (utcnow() - timedelta(days=1)).replace(microsecond=0)
    for i in range(26):
        make_comment(
            article, author_name=f"Reader {i:02}", created_at=start + timedelta(microseconds=i)
        )
    html = page(staff.get("/dashboard/"))
    more = html.select_one("#load-more a")
    rest = page(staff.get(more["href"], headers=HTMX))
    shown = [text_of(r.select_one(".row-author")) for r in html.select(".queue-row")]
    shown += [text_of(r.select_one(".row-author")) for r in rest.select(".queue-row")]
    assert shown == [f"Reader {i:02}" for i in range(26)]


@pytest.mark.parametrize(
    "cursor", ["1e400_1", "-5_1", "nan_1", "1_99999999999999999999999", "²_1", "x", "_", "1_"]
)
def test_a_cursor_that_is_no_position_shows_the_first_page(
    staff, site, article, make_comment, cursor
):
    make_comment(article, author_name="First in line")
    for headers in ({}, HTMX):
        response = staff.get("/dashboard/", query_string={"after": cursor}, headers=headers)
        assert response.status_code == 200, (cursor, headers)
        rows = page(response).select(".queue-row")
        assert [text_of(r.select_one(".row-author")) for r in rows] == ["First in line"]


def test_new_comments_are_announced_by_polling(staff, site, article, make_comment):
    make_comment(article)
    html = page(staff.get("/dashboard/"))
    poller = html.select_one("#new-comments")
    assert "every" in poller["data-hx-trigger"]
    assert text_of(poller) == ""

    make_comment(article)
    make_comment(article)
    make_comment(article, "spam")
    answer = page(staff.get(poller["data-hx-get"], headers=HTMX))

    assert text_of(answer.select_one(".new-comments")) == "2 new comments — show"


# --- Deciding: htmx path ---------------------------------------------------------------


def test_htmx_approve_answers_with_a_strip_and_fresh_counts(staff, site, article, make_comment):
    comment = make_comment(article, author_name="Lee")
    make_comment(article)

    response = _decide(staff, comment, "approved", headers=HTMX)

    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<html" not in body
    assert "HX-Request" in response.headers["Vary"]
    html = page(response)
    strip = html.select_one(f"#comment-{comment.id}")
    assert text_of(strip.select_one(".strip-text")) == "Approved · comment by Lee"
    # Said aloud by the page's one live region, which the answer fills out of band; the
    # strip itself is no live region (new markup is often not read out).
    announcer = html.select_one("#announcer")
    assert announcer["data-hx-swap-oob"] == "innerHTML"
    assert text_of(announcer) == "Approved: comment by Lee."
    assert html.select("[role=status], [role=alert], [aria-live]") == []
    undo = strip.select_one("form")
    assert undo["data-hx-post"].endswith("/undo") and text_of(undo.button).startswith("Undo")
    assert html.select_one("#queue-tabs")["data-hx-swap-oob"] == "true"
    assert text_of(html.select_one('#queue-tabs a[href="/dashboard/"]')) == "Pending 1"
    badge = html.select_one("#pending-badge")
    assert badge["data-hx-swap-oob"] == "true" and text_of(badge) == "1 pending"
    assert _status(comment.id) == "approved"


@pytest.mark.parametrize(
    ("decision", "words"),
    [("approved", "Approved"), ("rejected", "Rejected"), ("spam", "Marked as spam")],
)
def test_each_outcome_has_its_own_strip(staff, site, article, make_comment, decision, words):
    comment = make_comment(article, author_name="Lee")
    answer = page(_decide(staff, comment, decision, headers=HTMX))
    strip = answer.select_one(f"#comment-{comment.id}")
    assert f"outcome-{decision}" in strip["class"] and "conflict" not in strip["class"]
    assert text_of(strip.select_one(".strip-text")) == f"{words} · comment by Lee"
    assert text_of(answer.select_one("#announcer")) == f"{words}: comment by Lee."


def test_htmx_conflict_says_who_won_and_changes_nothing(
    app, staff, site, article, make_comment, second_moderator
):
    comment = make_comment(article)
    moderation.decide(comment.id, "spam", second_moderator)

    response = _decide(staff, comment, "approved", headers=HTMX, expected="pending")

    assert response.status_code == 409
    html = page(response)
    said = text_of(html.select_one("#announcer"))
    assert said.startswith("This comment was already marked as spam by Ben Moderator at")
    assert "conflict" in html.select_one(f"#comment-{comment.id}")["class"]
    assert text_of(html.select_one(".strip-text")) == said
    assert _status(comment.id) == "spam"
    assert len(_events()) == 1


def test_htmx_undo_brings_the_row_back(staff, site, article, make_comment):
    comment = make_comment(article, author_name="Lee")
    strip = page(_decide(staff, comment, "rejected", headers=HTMX))
    undo_url = strip.select_one("form")["action"]

    response = staff.post(
        undo_url, data={"csrf_token": csrf_token(staff, "/dashboard/")}, headers=HTMX
    )

    html = page(response)
    row = html.select_one(f"#comment-{comment.id}")
    assert row["data-status"] == "pending" and row.has_attr("data-restored")
    assert text_of(row.select_one(".row-author")) == "Lee"
    assert text_of(html.select_one("#pending-badge")) == "1 pending"
    assert _status(comment.id) == "pending"
    assert [(e.from_status, e.to_status) for e in _events()] == [
        ("pending", "rejected"),
        ("rejected", "pending"),
    ]


# --- Deciding: plain path (JavaScript off) ---------------------------------------------


def test_plain_approve_redirects_back_to_the_same_tab_and_filter(
    staff, site, article, make_comment
):
    comment = make_comment(article, author_name="Lee")

    response = _decide(staff, comment, "approved", section="7", q="river")

    assert response.status_code == 303
    assert response.headers["Location"] == "/dashboard/?section=7&q=river"
    assert _status(comment.id) == "approved"
    flash = page(staff.get("/dashboard/")).select_one(".flash-success")
    assert text_of(flash) == "Approved: comment by Lee."


def test_plain_conflict_is_flashed(staff, site, article, make_comment, second_moderator):
    comment = make_comment(article)
    moderation.decide(comment.id, "approved", second_moderator)

    response = _decide(staff, comment, "rejected", expected="pending")

    assert response.status_code == 303
    flash = text_of(page(staff.get(response.headers["Location"])).select_one(".flash-error"))
    assert "already approved by Ben Moderator" in flash
    assert _status(comment.id) == "approved"


def test_plain_undo(staff, site, article, make_comment):
    comment = make_comment(article)
    _decide(staff, comment, "spam")
    [event] = _events()

    response = staff.post(
        f"/dashboard/decisions/{event.id}/undo",
        data={"csrf_token": csrf_token(staff, "/dashboard/"), "status": "spam"},
    )

    assert response.status_code == 303
    assert response.headers["Location"] == "/dashboard/?status=spam"
    assert _status(comment.id) == "pending"
    flash = page(staff.get(response.headers["Location"])).select_one(".flash-success")
    assert text_of(flash) == "Undone: the comment by Dana Reader is pending again."


def test_decision_outside_the_allowed_transitions_is_refused(staff, site, article, make_comment):
    comment = make_comment(article, "rejected")
    response = _decide(staff, comment, "spam", headers=HTMX)
    assert response.status_code == 409
    assert "can't be marked as spam" in text_of(page(response).select_one("#announcer"))
    assert _status(comment.id) == "rejected"


def test_missing_csrf_token_is_refused_and_changes_nothing(staff, site, article, make_comment):
    comment = make_comment(article)
    for headers in (None, HTMX):
        response = staff.post(
            f"/dashboard/comments/{comment.id}/decision",
            data={"to_status": "approved", "expected_status": "pending"},
            headers=headers,
        )
        assert response.status_code == 400
        if headers:
            assert response.headers["HX-Refresh"] == "true"
    assert _status(comment.id) == "pending"
    assert _events() == []


def test_htmx_pages_send_the_csrf_token_in_hx_headers(staff, site):
    html = page(staff.get("/dashboard/"))
    assert '"X-CSRFToken"' in html.body["data-hx-headers"]


# --- Bulk ------------------------------------------------------------------------------


def test_bulk_htmx_decides_the_selection(staff, site, article, make_comment):
    chosen = [make_comment(article) for _ in range(3)]
    left = make_comment(article)

    response = staff.post(
        "/dashboard/bulk",
        data={
            "csrf_token": csrf_token(staff, "/dashboard/"),
            "to_status": "approved",
            "comment_ids": [c.id for c in chosen],
            "status": "pending",
        },
        headers=HTMX,
    )

    html = page(response)
    assert text_of(html.select_one(".flash")) == "Approved: 3 comments."
    strips = html.select(".queue-row.decided")
    assert {s["id"] for s in strips} == {f"comment-{c.id}" for c in chosen}
    assert all(s["data-hx-swap-oob"] == "true" for s in strips)
    assert text_of(html.select_one("#pending-badge")) == "1 pending"
    assert [_status(c.id) for c in chosen] == ["approved"] * 3
    assert _status(left.id) == "pending"
    assert len(_events()) == 3


def test_bulk_plain_with_nothing_selected_says_so(staff, site, article, make_comment):
    make_comment(article)
    response = staff.post(
        "/dashboard/bulk",
        data={"csrf_token": csrf_token(staff, "/dashboard/"), "to_status": "spam"},
    )
    assert response.status_code == 303
    flash = page(staff.get(response.headers["Location"])).select_one(".flash-error")
    assert text_of(flash) == "Select at least one comment first. Nothing was changed."
    assert _events() == []


# --- History ---------------------------------------------------------------------------


def test_history_lists_decisions_newest_first_with_filters(
    staff, site, article, make_comment, moderator, second_moderator
):
    a = make_comment(article, author_name="First")
    b = make_comment(article, author_name="Second")
    moderation.decide(a.id, "approved", moderator)
    moderation.decide(b.id, "spam", second_moderator)

    def rows(url: str) -> list[str]:
        return [text_of(tr) for tr in page(staff.get(url)).select("tbody tr")]

    everything = rows("/dashboard/history")
    assert len(everything) == 2
    assert "Ben Moderator" in everything[0] and "spam" in everything[0]
    assert "Ana Moderator" in everything[1] and "approved" in everything[1]
    assert len(rows(f"/dashboard/history?moderator={moderator.id}")) == 1
    assert "Ben Moderator" in rows("/dashboard/history?decision=spam")[0]
    only_a = page(staff.get(f"/dashboard/history?comment={a.id}"))
    assert "First" in text_of(only_a.select_one(".panel"))
    assert len(only_a.select("tbody tr")) == 1


def test_each_row_links_to_its_comments_history(staff, site, article, make_comment):
    comment = make_comment(article)
    html = page(staff.get("/dashboard/"))
    link = html.select_one(
        f"#comment-{comment.id} a[href='/dashboard/history?comment={comment.id}']"
    )
    assert link is not None


# --- The public page follows -----------------------------------------------------------


def test_public_page_follows_approval_and_rejection(app, staff, site, article, make_comment):
    comment = make_comment(article, body="Worth reading twice.")
    reader = app.test_client()

    def public_bodies() -> list[str]:
        html = page(reader.get(f"/articles/{article.slug}"))
        return [text_of(c.select_one(":scope > div")) for c in html.select(".comment")]

    assert public_bodies() == []
    _decide(staff, comment, "approved")
    assert public_bodies() == ["Worth reading twice."]
    db.session.refresh(comment)
    _decide(staff, comment, "rejected", status="approved")
    assert public_bodies() == []


def test_dashboard_is_never_cached(staff, site):
    assert staff.get("/dashboard/").headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "narrowing",
    [
        {},
        {"status": "spam"},
        {"status": "approved", "section_id": 3, "article_id": 41},
        {"search": "café & tea?=1 @home/ünï 100%"},
    ],
)
def test_a_tabs_link_is_the_one_url_for_writes(app, narrowing):
    queue = QueueFilter(**narrowing)
    with app.test_request_context("/dashboard/"):
        for status in ("pending", "reported", "rejected"):
            tab = queue.with_status(status)
            assert url_for("dashboard.queue") + tab.as_query() == url_for(
                "dashboard.queue", **tab.as_args()
            )
