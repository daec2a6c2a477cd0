"""Admins write, schedule, publish, rename and delete articles; readers see the result."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from newsroom import moderation
from newsroom.content import render_markdown
from newsroom.extensions import db
from newsroom.models import (
    Article,
    ArticleRedirect,
    ArticleStatus,
    Comment,
    CommentStatus,
    ModerationEvent,
    Section,
    utcnow,
)
from tests.conftest import csrf_token, form_fields, page, submit_form, text_of

EDITOR = "form.article-editor"


def _article(title: str) -> Article:
    db.session.expire_all()
    return db.session.scalar(sa.select(Article).where(Article.title == title))


def _write(client, data: dict, url: str = "/admin/articles/new", **kwargs):
    return submit_form(client, url, data, EDITOR, **kwargs)


# --- Writing and publishing ------------------------------------------------------------


def test_admin_writes_and_publishes_an_article_that_readers_find(
    admin_client, admin, site, section
):
    response = _write(
        admin_client,
        {
            "title": "Tenants Win Repairs at Mill Road",
            "summary": "The landlord agreed to fix the boilers.",
            "body_markdown": "A **big** day.\n\n> We did it together.",
            "status": "published",
        },
    )

    assert response.status_code == 303
    article = _article("Tenants Win Repairs at Mill Road")
    assert response.headers["Location"] == f"/admin/articles/{article.id}/edit"
    assert article.slug == "tenants-win-repairs-at-mill-road"
    assert article.section_id == section.id
    assert article.author_id == admin.id
    assert article.body_html == render_markdown("A **big** day.\n\n> We did it together.")
    assert article.published_at <= utcnow()
    assert article.comments_open is True  # the site's default

    editor = page(admin_client.get(response.headers["Location"]))
    assert text_of(editor.select_one(".flash-success")) == (
        "“Tenants Win Repairs at Mill Road” is published."
    )
    assert text_of(editor.select_one(".editor-state .status")) == "Published"

    section_page = page(admin_client.get("/sections/in-the-news/"))
    titles = [text_of(a) for a in section_page.select(".article-card-title a")]
    assert titles == ["Tenants Win Repairs at Mill Road"]
    article_page = page(admin_client.get(f"/articles/{article.slug}"))
    assert text_of(article_page.select_one("h1")) == "Tenants Win Repairs at Mill Road"
    assert text_of(article_page.select_one(".prose strong")) == "big"
    assert text_of(article_page.select_one(".prose blockquote")) == "We did it together."


def test_a_draft_is_hidden_from_readers(admin_client, site, section):
    _write(admin_client, {"title": "Notes for Later", "body_markdown": "Not yet."})

    article = _article("Notes for Later")
    assert article.status == ArticleStatus.DRAFT
    assert article.published_at is None
    assert admin_client.get(f"/articles/{article.slug}").status_code == 404
    assert page(admin_client.get("/sections/in-the-news/")).select(".article-card") == []
    listed = page(admin_client.get("/admin/articles/"))
    assert text_of(listed.select_one(f"#article-{article.id} .status")) == "Draft"


def test_new_articles_follow_the_sites_comment_default(admin_client, site, section):
    site.comments_open_by_default = False
    db.session.commit()

    form = page(admin_client.get("/admin/articles/new")).select_one(EDITOR)

    assert not form.select_one("input[name=comments_open]").has_attr("checked")
    _write(admin_client, {"title": "Closed by Default", "status": "published"})
    assert _article("Closed by Default").comments_open is False


def test_editing_rerenders_the_body_and_keeps_the_rest(admin_client, site, article):
    before = article.updated_at
    assert admin_client.get(f"/articles/{article.slug}").status_code == 200  # now cached
    fields = form_fields(
        page(admin_client.get(f"/admin/articles/{article.id}/edit")).select_one(EDITOR)
    )
    assert fields["title"] == article.title
    assert fields["slug"] == article.slug
    # WTForms starts a textarea with a newline, which browsers (not html.parser) drop.
    assert fields["body_markdown"].removeprefix("\r\n") == article.body_markdown

    response = _write(
        admin_client,
        {"title": "Council Hears Tenants, Again", "body_markdown": "Now with *emphasis*."},
        url=f"/admin/articles/{article.id}/edit",
    )

    assert response.status_code == 303
    db.session.expire_all()
    assert article.title == "Council Hears Tenants, Again"
    assert article.slug == "council-hears-tenants"  # an address doesn't change by itself
    assert article.body_html == "<p>Now with <em>emphasis</em>.</p>\n"
    assert article.updated_at > before
    assert article.status == ArticleStatus.PUBLISHED
    shown = page(admin_client.get(f"/articles/{article.slug}"))
    assert text_of(shown.select_one(".prose em")) == "emphasis"


def test_unpublishing_takes_an_article_off_the_site(admin_client, site, article):
    _write(admin_client, {"status": "draft"}, url=f"/admin/articles/{article.id}/edit")

    assert admin_client.get(f"/articles/{article.slug}").status_code == 404


def test_clipping_source_is_shown_on_the_article(admin_client, site, section):
    _write(
        admin_client,
        {
            "title": "Union in the Gazette",
            "status": "published",
            "source_name": "Riverside Gazette",
            "source_url": "https://gazette.example/union",
        },
    )

    shown = page(admin_client.get("/articles/union-in-the-gazette"))
    link = shown.select_one(".source a")
    assert text_of(link) == "Riverside Gazette"
    assert link["href"] == "https://gazette.example/union"


@pytest.mark.parametrize(
    "address", ["javascript:alert(1)", "ftp://files.example/x", "gazette.example", "https://"]
)
def test_source_address_must_be_a_web_address(admin_client, site, section, address):
    response = _write(
        admin_client, {"title": "Clipped", "source_name": "Gazette", "source_url": address}
    )

    assert response.status_code == 422
    form = page(response).select_one(EDITOR)
    assert "http:// or https://" in text_of(form.select_one("#source_url-error"))
    assert form.select_one("#source_url")["value"] == address
    assert _article("Clipped") is None


def test_bad_input_comes_back_with_everything_typed(admin_client, site, section):
    typed = {
        "title": "",
        "slug": "Not A Slug!",
        "summary": "Kept summary.",
        "body_markdown": "Kept **body**.",
        "status": "published",
        "published_at": "2030-05-06T07:08",
        "source_name": "Kept source",
        "source_url": "https://kept.example/",
    }

    response = _write(admin_client, typed)

    assert response.status_code == 422
    html = page(response)
    form = html.select_one(EDITOR)
    assert text_of(form.select_one("#title-error")) == "Please give the article a title."
    assert form.select_one("#title")["aria-invalid"] == "true"
    sent_back = form_fields(form)
    for name, value in typed.items():
        assert sent_back[name].removeprefix("\r\n") == value, name
    assert "Nothing was saved" in text_of(form.select_one(".form-error"))
    # The preview shows what was typed, so nothing looks lost.
    assert text_of(html.select_one("#article-preview strong")) == "body"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Article)) == 0


def test_slug_rules_are_explained_beside_the_field(admin_client, site, section):
    response = _write(admin_client, {"title": "Fine Title", "slug": "Not A Slug!"})

    assert response.status_code == 422
    error = text_of(page(response).select_one("#slug-error"))
    assert "lower-case letters, digits and single hyphens" in error


def test_a_taken_slug_gets_a_clear_message(admin_client, site, article):
    response = _write(admin_client, {"title": "Another One", "slug": article.slug})

    assert response.status_code == 422
    error = text_of(page(response).select_one("#slug-error"))
    assert error == (
        f"The address “{article.slug}” is already used by “{article.title}”. Choose another."
    )
    assert _article("Another One") is None


def test_a_title_that_slugifies_to_a_taken_address_is_refused_too(admin_client, site, article):
    response = _write(admin_client, {"title": "Council hears tenants!"})

    assert response.status_code == 422
    assert "already used" in text_of(page(response).select_one("#slug-error"))


def test_a_new_article_is_filed_in_a_section_the_admin_chooses(admin_client, site, section):
    db.session.add(Section(name="Press Releases", slug="press-releases", position=1))
    db.session.commit()
    form = page(admin_client.get("/admin/articles/new")).select_one(EDITOR)
    options = form.select("#section_id option")

    assert (options[0]["value"], text_of(options[0])) == ("", "Choose a section")
    assert [o["value"] for o in form.select("#section_id option[selected]")] == [""]

    response = _write(admin_client, {"title": "Where Does It Go"})

    assert response.status_code == 422
    form = page(response).select_one(EDITOR)
    assert text_of(form.select_one("#section_id-error")) == "Choose a section."
    assert _article("Where Does It Go") is None


def test_the_only_section_is_chosen_already(admin_client, site, section):
    form = page(admin_client.get("/admin/articles/new")).select_one(EDITOR)

    assert form.select_one("#section_id option[selected]")["value"] == str(section.id)


def test_no_section_means_make_one_first(admin_client, site):
    response = admin_client.get("/admin/articles/new")

    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/sections/new"


# --- Live preview ----------------------------------------------------------------------


def test_the_body_posts_to_the_preview_as_you_type(admin_client, site, section):
    textarea = page(admin_client.get("/admin/articles/new")).select_one("#body_markdown")

    assert textarea["data-hx-post"] == "/admin/articles/preview"
    assert textarea["data-hx-trigger"] == "input changed delay:400ms"
    assert textarea["data-hx-target"] == "#article-preview"
    assert textarea["data-hx-swap"] == "outerHTML"


def test_preview_renders_like_the_public_page(admin_client, site, section):
    token = csrf_token(admin_client, "/admin/articles/new")
    body = "Some **bold** words and [a link](https://example.org).\n\n<script>alert(1)</script>"

    response = admin_client.post(
        "/admin/articles/preview",
        data={"body_markdown": body, "csrf_token": token},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    fragment = page(response)
    assert fragment.find("html") is None and fragment.find("body") is None
    preview = fragment.select_one("#article-preview")
    assert preview.decode_contents().strip() == render_markdown(body).strip()
    assert text_of(preview.select_one("strong")) == "bold"
    assert preview.select_one("a")["rel"] == ["noopener", "noreferrer"]
    assert preview.find("script") is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Article)) == 0


def test_preview_needs_the_csrf_token(admin_client, site, section):
    response = admin_client.post(
        "/admin/articles/preview", data={"body_markdown": "x"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 400


def test_preview_button_works_without_javascript(admin_client, site, section):
    response = _write(
        admin_client,
        {"title": "Draft Title", "body_markdown": "# Heading\n\nA *fine* line.", "preview": "y"},
    )

    assert response.status_code == 200
    html = page(response)
    assert text_of(html.select_one("#article-preview em")) == "fine"
    assert html.select_one("#title")["value"] == "Draft Title"
    typed = html.select_one("#body_markdown").get_text().removeprefix("\r\n")
    assert typed == "# Heading\n\nA *fine* line."
    assert _article("Draft Title") is None


def test_preview_of_an_existing_article_starts_with_its_body(admin_client, site, article):
    html = page(admin_client.get(f"/admin/articles/{article.id}/edit"))

    assert text_of(html.select_one("#article-preview")) == "A first paragraph. A second paragraph."


# --- Scheduling ------------------------------------------------------------------------


def test_a_scheduled_article_appears_by_itself_at_its_time(
    admin_client, site, section, monkeypatch
):
    site.timezone = "America/Chicago"
    db.session.commit()

    response = _write(
        admin_client,
        {"title": "Rally on Saturday", "status": "published", "published_at": "2031-07-01T09:30"},
    )

    assert response.status_code == 303
    article = _article("Rally on Saturday")
    # Typed in Chicago (UTC-5 in July), stored as UTC.
    assert article.published_at == datetime(2031, 7, 1, 14, 30, tzinfo=UTC)
    editor = page(admin_client.get(response.headers["Location"]))
    assert editor.select_one("#published_at")["value"] == "2031-07-01T09:30"
    assert "scheduled" in text_of(editor.select_one(".flash-success"))
    assert "July 01, 2031 at 09:30" in text_of(editor.select_one(".flash-success"))
    listed = page(admin_client.get("/admin/articles/?status=scheduled"))
    assert [text_of(a) for a in listed.select("tbody th a")] == ["Rally on Saturday"]

    assert admin_client.get("/articles/rally-on-saturday").status_code == 404
    assert page(admin_client.get("/sections/in-the-news/")).select(".article-card") == []

    monkeypatch.setattr("newsroom.models.utcnow", lambda: datetime(2031, 7, 1, 14, 31, tzinfo=UTC))
    cards = page(admin_client.get("/sections/in-the-news/")).select(".article-card-title")
    assert [text_of(c) for c in cards] == ["Rally on Saturday"]
    assert admin_client.get("/articles/rally-on-saturday").status_code == 200


def test_a_time_the_clocks_skip_is_refused(admin_client, site, section):
    site.timezone = "America/Chicago"
    db.session.commit()

    response = _write(
        admin_client,
        {"title": "Spring Forward", "status": "published", "published_at": "2031-03-09T02:30"},
    )

    assert response.status_code == 422
    assert "doesn't exist in America/Chicago" in text_of(
        page(response).select_one("#published_at-error")
    )


def test_a_malformed_time_is_refused_beside_the_field(admin_client, site, section):
    response = _write(admin_client, {"title": "When?", "published_at": "next tuesday"})

    assert response.status_code == 422
    assert page(response).select_one("#published_at-error") is not None


# --- Addresses -------------------------------------------------------------------------


def test_a_changed_address_redirects_from_the_old_one(admin_client, site, article):
    response = _write(
        admin_client, {"slug": "council-listens"}, url=f"/admin/articles/{article.id}/edit"
    )

    assert response.status_code == 303
    old = admin_client.get("/articles/council-hears-tenants")
    assert old.status_code == 301
    assert old.headers["Location"] == "/articles/council-listens"
    assert admin_client.get("/articles/council-listens").status_code == 200

    # And back again: the address that is live again stops redirecting.
    _write(
        admin_client, {"slug": "council-hears-tenants"}, url=f"/admin/articles/{article.id}/edit"
    )
    assert admin_client.get("/articles/council-hears-tenants").status_code == 200
    assert admin_client.get("/articles/council-listens").headers["Location"] == (
        "/articles/council-hears-tenants"
    )
    redirects = db.session.scalars(sa.select(ArticleRedirect.old_slug)).all()
    assert redirects == ["council-listens"]


def test_every_old_address_follows_the_article(admin_client, site, article):
    for slug in ("second-name", "third-name"):
        _write(admin_client, {"slug": slug}, url=f"/admin/articles/{article.id}/edit")

    for old in ("council-hears-tenants", "second-name"):
        assert admin_client.get(f"/articles/{old}").headers["Location"] == "/articles/third-name"


def test_a_new_article_can_take_over_an_old_address(admin_client, site, make_article, section):
    moved = make_article("Moved Piece", slug="moved-piece")
    _write(admin_client, {"slug": "moved-piece-2"}, url=f"/admin/articles/{moved.id}/edit")

    response = _write(admin_client, {"title": "Fresh Piece", "slug": "moved-piece"})

    assert response.status_code == 303
    assert (
        db.session.scalar(
            sa.select(ArticleRedirect).where(ArticleRedirect.old_slug == "moved-piece")
        )
        is None
    )
    fresh = _article("Fresh Piece")
    assert fresh.slug == "moved-piece"


# --- The list --------------------------------------------------------------------------


@pytest.fixture
def newsroom_mix(make_article, section):
    releases = Section(name="Press Releases", slug="press-releases", position=1)
    db.session.add(releases)
    db.session.commit()
    return {
        "published": make_article("Rent Strike Ends"),
        "draft": make_article("Budget Notes", status=ArticleStatus.DRAFT),
        "scheduled": make_article(
            "Annual Meeting Notice", section=releases, published_at=utcnow() + timedelta(days=3)
        ),
        "release": make_article("Statement on 100% Rent Rises", section=releases),
        "releases": releases,
    }


def _listed(client, url: str) -> list[str]:
    return [text_of(a) for a in page(client.get(url)).select("tbody th a")]


def test_list_shows_status_section_date_and_comment_counts(
    admin_client, site, newsroom_mix, make_comment
):
    published = newsroom_mix["published"]
    make_comment(published, "approved")
    make_comment(published, "approved")
    make_comment(published, "pending")
    make_comment(published, "spam")

    html = page(admin_client.get("/admin/articles/"))

    headers = [text_of(th) for th in html.select("thead th")]
    assert headers[:6] == ["Title", "Section", "Status", "Date", "Approved", "Pending"]
    assert all(th["scope"] == "col" for th in html.select("thead th"))
    row = html.select_one(f"#article-{published.id}")
    assert row.select_one("th")["scope"] == "row"
    cells = [text_of(td) for td in row.select("td")]
    assert cells[0] == "In the News"
    assert cells[1] == "Published"
    assert cells[2] == published.published_at.strftime("%B %d, %Y at %H:%M UTC")
    assert cells[3:5] == ["2", "1"]
    states = {
        text_of(r.select_one("th")): text_of(r.select_one(".status"))
        for r in html.select("tbody tr")
    }
    assert states == {
        "Rent Strike Ends": "Published",
        "Budget Notes": "Draft",
        "Annual Meeting Notice": "Scheduled",
        "Statement on 100% Rent Rises": "Published",
    }


def test_list_reads_the_approved_counter_and_counts_the_pending(
    admin_client, site, article, make_comment
):
    # The approved count is the kept counter's, proven by setting it alone; the pending
    # ones are counted for the page's articles (a waiting comment moves no article row).
    for _ in range(7):
        make_comment(article)
    make_comment(article, "rejected")
    article.approved_comment_count = 41
    db.session.commit()

    cells = page(admin_client.get("/admin/articles/")).select(f"#article-{article.id} td.number")

    assert [text_of(c) for c in cells] == ["41", "7"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?status=draft", ["Budget Notes"]),
        ("?status=scheduled", ["Annual Meeting Notice"]),
        ("?status=published", ["Statement on 100% Rent Rises", "Rent Strike Ends"]),
        ("?q=rent", ["Statement on 100% Rent Rises", "Rent Strike Ends"]),
        ("?q=100%25", ["Statement on 100% Rent Rises"]),
        ("?q=0%25+R", ["Statement on 100% Rent Rises"]),
        ("?q=_", []),
        ("?q=nothing+like+this", []),
    ],
)
def test_list_filters_by_status_and_searches_titles(
    admin_client, site, newsroom_mix, query, expected
):
    assert sorted(_listed(admin_client, "/admin/articles/" + query)) == sorted(expected)


def test_list_filters_by_section(admin_client, site, newsroom_mix):
    releases = newsroom_mix["releases"]

    listed = _listed(admin_client, f"/admin/articles/?section={releases.id}")
    both = _listed(admin_client, f"/admin/articles/?section={releases.id}&status=published")

    assert sorted(listed) == ["Annual Meeting Notice", "Statement on 100% Rent Rises"]
    assert both == ["Statement on 100% Rent Rises"]
    html = page(admin_client.get(f"/admin/articles/?section={releases.id}"))
    assert html.select_one("#section option[selected]")["value"] == str(releases.id)


def test_list_is_paginated_and_pages_keep_the_filters(admin_client, site, make_article, app):
    app.config["ADMIN_PER_PAGE"] = 2
    for number in range(5):
        make_article(f"Minutes {number}")
    make_article("Something Else")

    first = page(admin_client.get("/admin/articles/?q=minutes"))
    last = page(admin_client.get("/admin/articles/?q=minutes&page=3"))

    assert len(first.select("tbody tr")) == 2
    assert text_of(first.select_one(".pagination span")) == "Page 1 of 3"
    assert first.select_one("a[rel=next]")["href"] == "/admin/articles/?page=2&q=minutes"
    assert [text_of(a) for a in last.select("tbody th a")] == ["Minutes 4"]
    assert admin_client.get("/admin/articles/?page=0").status_code == 404


def test_empty_list_invites_the_first_article(admin_client, site):
    html = page(admin_client.get("/admin/articles/"))

    assert "No articles yet" in text_of(html.select_one(".empty-queue"))


# --- Deleting --------------------------------------------------------------------------


def _tallies_match_the_comments() -> None:
    counted = dict(
        db.session.execute(
            sa.select(Comment.status, sa.func.count()).group_by(Comment.status)
        ).all()
    )
    assert moderation.tally() == {s.value: counted.get(s.value, 0) for s in CommentStatus}


def test_delete_asks_first_and_says_how_many_comments_go(
    admin_client, admin, site, article, make_comment
):
    make_comment(article, "approved")
    make_comment(article, "pending")
    make_comment(article, "rejected")

    html = page(admin_client.get(f"/admin/articles/{article.id}/delete"))

    text = text_of(html.select_one(".confirm-panel"))
    assert "3 comments go with it" in text
    assert "1 approved, 1 pending, 1 rejected, 0 spam" in text
    button = html.select_one(".confirm-panel form button")
    assert text_of(button) == "Delete the article and 3 comments"
    assert db.session.get(Article, article.id) is not None


def test_delete_removes_comments_history_and_redirects_and_keeps_tallies_right(
    admin_client, admin, site, make_article, make_comment
):
    doomed = make_article("Doomed", slug="doomed")
    kept = make_article("Kept", slug="kept")
    first = make_comment(doomed, "pending")
    make_comment(doomed, "pending")
    make_comment(doomed, "approved")
    make_comment(doomed, "spam")
    reply = make_comment(doomed, "pending", parent_id=first.id)
    make_comment(kept, "pending")
    make_comment(kept, "approved")
    decision = moderation.decide(first.id, CommentStatus.APPROVED, admin)
    assert decision.ok
    _write(admin_client, {"slug": "doomed-renamed"}, url=f"/admin/articles/{doomed.id}/edit")
    doomed_id, reply_id = doomed.id, reply.id
    assert moderation.tally()["pending"] == 3

    response = submit_form(
        admin_client, f"/admin/articles/{doomed_id}/delete", {}, ".confirm-panel form"
    )

    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/articles/"
    flash = text_of(page(admin_client.get("/admin/articles/")).select_one(".flash-success"))
    assert flash == "“Doomed” was deleted, with its 5 comments."
    db.session.expire_all()
    assert db.session.get(Article, doomed_id) is None
    assert db.session.get(Comment, reply_id) is None
    assert db.session.scalars(sa.select(Comment.article_id)).all() == [kept.id, kept.id]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ModerationEvent)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ArticleRedirect)) == 0
    _tallies_match_the_comments()
    assert moderation.tally() == {"pending": 1, "approved": 1, "rejected": 0, "spam": 0}
    assert admin_client.get("/articles/doomed").status_code == 404
    assert admin_client.get("/articles/doomed-renamed").status_code == 404
    assert moderation.pending_on([kept.id]) == {kept.id: 1}


def test_deleting_needs_the_post_and_a_missing_article_is_404(admin_client, site, article):
    assert admin_client.get(f"/admin/articles/{article.id}/delete").status_code == 200
    assert db.session.get(Article, article.id) is not None
    assert admin_client.get("/admin/articles/99999/delete").status_code == 404
    assert admin_client.get("/admin/articles/99999/edit").status_code == 404
