"""Administration: articles, sections, staff accounts and the site's identity (admins only)."""

from flask import Blueprint

from newsroom.access import admin_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@admin_required
def require_admin() -> None:
    """Every admin URL, present and future, is for admins only: checked once, here."""


# Each area's views register their routes on bp as they are imported.
from newsroom.admin import (  # noqa: E402, F401
    articles,
    exports,
    overview,
    privacy,
    reasons,
    rules,
    sections,
    settings,
    staff,
)
