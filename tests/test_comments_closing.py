"""Comments close by themselves some days after publication (the site's setting, or the
article's own): the page says so instead of showing the form, a late POST is refused with
the reader's text given back, and cached pages turn over at the closing time. Admins set
the days, and the policy, in the settings, the section form and the article editor."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from newsroom.extensions import db
from newsroom.models import Comment, Policy, utcnow
from tests.conftest import page, submit_form, text_of

BODY = "The repairs are still not done."


def _closed_note(html) -> str:
    return text_of(html.select_one(".notice.closed"))


def _post(client, slug: str, token: str):
    data = {
        "form_token": token,
        "author_name": "Lee",
        "author_email": "lee@example.com",
        "body": BODY,
    }
    return client.post(f"/articles/{slug}/comments", data=data)


def _token(client, article) -> str:
    return page(client.get(f"/articles/{article.slug}")).select_one("input[name=form_token]")[
        "value"
    ]


def test_comments_close_the_sites_number_of_days_after_publication(client, site, make_article):
    site.comments_close_after_days = 7
    db.session.commit()
    fresh = make_article("Fresh", published_at=utcnow() - timedelta(days=6, hours=23))
    old = make_article("Old", published_at=utcnow() - timedelta(days=7, minutes=1))

    assert page(client.get(f"/articles/{fresh.slug}")).select_one("form.comment-form")
    html = page(client.get(f"/articles/{old.slug}"))
    assert html.select_one("form.comment-form") is None
    closed_on = (old.published_at + timedelta(days=7)).strftime("%B %d, %Y")
    assert _closed_note(html) == f"Comments closed on {closed_on}."

    token = _token(client, fresh)
    response = _post(client, old.slug, token)
    assert response.status_code == 403
    refused = page(response)
    assert text_of(refused.select_one("[role=alert]")).startswith(
        "Your comment was not sent: comments on this article are closed."
    )
    assert refused.select_one("#kept-text").get_text() == BODY
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 0
    assert _post(client, fresh.slug, token).status_code == 303


@pytest.mark.parametrize(
    ("site_days", "article_days", "open_after_ten_days"),
    [(None, None, True), (7, None, False), (7, 0, True), (None, 30, True), (None, 3, False)],
)
def test_an_article_sets_its_own_days(
    client, site, make_article, site_days, article_days, open_after_ten_days
):
    site.comments_close_after_days = site_days
    db.session.commit()
    article = make_article(
        published_at=utcnow() - timedelta(days=10), comments_close_after_days=article_days
    )
    html = page(client.get(f"/articles/{article.slug}"))
    assert bool(html.select_one("form.comment-form")) is open_after_ten_days


def test_a_cached_page_turns_over_when_comments_close(client, site, make_article, monkeypatch):
    site.comments_close_after_days = 1
    db.session.commit()
    article = make_article(published_at=utcnow() - timedelta(days=1) + timedelta(seconds=20))
    first = client.get(f"/articles/{article.slug}")
    assert page(first).select_one("form.comment-form")
    # No shared cache may keep the open page past the closing time.
    control = first.headers["Cache-Control"]
    assert "s-maxage=1," in control and "stale-while-revalidate=0" in control
    token = page(first).select_one("input[name=form_token]")["value"]

    later = utcnow() + timedelta(seconds=30)
    monkeypatch.setattr("newsroom.models.utcnow", lambda: later)
    after = client.get(
        f"/articles/{article.slug}", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert after.status_code == 200  # not "304: what you have is current"
    assert page(after).select_one("form.comment-form") is None
    assert _closed_note(page(after)).startswith("Comments closed on ")
    # A reader who opened the page while it was open is refused, keeping their text.
    response = _post(client, article.slug, token)
    assert response.status_code == 403
    assert page(response).select_one("#kept-text").get_text() == BODY


# --- Admins set them -----------------------------------------------------------------


def test_the_settings_page_sets_the_policy_and_the_closing(admin_client, site, article):
    response = submit_form(
        admin_client,
        "/admin/settings",
        {
            "moderation_policy": Policy.PUBLISH_FIRST.value,
            "trusted_after_approved": "3",
            "comments_close_after_days": "14",
        },
        "form.settings-form",
    )
    assert response.status_code == 303
    db.session.refresh(site)
    assert (site.moderation_policy, site.trusted_after_approved) == ("publish_first", 3)
    assert site.comments_close_after_days == 14
    notice = page(admin_client.get(f"/articles/{article.slug}")).select_one(".comment-form .notice")
    assert text_of(notice).startswith("Most comments show at once")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("comments_close_after_days", "٣", "Type a whole number from 0 to 36,500."),
        ("comments_close_after_days", "36501", "Type a whole number from 0 to 36,500."),
        ("trusted_after_approved", "0", "Type a number of approved comments from 1 to 1,000."),
        ("trusted_after_approved", "", "Type how many approved comments, like 2."),
        ("moderation_policy", "anything", "Not a valid choice."),
    ],
)
def test_settings_out_of_bounds_are_refused(admin_client, site, field, value, message):
    response = submit_form(
        admin_client, "/admin/settings", {field: value, "tagline": "Kept"}, "form.settings-form"
    )
    assert response.status_code == 422
    html = page(response)
    assert text_of(html.select_one(f"#{field}-error")).startswith(message)
    assert html.select_one("#tagline")["value"] == "Kept"


def test_the_section_form_and_the_article_editor_set_their_own(admin_client, site, article):
    section = article.section
    response = submit_form(
        admin_client,
        f"/admin/sections/{section.id}/edit",
        {"moderation_policy": Policy.HOLD_NEW.value},
        "form.panel",
    )
    assert response.status_code == 303
    db.session.refresh(section)
    assert section.moderation_policy == "hold_new"

    editor = f"/admin/articles/{article.id}/edit"
    html = page(admin_client.get(editor))
    assert text_of(html.select_one("#moderation_policy option")) == "As its section says"
    response = submit_form(
        admin_client,
        editor,
        {"moderation_policy": Policy.PUBLISH_FIRST.value, "comments_close_after_days": "0"},
        "form.article-editor",
    )
    assert response.status_code == 303
    db.session.refresh(article)
    assert (article.moderation_policy, article.comments_close_after_days) == ("publish_first", 0)

    response = submit_form(
        admin_client, editor, {"comments_close_after_days": "x"}, "form.article-editor"
    )
    assert response.status_code == 422
    assert text_of(page(response).select_one("#comments_close_after_days-error")).startswith(
        "Type a whole number"
    )
