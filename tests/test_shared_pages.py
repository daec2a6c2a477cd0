"""Public pages a shared cache can hold: every anonymous reader gets the same bytes, with no
cookie; the comment form is protected without a session (where the POST came from, and a
form token the same for every reader); a reader's own notice and pending comment come on a
personal page no cache keeps."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from newsroom import moderation
from newsroom.extensions import db
from newsroom.models import Comment, CommentStatus
from newsroom.public import protection
from tests.conftest import csrf_token, form_fields, log_in, page, text_of

GOOD = {"author_name": "Lee Park", "author_email": "lee@example.com", "body": "Well reported."}
SHARED = "public, max-age=0, s-maxage=1, stale-while-revalidate=30"
PERSONAL = "private, no-store"


def _comments() -> list[Comment]:
    return db.session.scalars(sa.select(Comment).order_by(Comment.id)).all()


def _opened_form(client, article, **typed) -> tuple[str, dict[str, str]]:
    url = f"/articles/{article.slug}"
    form = page(client.get(url)).select_one("form.comment-form")
    return form["action"], {**form_fields(form), **GOOD, **typed}


@pytest.fixture
def public_urls(site, section, article, make_article, make_comment):
    """Every public page a reader can be sent: home (two pages of it), a section, an article
    with comments, an article with comments closed."""
    for n in range(11):
        make_article(f"Story {n}", slug=f"story-{n}")
    make_article("Closed", slug="closed", comments_open=False)
    make_comment(article, "approved", body="Seen by all.")
    make_comment(article, "pending", body="Seen by none.")
    return [
        "/",
        "/?page=2",
        f"/sections/{section.slug}/",
        f"/articles/{article.slug}",
        "/articles/closed",
    ]


def test_anonymous_pages_set_no_cookie_and_are_the_same_for_everyone(app, public_urls):
    one, other = app.test_client(), app.test_client()
    other.environ_base["REMOTE_ADDR"] = "198.51.100.9"
    for url in public_urls:
        first, second = one.get(url), other.get(url)
        assert first.status_code == second.status_code == 200, url
        assert "Set-Cookie" not in first.headers and "Set-Cookie" not in second.headers, url
        assert first.get_data() == second.get_data(), url
        assert first.headers["Cache-Control"] == SHARED, url
        assert not first.headers["ETag"].startswith("W/"), url  # a strong validator
        assert "csrf_token" not in first.get_data(as_text=True), url
    assert one.get_cookie("session") is None and other.get_cookie("session") is None


def test_a_shared_page_answers_304_to_its_own_etag(client, public_urls):
    for url in public_urls:
        etag = client.get(url).headers["ETag"]
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.get_data() == b"", url
        assert again.headers["Cache-Control"] == SHARED


def test_pages_name_what_they_show_for_a_cache_to_purge(client, site, section, article):
    shown = client.get(f"/articles/{article.slug}")
    keys = f"site section-{section.id} article-{article.id}"
    assert shown.headers["Surrogate-Key"] == keys
    assert shown.headers["Cache-Tag"] == keys.replace(" ", ",")
    listing = client.get(f"/sections/{section.slug}/")
    # The list names the articles it counts the comments of, too.
    assert listing.headers["Surrogate-Key"] == (
        f"site listings section-{section.id} article-{article.id}"
    )
    assert client.get("/").headers["Surrogate-Key"] == f"site listings article-{article.id}"


def test_a_reader_who_posted_gets_a_personal_page_until_a_moderator_decides(
    app, client, site, article, moderator
):
    action, fields = _opened_form(client, article)
    posted = client.post(action, data=fields)
    assert posted.status_code == 303
    assert posted.headers["Cache-Control"] == PERSONAL
    assert client.get_cookie("session") is not None

    # Their notice, then their comment awaiting approval: never from a shared cache.
    for _ in range(2):
        mine = client.get(f"/articles/{article.slug}")
        assert mine.headers["Cache-Control"] == PERSONAL
        assert text_of(page(mine).select_one(".comment-awaiting > div")) == "Well reported."
    # Anyone else gets the shared page, without it.
    theirs = app.test_client().get(f"/articles/{article.slug}")
    assert theirs.headers["Cache-Control"] == SHARED
    assert page(theirs).select_one(".comment-awaiting") is None

    [comment] = _comments()
    moderation.decide(comment.id, "approved", moderator)
    after = client.get(f"/articles/{article.slug}")
    # The session forgets the decided comment and goes: the cookie is deleted, and the
    # answer that deletes it is still kept by no shared cache.
    assert after.headers["Cache-Control"] == PERSONAL
    assert client.get_cookie("session") is None
    assert text_of(page(after).select_one(".comment > div")) == "Well reported."
    again = client.get(f"/articles/{article.slug}")
    assert again.headers["Cache-Control"] == SHARED and "Set-Cookie" not in again.headers


def test_a_pending_comment_on_another_article_keeps_the_session_but_not_this_page(
    client, site, article, make_article
):
    other = make_article("Other Story", slug="other-story")
    action, fields = _opened_form(client, other)
    assert client.post(action, data=fields).status_code == 303
    client.get(f"/articles/{other.slug}")  # the notice is shown and spent

    here = client.get(f"/articles/{article.slug}")
    assert here.headers["Cache-Control"] == SHARED  # nothing on it is theirs
    assert page(here).select_one(".comment-awaiting") is None
    assert client.get_cookie("session") is not None  # their comment elsewhere still waits
    assert page(client.get(f"/articles/{other.slug}")).select_one(".comment-awaiting")


# --- Where the POST came from -------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "same-origin"},
        {"Sec-Fetch-Site": "none"},
        {"Sec-Fetch-Site": "same-origin", "Origin": "https://elsewhere.example"},
        {"Origin": "http://localhost"},
        {"Origin": "HTTP://LOCALHOST"},
        {},  # no browser: the honeypot, the rate limit and the moderators apply
    ],
)
def test_a_post_from_this_site_or_no_browser_is_taken(client, site, article, headers):
    action, fields = _opened_form(client, article)
    response = client.post(action, data=fields, headers=headers)
    assert response.status_code == 303, headers
    assert [c.body for c in _comments()] == ["Well reported."]


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},  # a sibling subdomain is another site's page too
        {"Sec-Fetch-Site": "cross-site", "Origin": "http://localhost.evil.example"},
        {"Sec-Fetch-Site": "anything else"},
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Origin": "http://[::1"},
        {"Origin": "http://localhost:8080"},
        {"Origin": "http://évil.example"},
    ],
)
def test_a_post_from_another_site_is_refused_with_a_clear_page(client, site, article, headers):
    action, fields = _opened_form(client, article)
    response = client.post(action, data=fields, headers=headers)
    assert response.status_code == 403, headers
    html = page(response)
    assert "sent from a page on another website" in text_of(html.select_one(".error-page"))
    assert response.headers["Cache-Control"] == PERSONAL
    assert _comments() == []


def test_trusted_origins_may_post(app, client, site, article, monkeypatch):
    monkeypatch.setitem(
        app.config, "TRUSTED_ORIGINS", "https://www.example.org, https://m.example.org/"
    )
    action, fields = _opened_form(client, article)
    for origin in ("https://www.example.org", "https://m.example.org"):
        headers = {"Sec-Fetch-Site": "cross-site", "Origin": origin}
        assert (
            client.post(action, data={**fields, "body": origin}, headers=headers).status_code == 303
        )
    refused = client.post(action, data=fields, headers={"Origin": "https://example.org"})
    assert refused.status_code == 403
    assert len(_comments()) == 2


# --- The form token -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    [
        None,
        "",
        "not-a-token",
        "123.abc",
        "f" * 5000,
        "submission" + "0" * 24,
    ],
)
def test_a_form_without_a_good_token_keeps_the_text_and_asks_again(client, site, article, token):
    action, fields = _opened_form(client, article, body="Typed with care.")
    if token is None:
        del fields["form_token"]
    else:
        fields["form_token"] = token

    refused = client.post(action, data=fields)

    assert refused.status_code == 422
    assert refused.headers["Cache-Control"] == PERSONAL
    html = page(refused)
    error = text_of(html.select_one(".error-summary"))
    assert error.startswith("Your comment was not sent") and "send it again" in error
    # Nothing the reader typed is wrong: the one entry leads to their text.
    assert [a["href"] for a in html.select(".error-summary a")] == ["#body"]
    assert html.select_one("#body").get_text().strip() == "Typed with care."
    assert _comments() == []
    again = client.post(action, data=form_fields(html.select_one("form.comment-form")))
    assert again.status_code == 303 and len(_comments()) == 1


def test_a_token_lasts_about_a_day_and_no_longer(app):
    now = 1_800_000_000.0
    period = protection.form_period(now)
    with app.test_request_context():
        for age, valid in (
            (0, True),
            (protection.FORM_TOKEN_PERIODS - 1, True),
            (protection.FORM_TOKEN_PERIODS, False),
            (-1, False),
        ):
            token = protection.form_token(period - age)
            assert protection.form_token_valid(token, now) is valid, age


def test_a_token_signed_with_another_key_is_refused(app):
    with app.test_request_context():
        token = protection.form_token()
        app.config["SECRET_KEY"], kept = "another deployment's key", app.config["SECRET_KEY"]
        try:
            assert not protection.form_token_valid(token)
            assert protection.form_token_valid(protection.form_token())
        finally:
            app.config["SECRET_KEY"] = kept


def test_the_cached_page_is_drawn_again_when_the_token_changes(client, site, article, monkeypatch):
    first = page(client.get(f"/articles/{article.slug}")).select_one("input[name=form_token]")
    later = protection.form_period() + 1
    monkeypatch.setattr(protection, "form_period", lambda now=None: later)
    second = page(client.get(f"/articles/{article.slug}")).select_one("input[name=form_token]")
    assert first["value"] != second["value"]
    assert second["value"].startswith(f"{later}.")


# --- Staff forms are unchanged --------------------------------------------------------------


def test_staff_forms_still_need_their_session_token(client, site, article, make_comment, moderator):
    comment = make_comment(article)
    log_in(client, moderator)
    refused = client.post(
        f"/dashboard/comments/{comment.id}/decision",
        data={"to_status": "approved", "expected_status": "pending"},
        headers={"Sec-Fetch-Site": "same-origin"},
    )
    assert refused.status_code == 400
    assert db.session.get(Comment, comment.id).status == CommentStatus.PENDING
    token = csrf_token(client, "/dashboard/")
    taken = client.post(
        f"/dashboard/comments/{comment.id}/decision",
        data={"to_status": "approved", "expected_status": "pending", "csrf_token": token},
    )
    assert taken.status_code == 303
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).status == CommentStatus.APPROVED
