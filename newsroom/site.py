"""What every page shares: the site's identity, its sections, and the security headers.

Read once per request (the services own the rules: site_settings.py, sections.py)."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, Response, g, request
from sqlalchemy.exc import SQLAlchemyError

from newsroom.extensions import db
from newsroom.models import Section, SiteSettings
from newsroom.sections import ordered_sections
from newsroom.site_settings import stored_settings, unsaved_settings

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)


# Features no page of the site uses, refused to anything embedded or injected.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)
# What every response carries, unless its view set its own.
EVERY_RESPONSE = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", PERMISSIONS_POLICY),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000")
# The blueprints whose pages are for staff (and the login page that leads there).
STAFF_AREAS = frozenset({"admin", "auth", "dashboard"})


def current_settings() -> SiteSettings:
    """The site's settings for this request; an empty database gets neutral defaults."""
    if "site" not in g:
        try:
            settings = stored_settings()
        except SQLAlchemyError:
            # The error page must render even when the database is what failed.
            db.session.rollback()
            settings = None
        g.site = settings or unsaved_settings()
    return g.site


def navigation_sections() -> list[Section]:
    """The sections for this request's navigation (empty when the database failed)."""
    if "sections" not in g:
        try:
            g.sections = ordered_sections()
        except SQLAlchemyError:
            db.session.rollback()
            g.sections = []
    return g.sections


def register(app: Flask) -> None:
    @app.context_processor
    def site_context() -> dict:
        return {
            "site": current_settings(),
            "nav_sections": navigation_sections,
            "current_year": datetime.now().year,
        }

    @app.after_request
    def security_headers(response: Response) -> Response:
        # Each header once, unless the view set its own (one look, then an append: the
        # cheapest way through werkzeug's header list, on every response).
        headers = response.headers
        for name, value in EVERY_RESPONSE:
            if name not in headers:
                headers.add(name, value)
        if app.config["SESSION_COOKIE_SECURE"] and HSTS[0] not in headers:
            # Served over HTTPS only (the cookies say so): browsers should never try HTTP.
            headers.add(*HSTS)
        if request.blueprint in STAFF_AREAS:
            # Readers' e-mail addresses, staff accounts, forms with tokens: no browser or
            # shared cache may keep a copy, not even for the back button.
            response.headers["Cache-Control"] = "no-store"
        return response
