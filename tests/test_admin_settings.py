"""Admins edit the site's identity and comment policy; every public page shows it at once."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from newsroom.extensions import db
from newsroom.models import SiteSettings
from tests.conftest import form_fields, page, statements_sent, submit_form, text_of

SETTINGS = "form.settings-form"

NEW_IDENTITY = {
    "organization_name": "Harbor Street Tenants",
    "tagline": "Homes before profits",
    "contact_email": "hello@harbor.example",
    "street_address": "7 Quay Lane, Harbor City",
    "telephone": "+1 555.0199",
    "fax": "+1 555.0198",
    "footer_text": "Harbor Street Tenants Association",
    "timezone": "Europe/Lisbon",
    "comment_policy": "Be civil.\n\nNo adverts, please.",
    "comments_open_by_default": "closed",
}


def _stored() -> SiteSettings:
    db.session.expire_all()
    return db.session.scalar(sa.select(SiteSettings))


def test_settings_are_saved_and_shown_on_every_public_page(admin_client, site, article):
    # Seen once before the change, so a cached copy of the article page would exist.
    assert "Riverside" in page(admin_client.get(f"/articles/{article.slug}")).get_text()

    response = submit_form(admin_client, "/admin/settings", NEW_IDENTITY, SETTINGS)

    assert response.status_code == 303
    saved = page(admin_client.get("/admin/settings"))
    assert text_of(saved.select_one(".flash-success")) == (
        "The site's settings were saved. Every page shows them now."
    )
    stored = _stored()
    assert stored.organization_name == "Harbor Street Tenants"
    assert stored.timezone == "Europe/Lisbon"
    assert stored.comments_open_by_default is False
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SiteSettings)) == 1

    for url in ("/", "/sections/in-the-news/", f"/articles/{article.slug}"):
        html = page(admin_client.get(url))
        header = text_of(html.select_one(".site-header"))
        for part in (
            "Harbor Street Tenants",
            "Homes before profits",
            "hello@harbor.example",
            "7 Quay Lane, Harbor City",
            "T +1 555.0199",
            "F +1 555.0198",
        ):
            assert part in header, (url, part)
        assert text_of(html.select_one("footer p")) == (
            f"© {datetime.now().year} Harbor Street Tenants Association"
        )
        assert text_of(html.select_one("footer .footer-contact")) == (
            "7 Quay Lane, Harbor City T +1 555.0199 F +1 555.0198"
        )
        assert "Riverside" not in html.get_text()

    article_page = page(admin_client.get(f"/articles/{article.slug}"))
    policy = article_page.select_one(".comments .policy")
    assert [text_of(p) for p in policy.select("p")] == ["Be civil.", "No adverts, please."]
    # The policy sits above the comment form.
    assert policy.find_next("form")["class"] == ["comment-form"]


def test_the_site_timezone_changes_how_dates_read(admin_client, site, make_article):
    make_article("Late News", published_at=datetime(2026, 1, 1, 3, 0, tzinfo=UTC))

    submit_form(admin_client, "/admin/settings", {"timezone": "America/Los_Angeles"}, SETTINGS)

    card = page(admin_client.get("/")).select_one(".article-card")
    assert "December 31, 2025" in text_of(card.select_one(".meta"))


def test_the_form_is_filled_with_the_current_settings(admin_client, site):
    fields = form_fields(page(admin_client.get("/admin/settings")).select_one(SETTINGS))

    assert fields["organization_name"] == "Riverside Tenants Union"
    assert fields["telephone"] == "+1 555.0100"
    assert fields["timezone"] == "UTC"
    assert fields["comments_open_by_default"] == "open"
    assert fields["comment_policy"].strip() == "Be kind. Stay on topic."


def test_timezone_choices_are_the_zoneinfo_names_sorted(admin_client, site):
    options = page(admin_client.get("/admin/settings")).select("#timezone option")
    names = [o["value"] for o in options]

    assert names == sorted(names)
    assert {"UTC", "America/Chicago", "Europe/Lisbon"} <= set(names)


def test_bad_settings_are_refused_beside_the_field_and_nothing_is_lost(admin_client, site):
    typed = {
        **NEW_IDENTITY,
        "organization_name": "",
        "contact_email": "not an address",
        "timezone": "Mars/Olympus_Mons",
    }

    response = submit_form(admin_client, "/admin/settings", typed, SETTINGS)

    assert response.status_code == 422
    html = page(response)
    assert text_of(html.select_one("#organization_name-error")) == (
        "Please give the organization's name."
    )
    assert "valid e-mail address" in text_of(html.select_one("#contact_email-error"))
    sent_back = form_fields(html.select_one(SETTINGS))
    for name in ("tagline", "contact_email", "street_address", "telephone", "fax", "footer_text"):
        assert sent_back[name] == typed[name], name
    assert sent_back["comment_policy"].removeprefix("\r\n") == typed["comment_policy"]
    assert _stored().organization_name == "Riverside Tenants Union"


def test_an_unknown_timezone_is_refused(admin_client, site):
    response = submit_form(admin_client, "/admin/settings", {"timezone": "Mars/Base"}, SETTINGS)

    assert response.status_code == 422
    assert (
        text_of(page(response).select_one("#timezone-error")) == "Choose a timezone from the list."
    )
    assert _stored().timezone == "UTC"


def test_settings_row_is_created_when_missing(admin_client):
    assert admin_client.get("/admin/settings").status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SiteSettings)) == 0

    response = submit_form(admin_client, "/admin/settings", NEW_IDENTITY, SETTINGS)

    assert response.status_code == 303
    assert _stored().organization_name == "Harbor Street Tenants"
    assert text_of(page(admin_client.get("/")).select_one(".site-name")) == "Harbor Street Tenants"


def test_optional_fields_can_be_emptied(admin_client, site):
    submit_form(
        admin_client,
        "/admin/settings",
        {"tagline": "", "fax": "", "contact_email": "", "footer_text": ""},
        SETTINGS,
    )

    html = page(admin_client.get("/"))
    assert html.select_one(".site-tagline") is None
    assert "F " not in text_of(html.select_one(".site-contact"))
    assert (
        text_of(html.select_one("footer p")) == f"© {datetime.now().year} Riverside Tenants Union"
    )
    assert "F " not in text_of(html.select_one("footer .footer-contact"))


def test_opening_the_settings_page_writes_nothing(admin_client):
    """Reading the settings never writes: no row is made (nor rolled back) to fill the form."""
    with statements_sent() as sent:
        response = admin_client.get("/admin/settings")

    assert response.status_code == 200
    assert page(response).select_one("#organization_name")["value"] == "Newsroom"
    writes = [s for s, _ in sent if not s.lstrip().upper().startswith(("SELECT", "PRAGMA"))]
    assert writes == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SiteSettings)) == 0
