"""Staff login, logout and password changes."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from newsroom.auth import views  # noqa: E402, F401
