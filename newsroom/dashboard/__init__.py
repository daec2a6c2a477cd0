"""The moderation queue: decisions on comments, in place with htmx."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

from newsroom.dashboard import views  # noqa: E402, F401
