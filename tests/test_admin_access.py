"""Who may use /admin/: admins; moderators get 403 and change nothing; others log in first."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from newsroom.extensions import db
from newsroom.models import RejectionReason, Role, Section, User
from tests.conftest import csrf_token, log_in, page, text_of

# Every admin URL, with placeholders for the ids the `world` fixture makes.
GET_URLS = [
    "/admin/",
    "/admin/articles/",
    "/admin/articles/new",
    "/admin/articles/{article}/edit",
    "/admin/articles/{article}/delete",
    "/admin/sections/",
    "/admin/sections/new",
    "/admin/sections/{section}/edit",
    "/admin/sections/{empty_section}/delete",
    "/admin/staff/",
    "/admin/staff/new",
    "/admin/staff/{other_admin}",
    "/admin/settings",
    "/admin/rules",
    "/admin/privacy",
    "/admin/moderation",
    "/admin/export",
    "/admin/export/newsroom-export.json",
]
# What a moderator might send to each: valid-looking data, so only the role check stops it.
POSTS = {
    "/admin/articles/new": {"title": "Sneaky", "section_id": "{section}", "status": "published"},
    "/admin/articles/{article}/edit": {
        "title": "Defaced",
        "section_id": "{section}",
        "status": "draft",
    },
    "/admin/articles/preview": {"body_markdown": "**x**"},
    "/admin/articles/{article}/delete": {},
    "/admin/sections/new": {"name": "Sneaky Section"},
    "/admin/sections/{section}/edit": {"name": "Defaced", "slug": "defaced"},
    "/admin/sections/{section}/move": {"direction": "down"},
    "/admin/sections/{empty_section}/delete": {},
    "/admin/staff/new": {
        "email": "sneaky@example.com",
        "name": "Sneaky",
        "role": "admin",
        "password": "long enough password",
    },
    "/admin/staff/{moderator}/role": {"role": "admin"},
    "/admin/staff/{other_admin}/active": {"active": "0"},
    "/admin/staff/{other_admin}/password": {
        "new_password": "taken over now",
        "confirm_password": "taken over now",
    },
    "/admin/settings": {"organization_name": "Defaced", "timezone": "UTC"},
    "/admin/rules": {"blocked_rejected": "everything"},
    "/admin/privacy": {"email": "dana@example.com"},
    "/admin/privacy/export": {"email": "dana@example.com"},
    "/admin/privacy/erase": {"email": "dana@example.com", "mode": "remove", "confirm": "y"},
    "/admin/moderation/reasons": {"label": "Sneaky reason"},
    "/admin/moderation/reasons/{reason}/remove": {},
    "/admin/moderation/reasons/{reason}/move": {"direction": "down"},
    "/admin/moderation/reports": {"report_threshold": "1"},
}


@pytest.fixture
def world(site, section, article, moderator, admin) -> dict[str, int]:
    empty = Section(name="Empty", slug="empty", position=5)
    other = User(email="bo@newsroom.example", display_name="Bo Admin", role=Role.ADMIN)
    other.set_password("another long password")
    reason = RejectionReason(label="Off-topic", position=1)
    db.session.add_all([empty, other, reason])
    db.session.commit()
    return {
        "reason": reason.id,
        "article": article.id,
        "section": section.id,
        "empty_section": empty.id,
        "moderator": moderator.id,
        "other_admin": other.id,
    }


def _fill(template: str, ids: dict[str, int]) -> str:
    return template.format(**ids)


def _snapshot() -> dict[str, list]:
    """Every row of every table, to prove a refused request changed nothing."""
    db.session.expire_all()
    return {
        table.name: sorted(map(tuple, db.session.execute(sa.select(table)).all()), key=repr)
        for table in db.metadata.sorted_tables
    }


def test_the_matrix_covers_every_admin_url(app):
    """A new admin route must be added to the lists above, or this fails."""
    routes = {
        (method, re.sub(r"<[^>]+>", "{id}", rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("admin.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }

    def shape(url: str) -> str:
        return re.sub(r"\{[a-z_]+\}", "{id}", url)

    listed = {("GET", shape(u)) for u in GET_URLS} | {("POST", shape(u)) for u in POSTS}
    assert routes == listed


@pytest.mark.parametrize("url", GET_URLS)
def test_anonymous_get_is_sent_to_log_in(client, world, url):
    path = _fill(url, world)

    response = client.get(path)

    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    assert parse_qs(location.query)["next"] == [path]


@pytest.mark.parametrize("url", list(POSTS))
def test_anonymous_post_is_sent_to_log_in_and_changes_nothing(client, world, url):
    path = _fill(url, world)
    token = csrf_token(client, "/login")
    before = _snapshot()

    data = {k: _fill(v, world) for k, v in POSTS[url].items()}
    response = client.post(path, data={**data, "csrf_token": token})

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"
    assert _snapshot() == before


@pytest.mark.parametrize("url", GET_URLS)
def test_moderator_get_is_forbidden(client, world, moderator, url):
    log_in(client, moderator)

    response = client.get(_fill(url, world))

    assert response.status_code == 403
    assert text_of(page(response).select_one("h1")) == "Not allowed"


@pytest.mark.parametrize("url", list(POSTS))
def test_moderator_post_is_forbidden_and_changes_nothing(client, world, moderator, url):
    log_in(client, moderator)
    token = csrf_token(client, "/account")
    before = _snapshot()

    data = {k: _fill(v, world) for k, v in POSTS[url].items()}
    response = client.post(_fill(url, world), data={**data, "csrf_token": token})

    assert response.status_code == 403
    assert _snapshot() == before


@pytest.mark.parametrize("url", GET_URLS)
def test_admin_get_works(client, world, admin, url):
    log_in(client, admin)

    response = client.get(_fill(url, world))

    assert response.status_code == 200
    if url.endswith(".json"):  # a download (the export): no page around it
        assert response.mimetype == "application/json"
        return
    html = page(response)
    current = html.select_one("nav.staff-nav a[aria-current=page]")
    assert text_of(current) == "Admin"


def test_admin_link_is_only_for_admins(client, app, site, moderator, admin):
    log_in(client, moderator)
    moderator_nav = [text_of(a) for a in page(client.get("/account")).select("nav.staff-nav a")]
    admin_client = app.test_client()
    log_in(admin_client, admin)
    admin_nav = page(admin_client.get("/account")).select("nav.staff-nav a")

    assert "Admin" not in moderator_nav
    link = next(a for a in admin_nav if text_of(a) == "Admin")
    assert link["href"] == "/admin/"
    assert not link.has_attr("aria-current")


def test_htmx_preview_without_a_session_redirects_the_whole_page(client, world):
    token = csrf_token(client, "/login")

    response = client.post(
        "/admin/articles/preview",
        data={"body_markdown": "x", "csrf_token": token},
        headers={"HX-Request": "true", "HX-Current-URL": "http://localhost/admin/articles/new"},
    )

    assert response.status_code == 401
    target = urlsplit(response.headers["HX-Redirect"])
    assert target.path == "/login"
    assert parse_qs(target.query)["next"] == ["/admin/articles/new"]


def test_the_pending_badge_counts_on_every_staff_page(admin_client, site, article, make_comment):
    """The admin overview has counts of its own (articles, sections): the badge in the
    navigation still shows the pending comments, not an empty pill."""
    comments = [make_comment(article) for _ in range(3)]
    commenter_page = f"/dashboard/commenters/{comments[0].commenter_id}"
    for url in (
        "/admin/",
        "/admin/articles/",
        "/dashboard/",
        "/dashboard/history",
        "/account",
        commenter_page,
    ):
        badge = page(admin_client.get(url)).select_one("#pending-badge")
        assert text_of(badge) == "3 pending", url
