"""What every page shares: the site's identity, its sections, and the security headers."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import Flask, Response, g
from sqlalchemy.exc import SQLAlchemyError

from newsroom.extensions import db
from newsroom.models import Section, SiteSettings

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)


def current_settings() -> SiteSettings:
    """The site's one settings row; an empty database gets neutral defaults, not an error."""
    if "site" not in g:
        try:
            settings = db.session.scalar(sa.select(SiteSettings).order_by(SiteSettings.id).limit(1))
        except SQLAlchemyError:
            # The error page must render even when the database is what failed.
            db.session.rollback()
            settings = None
        g.site = settings or SiteSettings(
            organization_name="Newsroom", timezone="UTC", footer_text="Newsroom"
        )
    return g.site


def navigation_sections() -> list[Section]:
    if "sections" not in g:
        try:
            g.sections = db.session.scalars(
                sa.select(Section).order_by(Section.position, Section.name)
            ).all()
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
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response
