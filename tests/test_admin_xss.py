"""Hostile text typed into any admin field stays text on every page that shows it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from newsroom.extensions import db
from newsroom.models import Article, Section, User
from tests.conftest import csrf_token, page, submit_form, text_of

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "javascript:alert(1)",
    "<a href='javascript:alert(1)'>x</a>",
    "'><body onload=alert(1)>",
    "{{ 7*7 }}<iframe src=javascript:alert(1)>",
]

# Markdown gets its own tricks on top: links and images with script or data URLs.
MARKDOWN_EXTRAS = (
    "\n\n[click](javascript:alert(1)) [also](JaVaScRiPt:alert(2))"
    "\n\n![pic](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)"
    '\n\n<a href="javascript:alert(3)">raw</a> <div onmouseover="alert(4)">hover</div>'
    "\n\n<style>body{display:none}</style><object data=x></object>"
)

URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "data",
    "data-hx-post",
    "data-hx-get",
}


def assert_no_active_content(html: str, where: str) -> None:
    """No script that isn't ours, no on* handler, no javascript:/data: URL, in the parsed page."""
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(True):
        assert tag.name not in {"iframe", "object", "embed", "svg", "style"}, (where, str(tag))
        if tag.name == "script":
            assert tag.get("src", "").startswith("/static/"), (where, str(tag))
            assert not tag.get_text().strip(), (where, str(tag))
        for name, value in tag.attrs.items():
            assert not name.lower().startswith("on"), (where, str(tag))
            text = " ".join(value) if isinstance(value, list) else value
            if name.lower() in URL_ATTRIBUTES:
                scheme = "".join(text.split()).lower()
                assert not scheme.startswith(("javascript:", "data:", "vbscript:")), (
                    where,
                    str(tag),
                )


@pytest.fixture
def hostile_site(admin_client, admin, site, request):
    """Every admin text field filled with one payload, through the admin pages."""
    payload = request.param
    client = admin_client

    settings = {
        "organization_name": payload,
        "tagline": payload,
        "street_address": payload,
        "telephone": payload[:40],
        "fax": payload[:40],
        "footer_text": payload,
        "comment_policy": payload,
        "contact_email": "desk@example.org",
    }
    assert submit_form(client, "/admin/settings", settings, "form.settings-form").status_code == 303

    response = submit_form(
        client,
        "/admin/sections/new",
        {"name": payload[:80], "slug": "hostile", "description": payload},
        "main form.panel",
    )
    assert response.status_code == 303
    section = db.session.scalar(sa.select(Section).where(Section.slug == "hostile"))

    response = submit_form(
        client,
        "/admin/articles/new",
        {
            "title": payload,
            "slug": "hostile-article",
            "section_id": str(section.id),
            "summary": payload,
            "body_markdown": payload + MARKDOWN_EXTRAS,
            "status": "published",
            "source_name": payload,
            "source_url": "https://example.org/?q=" + payload,
        },
        "form.article-editor",
    )
    assert response.status_code == 303, page(response).select(".field-error")
    article = db.session.scalar(sa.select(Article).where(Article.slug == "hostile-article"))

    response = submit_form(
        client,
        "/admin/staff/new",
        {
            "email": "hostile@example.org",
            "name": payload,
            "role": "moderator",
            "password": "long enough password",
        },
        "main form.panel",
    )
    assert response.status_code == 303
    user = db.session.scalar(sa.select(User).where(User.email == "hostile@example.org"))
    return {"payload": payload, "article": article, "section": section, "user": user}


@pytest.mark.parametrize("hostile_site", PAYLOADS, indirect=True)
def test_payloads_stay_text_on_public_and_admin_pages(admin_client, hostile_site):
    article, section, user = hostile_site["article"], hostile_site["section"], hostile_site["user"]
    payload = hostile_site["payload"]
    urls = [
        "/",
        f"/sections/{section.slug}/",
        f"/articles/{article.slug}",
        "/admin/",
        "/admin/articles/",
        f"/admin/articles/{article.id}/edit",
        f"/admin/articles/{article.id}/delete",
        "/admin/sections/",
        f"/admin/sections/{section.id}/edit",
        f"/admin/sections/{section.id}/delete",
        "/admin/staff/",
        f"/admin/staff/{user.id}",
        "/admin/settings",
        "/account",
    ]
    for url in urls:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert_no_active_content(response.get_data(as_text=True), url)

    # And it reads back as the text that was typed.
    shown = page(admin_client.get(f"/articles/{article.slug}"))
    assert text_of(shown.select_one("h1")) == " ".join(payload.split())
    assert text_of(shown.select_one(".site-name")) == " ".join(payload.split())
    staff = page(admin_client.get("/admin/staff/"))
    assert " ".join(payload.split()) in text_of(staff.select_one("tbody"))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_live_preview_is_sanitized(admin_client, site, section, payload):
    token = csrf_token(admin_client, "/admin/articles/new")

    response = admin_client.post(
        "/admin/articles/preview",
        data={"body_markdown": payload + MARKDOWN_EXTRAS, "csrf_token": token},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert_no_active_content(response.get_data(as_text=True), "preview")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_refused_input_is_echoed_safely(admin_client, site, section, payload):
    """A 422 page repeats what was typed: it must repeat it as text."""
    article = submit_form(
        admin_client,
        "/admin/articles/new",
        {"title": payload, "slug": payload, "source_url": payload, "body_markdown": payload},
        "form.article-editor",
    )
    settings = submit_form(
        admin_client,
        "/admin/settings",
        {"contact_email": payload, "organization_name": payload},
        "form.settings-form",
    )
    staff = submit_form(
        admin_client,
        "/admin/staff/new",
        {"email": payload, "name": payload, "password": "x"},
        "main form.panel",
    )

    for response in (article, settings, staff):
        assert response.status_code == 422
        assert_no_active_content(response.get_data(as_text=True), response.request.path)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Article)) == 0
