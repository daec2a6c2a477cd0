"""Administration: articles, sections, staff accounts and the site's identity (admins only)."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from newsroom.admin import views  # noqa: E402, F401
