"""The pages links in e-mail lead to: a commenter's unsubscribe, a moderator's decision
from a digest. Each link carries its own signed token (newsroom/mail/links.py), so neither
needs a login."""

from flask import Blueprint, Response

bp = Blueprint("links", __name__, url_prefix="/mail")


@bp.after_request
def private_pages(response: Response) -> Response:
    # The token in the address is the key: no cache keeps these pages, and no page they
    # link to is told the address they were reached from.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


from newsroom.links import views  # noqa: E402, F401
