"""Error pages in the site's style that say what happened and leak nothing else."""

from __future__ import annotations

import htmx_flask
from flask import Flask, Response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError

from newsroom import discovery
from newsroom.extensions import db

MESSAGES = {
    400: ("Bad request", "The request could not be understood."),
    403: ("Not allowed", "You don't have permission to see this page."),
    404: ("Page not found", "There is nothing at this address. It may have moved."),
    405: ("Not allowed", "That action isn't available here."),
    413: (
        "Too large",
        "What you sent is larger than this site accepts. Shorten it and send it again.",
    ),
    429: ("Slow down", "Too many requests in a short time. Please wait a minute and try again."),
    500: ("Something went wrong", "The error has been logged. Please try again in a moment."),
}


def render_error(code: int, message: str | None = None, *, refresh: bool = False) -> Response:
    """The error page, or its fragment for htmx; `refresh` asks htmx to reload the whole page."""
    title, default = MESSAGES.get(code, ("Error", "Something went wrong."))
    template = "errors/_error.html" if request.htmx else "errors/error.html"
    latest = _latest_articles() if code == 404 and not request.htmx else []
    page = render_template(
        template, code=code, title=title, message=message or default, latest=latest
    )
    response = htmx_flask.make_response(page, code, refresh=refresh)
    # The same URL answers htmx with a fragment: caches must keep the two apart.
    response.vary.add("HX-Request")
    return response


def _latest_articles() -> list[discovery.Pointer]:
    """Where a reader who followed a dead link might go instead; nothing when the database
    is what failed (the page must still render)."""
    try:
        return discovery.latest()
    except SQLAlchemyError:
        db.session.rollback()
        return []


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        # For htmx the page's token is stale (the session ended): reload it for a fresh
        # one, which also sends a logged-out moderator to the login page.
        return render_error(
            400,
            "This form has expired or was sent from somewhere else. "
            "Go back, reload the page and send it again.",
            refresh=bool(request.htmx),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        return render_error(error.code)

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        db.session.rollback()
        return render_error(500)
