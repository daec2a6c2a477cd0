"""The reader's site: home, section pages, article pages and the comment box."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from newsroom.public import feeds, finding, meta, views  # noqa: E402, F401
