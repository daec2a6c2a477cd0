"""Values from outside that no page can use: each answers 400, 404, 413 or 422 with a clear
message, on SQLite and PostgreSQL alike, never a 500 (DESIGN.md, "Input from outside").

tests/test_fuzz.py looks for more of these; each one it found has its own test here."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from newsroom.extensions import db
from newsroom.models import Article, Comment, Section, User
from tests.conftest import csrf_token, page, submit_form, text_of

# Digits int() refuses ("²", "፪"), one it takes but no URL should hold ("٣"), and numbers
# beyond any integer column of SQLite (2**63) or PostgreSQL (2**31 for ids).
NOT_AN_ID = ["²", "፪", "٣", "-1", "1.5", "1e3", "99999999999999999999", str(2**31), str(2**63)]
NUL_REFUSED = "NUL character"


# --- Numbers in URLs ---------------------------------------------------------------------


@pytest.mark.parametrize("value", NOT_AN_ID)
def test_an_id_in_the_path_that_no_row_can_have_is_not_found(admin_client, site, value):
    for path in (
        "/admin/articles/{}/edit",
        "/admin/articles/{}/delete",
        "/admin/sections/{}/edit",
        "/admin/sections/{}/delete",
        "/admin/staff/{}",
    ):
        response = admin_client.get(path.format(value))
        assert response.status_code == 404, (path, value)
        assert text_of(page(response).select_one("h1")) == "Page not found"
    token = csrf_token(admin_client, "/admin/sections/")
    for path in (
        "/admin/sections/{}/move",
        "/admin/staff/{}/role",
        "/admin/staff/{}/active",
        "/admin/staff/{}/password",
        "/dashboard/comments/{}/decision",
        "/dashboard/decisions/{}/undo",
    ):
        response = admin_client.post(path.format(value), data={"csrf_token": token})
        assert response.status_code == 404, (path, value)


@pytest.mark.parametrize("value", NOT_AN_ID)
def test_a_number_in_the_query_that_is_no_number_is_ignored(staff, site, article, value):
    """Filters and positions that can't be what they name fall back to the whole list."""
    for path, name in (
        ("/dashboard/", "section"),
        ("/dashboard/", "article"),
        ("/dashboard/new", "since"),
        ("/dashboard/new", "section"),
        ("/dashboard/history", "moderator"),
        ("/dashboard/history", "comment"),
        ("/dashboard/history", "before"),
    ):
        response = staff.get(path, query_string={name: value})
        assert response.status_code == 200, (path, name, value)


@pytest.mark.parametrize(
    "cursor", ["1e300_1", "inf_1", f"1_{2**31}", f"{10**30}_1", "²_1", "1_٣", "9" * 5000 + "_1"]
)
def test_a_queue_position_no_comment_can_have_shows_the_first_page(
    staff, site, article, make_comment, cursor
):
    make_comment(article, author_name="First in line")
    response = staff.get("/dashboard/", query_string={"after": cursor})
    assert response.status_code == 200
    assert [text_of(a) for a in page(response).select(".queue-row .row-author")] == [
        "First in line"
    ]


@pytest.mark.parametrize("value", NOT_AN_ID)
def test_the_admin_lists_filter_and_page_numbers(admin_client, site, article, value):
    response = admin_client.get("/admin/articles/", query_string={"section": value})
    assert response.status_code == 200
    assert [text_of(a) for a in page(response).select(".article-title-cell a")] == [article.title]
    response = admin_client.get("/admin/articles/", query_string={"page": value})
    assert response.status_code == 404


@pytest.mark.parametrize("value", NOT_AN_ID)
def test_a_decision_posted_with_a_filter_that_is_no_number(
    staff, site, article, make_comment, value
):
    comment = make_comment(article)
    token = csrf_token(staff, "/dashboard/")
    response = staff.post(
        f"/dashboard/comments/{comment.id}/decision",
        data={
            "csrf_token": token,
            "to_status": "approved",
            "expected_status": "pending",
            "section": value,
            "article": value,
        },
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/dashboard/"


@pytest.mark.parametrize("value", NOT_AN_ID)
def test_bulk_ids_that_no_comment_can_have_change_nothing(
    staff, site, article, make_comment, value
):
    comment = make_comment(article)
    token = csrf_token(staff, "/dashboard/")
    response = staff.post(
        "/dashboard/bulk",
        data={"csrf_token": token, "to_status": "approved", "comment_ids": [value, comment.id]},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert "Nothing was changed" in text_of(page(response))
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).status == "pending"


@pytest.mark.parametrize("value", NOT_AN_ID)
def test_an_article_filed_in_a_section_no_row_can_be(admin_client, site, section, value):
    response = submit_form(
        admin_client,
        "/admin/articles/new",
        {"title": "Filed nowhere", "section_id": value},
        "form.article-editor",
    )
    assert response.status_code == 422
    assert text_of(page(response).select_one("#section_id-error"))
    assert db.session.scalar(sa.select(Article).where(Article.title == "Filed nowhere")) is None


# --- htmx's headers ----------------------------------------------------------------------


@pytest.mark.parametrize("current", ["http://[::1", "http://example.org//[x", "\\\\", "%"])
def test_an_htmx_request_from_a_page_whose_address_is_malformed(client, site, current):
    response = client.get("/dashboard/", headers={"HX-Request": "true", "HX-Current-URL": current})
    assert response.status_code == 401
    target = urlsplit(response.headers["HX-Redirect"])
    assert target.path == "/login"
    assert "next" not in parse_qs(target.query)


# --- Dates -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["9999-12-31T23:59", "0001-01-01T00:00", "1899-12-31T23:59", "2201-01-01T00:00"]
)
@pytest.mark.parametrize("zone", ["UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_a_publication_date_out_of_range_is_refused_beside_the_field(
    admin_client, site, section, typed, zone
):
    site.timezone = zone
    db.session.commit()
    response = submit_form(
        admin_client,
        "/admin/articles/new",
        {"title": "Far Away", "status": "published", "published_at": typed},
        "form.article-editor",
    )
    assert response.status_code == 422
    message = text_of(page(response).select_one("#published_at-error"))
    assert "between 1900 and 2200" in message
    assert db.session.scalar(sa.select(Article).where(Article.title == "Far Away")) is None


@pytest.mark.parametrize("typed", ["1900-01-01T00:00", "2200-12-31T23:59"])
def test_the_first_and_last_dates_of_the_range_are_kept(admin_client, site, section, typed):
    site.timezone = "Pacific/Kiritimati"
    db.session.commit()
    response = submit_form(
        admin_client,
        "/admin/articles/new",
        {"title": "At the Edge", "status": "published", "published_at": typed},
        "form.article-editor",
    )
    assert response.status_code == 303
    edited = page(admin_client.get(response.headers["Location"]))
    assert edited.select_one("#published_at")["value"] == typed


@pytest.mark.parametrize(
    "moment", [datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, tzinfo=UTC)]
)
def test_a_stored_date_at_the_ends_of_time_renders_in_any_timezone(
    admin_client, site, make_article, moment
):
    """Dates typed before the range existed (or loaded by other means) stay readable when
    the site's timezone moves them past what Python's dates hold: shown in UTC instead."""
    article = make_article("From the Ends of Time", published_at=moment)
    for zone in ("America/New_York", "Asia/Tokyo"):
        site.timezone = zone
        db.session.commit()
        listed = page(admin_client.get("/admin/articles/"))
        row = next(r for r in listed.select("tbody tr") if article.title in text_of(r))
        assert f", {moment.year} at " in text_of(row), (zone, text_of(row))
        # Readers see the one from year 1; the one from 9999 is still scheduled.
        home = text_of(page(admin_client.get("/")).select_one("main"))
        assert (article.title in home) is (moment.year == 1), zone
        shown = admin_client.get(f"/articles/{article.slug}")
        if moment.year == 1:
            assert text_of(page(shown).select_one("#article-title")) == article.title
        else:
            assert shown.status_code == 404
        editor = page(admin_client.get(f"/admin/articles/{article.id}/edit"))
        typed = editor.select_one("#published_at")["value"]
        assert ("-01-01T" if moment.year == 1 else "9999-12-31T") in typed, (zone, typed)


# --- NUL characters ----------------------------------------------------------------------


def _refused_for_nul(response) -> None:
    assert response.status_code == 400
    assert NUL_REFUSED in text_of(page(response))


def test_nul_in_the_address_is_refused(client, site, article):
    for path in ("/articles/a%00b", "/sections/x%00/", "/?page=1%00", "/?x%00=1"):
        _refused_for_nul(client.get(path))


def test_nul_in_a_comment_is_refused_and_nothing_stored(client, site, article):
    for field in ("author_name", "author_email", "body", "website"):
        response = submit_form(
            client,
            f"/articles/{article.slug}",
            {
                "author_name": "Lee",
                "author_email": "lee@example.com",
                "body": "Hello.",
                field: "a\x00b",
            },
            "form.comment-form",
        )
        _refused_for_nul(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 0


def test_nul_in_the_login_email_is_refused(client, site, moderator):
    response = submit_form(
        client, "/login", {"email": "ana\x00@newsroom.example", "password": "x"}, "form.login-form"
    )
    _refused_for_nul(response)


def test_nul_in_search_boxes_is_refused(admin_client, site):
    _refused_for_nul(admin_client.get("/dashboard/", query_string={"q": "a\x00"}))
    _refused_for_nul(admin_client.get("/admin/articles/", query_string={"q": "a\x00"}))


def test_nul_in_titles_and_names_is_refused(admin_client, site, section):
    _refused_for_nul(
        submit_form(admin_client, "/admin/articles/new", {"title": "A\x00"}, "form.article-editor")
    )
    _refused_for_nul(submit_form(admin_client, "/admin/sections/new", {"name": "S\x00"}, "form"))
    response = submit_form(
        admin_client,
        "/admin/staff/new",
        {"email": "x@example.org", "name": "N\x00", "password": "long enough password"},
        "form",
    )
    _refused_for_nul(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Section)) == 1
    assert db.session.scalar(sa.select(User).where(User.email == "x@example.org")) is None


def test_nul_in_a_header_htmx_sends_is_refused(staff, site):
    response = staff.get("/dashboard/", headers={"HX-Request": "true", "HX-Target": "rows\x00"})
    assert response.status_code == 400
    assert NUL_REFUSED in text_of(page(response))
    assert "<html" not in response.get_data(as_text=True)


# --- Size --------------------------------------------------------------------------------


def test_a_request_larger_than_the_limit_is_refused_before_it_is_read(app, client, site, article):
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert 1_000_000 <= limit <= 10_000_000
    token = page(client.get(f"/articles/{article.slug}")).select_one("input[name=form_token]")
    response = client.post(
        f"/articles/{article.slug}/comments",
        data={"form_token": token["value"], "author_name": "Lee", "body": "x" * 10_000_000},
    )
    assert response.status_code == 413
    html = page(response)
    assert text_of(html.select_one("h1")) == "Too large"
    assert "larger than this site accepts" in text_of(html.select_one(".error-page"))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 0


def test_a_long_article_fits_under_the_limit(admin_client, site, section):
    body = "Ünïcödé paragraph, with “quotes” & marks.\n\n" * 2000  # about 90,000 characters
    response = submit_form(
        admin_client,
        "/admin/articles/new",
        {"title": "A Long Read", "status": "published", "body_markdown": body},
        "form.article-editor",
    )
    assert response.status_code == 303


def test_a_body_over_the_articles_limit_is_refused_beside_the_field(admin_client, site, section):
    response = submit_form(
        admin_client,
        "/admin/articles/new",
        {"title": "Too Long a Read", "body_markdown": "x" * 100_001},
        "form.article-editor",
    )
    assert response.status_code == 422
    assert "at most 100,000 characters" in text_of(
        page(response).select_one("#body_markdown-error")
    )


def test_a_next_address_urlsplit_refuses_is_ignored(client, site):
    response = client.get("/login", query_string={"next": "//[x"})
    assert response.status_code == 200
