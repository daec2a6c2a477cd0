"""Admins create, rename, reorder and delete sections; the site's navigation follows."""

from __future__ import annotations

import sqlalchemy as sa

from newsroom.extensions import db
from newsroom.models import Article, Section
from tests.conftest import page, submit_form, text_of


def _nav(client) -> list[str]:
    return [text_of(a) for a in page(client.get("/")).select("nav.site-nav a")][1:]


def _section(slug: str) -> Section | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(Section).where(Section.slug == slug))


def test_admin_adds_a_section_that_appears_in_the_navigation(admin_client, site, section):
    response = submit_form(
        admin_client,
        "/admin/sections/new",
        {"name": "Press Releases", "description": "Our statements."},
        "main form.panel",
    )

    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/sections/"
    listed = page(admin_client.get("/admin/sections/"))
    assert (
        text_of(listed.select_one(".flash-success")) == "The section “Press Releases” was created."
    )
    created = _section("press-releases")
    assert created.name == "Press Releases"
    assert created.position > section.position
    assert _nav(admin_client) == ["In the News", "Press Releases"]
    shown = page(admin_client.get("/sections/press-releases/"))
    assert text_of(shown.select_one("h1")) == "Press Releases"
    assert text_of(shown.select_one(".lede")) == "Our statements."


def test_section_slug_must_be_unique_and_well_formed(admin_client, site, section):
    taken = submit_form(
        admin_client,
        "/admin/sections/new",
        {"name": "News Again", "slug": "in-the-news", "description": "Kept."},
        "main form.panel",
    )
    malformed = submit_form(
        admin_client, "/admin/sections/new", {"name": "Odd", "slug": "Odd Slug"}, "main form.panel"
    )

    assert taken.status_code == 422
    html = page(taken)
    assert text_of(html.select_one("#slug-error")) == (
        "The address “in-the-news” is already used by the section “In the News”."
    )
    assert html.select_one("#name")["value"] == "News Again"
    assert html.select_one("#description").get_text().strip() == "Kept."
    assert malformed.status_code == 422
    assert "lower-case letters" in text_of(page(malformed).select_one("#slug-error"))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Section)) == 1


def test_renaming_a_section_changes_name_and_address(admin_client, site, section, article):
    # Seen once before the change, so a cached copy of the article page would exist.
    assert admin_client.get(f"/articles/{article.slug}").status_code == 200

    response = submit_form(
        admin_client,
        f"/admin/sections/{section.id}/edit",
        {"name": "In The Press", "slug": "press"},
        "main form.panel",
    )

    assert response.status_code == 303
    assert _nav(admin_client) == ["In The Press"]
    assert admin_client.get("/sections/press/").status_code == 200
    assert admin_client.get("/sections/in-the-news/").status_code == 404
    shown = page(admin_client.get(f"/articles/{article.slug}"))
    assert text_of(shown.select_one(".kicker")) == "In The Press"


def test_renaming_keeps_its_own_slug_without_complaint(admin_client, site, section):
    response = submit_form(
        admin_client, f"/admin/sections/{section.id}/edit", {"name": "News"}, "main form.panel"
    )

    assert response.status_code == 303
    assert _section("in-the-news").name == "News"


def _make_sections(*names: str) -> list[Section]:
    # All at position 0, as a fresh database would have them: order falls back to the name.
    sections = [Section(name=name, slug=name.lower()) for name in names]
    db.session.add_all(sections)
    db.session.commit()
    return sections


def _move(client, section: Section, direction: str):
    return submit_form(
        client,
        "/admin/sections/",
        {"direction": direction},
        f"#section-{section.id} form.move-form",
    )


def test_sections_move_up_and_down_and_the_navigation_follows(admin_client, site):
    alpha, beta, gamma = _make_sections("Alpha", "Beta", "Gamma")
    assert _nav(admin_client) == ["Alpha", "Beta", "Gamma"]

    response = _move(admin_client, gamma, "up")

    assert response.status_code == 303
    assert _nav(admin_client) == ["Alpha", "Gamma", "Beta"]
    _move(admin_client, alpha, "down")
    assert _nav(admin_client) == ["Gamma", "Alpha", "Beta"]
    listed = page(admin_client.get("/admin/sections/"))
    assert [text_of(th) for th in listed.select("tbody th")] == ["Gamma", "Alpha", "Beta"]
    first_row = listed.select_one("tbody tr")
    assert first_row.select_one("button[value=up]").has_attr("disabled")
    assert not first_row.select_one("button[value=down]").has_attr("disabled")


def test_moving_past_the_end_changes_nothing(admin_client, site):
    alpha, beta = _make_sections("Alpha", "Beta")
    token = page(admin_client.get("/admin/sections/")).select_one("input[name=csrf_token]")["value"]

    response = admin_client.post(
        f"/admin/sections/{alpha.id}/move", data={"direction": "up", "csrf_token": token}
    )
    nonsense = admin_client.post(
        f"/admin/sections/{alpha.id}/move", data={"direction": "sideways", "csrf_token": token}
    )

    assert response.status_code == nonsense.status_code == 303
    assert _nav(admin_client) == ["Alpha", "Beta"]


def test_a_section_with_articles_cannot_be_deleted(admin_client, site, section, article):
    confirm = page(admin_client.get(f"/admin/sections/{section.id}/delete"))
    assert "still has 1 article" in text_of(confirm.select_one(".confirm-panel"))
    assert confirm.select_one(".confirm-panel form") is None

    token = confirm.select_one("input[name=csrf_token]")["value"]
    response = admin_client.post(f"/admin/sections/{section.id}/delete", data={"csrf_token": token})

    assert response.status_code == 303
    flash = text_of(page(admin_client.get("/admin/sections/")).select_one(".flash-error"))
    assert flash == ("Not deleted: “In the News” still has 1 article. Move or delete it first.")
    assert _section("in-the-news") is not None
    assert db.session.get(Article, article.id) is not None


def test_an_empty_section_is_deleted_after_confirmation(admin_client, site, section, article):
    empty = _make_sections("Archive")[0]
    before = page(admin_client.get(f"/articles/{article.slug}"))
    assert "Archive" in text_of(before.select_one("nav.site-nav"))

    confirm = page(admin_client.get(f"/admin/sections/{empty.id}/delete"))
    assert text_of(confirm.select_one("h1")) == "Delete the section “Archive”?"
    response = submit_form(
        admin_client, f"/admin/sections/{empty.id}/delete", {}, ".confirm-panel form"
    )

    assert response.status_code == 303
    flash = text_of(page(admin_client.get("/admin/sections/")).select_one(".flash-success"))
    assert flash == "The section “Archive” was deleted."
    assert _section("archive") is None
    assert _nav(admin_client) == ["In the News"]
    after = page(admin_client.get(f"/articles/{article.slug}"))
    assert "Archive" not in text_of(after.select_one("nav.site-nav"))


def test_section_list_shows_article_counts(admin_client, site, section, make_article):
    make_article()
    make_article()
    empty = _make_sections("Archive")[0]

    html = page(admin_client.get("/admin/sections/"))

    assert text_of(html.select_one(f"#section-{section.id} td.number")) == "2"
    assert text_of(html.select_one(f"#section-{empty.id} td.number")) == "0"
    assert all(th["scope"] == "col" for th in html.select("thead th"))
