"""Hostile text typed into any admin field stays text on every page that shows it."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from newsroom.content import render_markdown
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
    '\n\n<q cite="javascript:alert(5)">q</q> <blockquote cite=" JaVaScRiPt:alert(6)">b</blockquote>'
)

URL_ATTRIBUTES = {
    "cite",
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
        if tag.name == "script" and tag.attrs == {"type": "application/ld+json"}:
            # The article's JSON-LD: a data block no browser runs, whose text can't end it.
            data = tag.get_text()
            assert "<" not in data and json.loads(data)["@type"] == "NewsArticle", (where, data)
        elif tag.name == "script":
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


# Addresses the e-mail validator accepts that still carry quotes, backticks, braces and
# URL punctuation: each goes into a mailto: link on every public page.
HOSTILE_ADDRESSES = [
    "x'onmouseover=alert`1`'@example.org",
    "{{7*7}}@example.org",
    "a&b=c?d#e@example.org",
]
# The comment policy becomes paragraphs with links: a URL that tries to leave its href.
POLICY_EXTRAS = '\n\nhttps://example.org/"onmouseover="alert(1) https://example.org/?q=<b>x'


@pytest.mark.parametrize(
    ("payload", "address"),
    [(text, HOSTILE_ADDRESSES[n % len(HOSTILE_ADDRESSES)]) for n, text in enumerate(PAYLOADS)],
)
def test_site_settings_stay_text_wherever_they_are_shown(
    app, admin_client, site, article, payload, address
):
    """Every text field of the site's settings, saved through the admin form, read back as
    the text typed on the public pages (which all show the identity) and the staff pages."""
    typed = {
        "organization_name": payload,
        "tagline": payload,
        "contact_email": address,
        "street_address": payload,
        "telephone": payload[:40],
        "fax": payload[:40],
        "footer_text": payload,
        "comment_policy": payload + POLICY_EXTRAS,
    }
    response = submit_form(admin_client, "/admin/settings", typed, "form.settings-form")
    assert response.status_code == 303, page(response).select(".field-error")

    reader = app.test_client()  # no session: the pages every reader gets, cached
    public = ["/", "/sections/in-the-news/", f"/articles/{article.slug}", "/login", "/nowhere"]
    for url in public:
        response = reader.get(url)
        assert response.status_code in (200, 404), url
        assert_no_active_content(response.get_data(as_text=True), url)
    for url in ["/dashboard/", "/dashboard/history", "/admin/", "/admin/settings", "/account"]:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert_no_active_content(response.get_data(as_text=True), url)

    shown = page(reader.get(f"/articles/{article.slug}"))
    as_text = " ".join(payload.split())
    contact = shown.select_one(".site-contact")
    mail = contact.select_one("a")
    assert mail["href"] == f"mailto:{address}" and text_of(mail) == address
    assert [text_of(span) for span in contact.select("span")] == [
        as_text,
        f"T {' '.join(payload[:40].split())}",
        f"F {' '.join(payload[:40].split())}",
    ]
    assert text_of(shown.select_one(".site-name")) == as_text
    assert text_of(shown.select_one(".site-tagline")) == as_text
    assert text_of(shown.select_one(".site-footer p")).endswith(as_text)
    policy = shown.select_one(".policy")
    assert text_of(policy.select_one("p")) == as_text
    # The quotes and the tag stay inside the addresses, as text.
    assert [a["href"] for a in policy.select("a")] == [
        'https://example.org/"onmouseover="alert(1',
        "https://example.org/?q=<b>x",
    ]
    assert policy.find("b") is None
    assert shown.title.get_text().endswith(payload)
    home = page(reader.get("/"))
    assert home.select_one("meta[name=description]")["content"] == payload


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


@pytest.mark.parametrize(
    "cite",
    [
        "javascript:alert(1)",
        " JaVaScRiPt:alert(1)",
        "java\tscript:alert(1)",
        "jav&#x09;ascript:alert(1)",
        "&#106;avascript:alert(1)",
        "\x01javascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "vbscript:msgbox(1)",
    ],
)
@pytest.mark.parametrize("tag", ["q", "blockquote"])
def test_a_quotation_keeps_no_script_url_in_its_cite(tag, cite):
    html = render_markdown(f'<{tag} cite="{cite}">Quoted.</{tag}>')
    quotation = BeautifulSoup(html, "html.parser").find(tag)
    assert quotation is not None and text_of(quotation) == "Quoted."
    assert not quotation.has_attr("cite"), html


@pytest.mark.parametrize("cite", ["https://council.example/minutes", "/articles/earlier", "#p2"])
def test_a_quotation_keeps_a_web_address_in_its_cite(cite):
    html = render_markdown(f'<blockquote cite="{cite}">Quoted.</blockquote>')
    assert BeautifulSoup(html, "html.parser").blockquote["cite"] == cite
