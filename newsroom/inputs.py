"""Values from outside (URLs, forms, htmx's headers), bounded before they reach the database.

The rules of DESIGN.md's "Input from outside", each in one place: whole numbers are ASCII
digits within what the database's integers hold (`whole_number`, and the `int` converter
every route's `<int:...>` uses), and no NUL character gets past the start of a request.
Any blueprint may use these; they answer a bad value with the status a reader should see,
never with an error from deep inside a query.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import Flask, Response, abort, current_app, request
from werkzeug.routing import IntegerConverter

from newsroom.errors import render_error
from newsroom.extensions import READING_METHODS

# Every id column is an `integer`: 32 bits on PostgreSQL (SQLite's hold 64).
MAX_ID = 2**31 - 1
# Far beyond any list's last page, far below what SQLite's and PostgreSQL's integers hold
# (OFFSET is page × page size).
MAX_PAGE = 100_000

NUL_REFUSED = (
    "This request holds a NUL character (\\0), which no address, search or text on this "
    "site may contain. Remove it and send the request again."
)


def whole_number(text: str | None, maximum: int = MAX_ID) -> int | None:
    """`text` as a whole number from 0 to `maximum`, or None when it is anything else.

    ASCII digits only: str.isdigit() takes "²", which int() refuses, and str.isdecimal()
    takes "٣", which int() reads as 3 but no link of ours ever holds. The length is checked
    before int() reads a string of any size."""
    text = (text or "").strip()
    if not (text.isascii() and text.isdecimal()) or len(text) > len(str(maximum)):
        return None
    number = int(text)
    return number if number <= maximum else None


def id_value(text: str | None) -> int:
    """An id from a form field, for WTForms' `coerce`: a ValueError (the field's error)
    for anything no row can have."""
    number = whole_number(text)
    if number is None:
        raise ValueError("That is not an id.")
    return number


def page_number() -> int:
    """The `page` query argument (1 when absent); 404 for anything that isn't a page."""
    page = whole_number(request.args.get("page", "1"), MAX_PAGE)
    if not page:
        abort(404)
    return page


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: ASCII digits up to MAX_ID, anything else is no page (404).

    Werkzeug's own converter matches any Unicode digit and any size of number, which the
    database then refuses with an error."""

    regex = r"[0-9]+"

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def _holds_nul(values: Iterable[tuple[str, str]]) -> bool:
    return any("\x00" in key or "\x00" in value for key, value in values)


def refuse_nul() -> Response | None:
    """400 for a NUL character anywhere in the path, the query, the form or a header htmx
    sends. PostgreSQL refuses NUL in text, so it must never reach a query; and no page of
    ours has any use for one, so it is refused the same on SQLite."""
    # A read's body is never parsed (Flask-WTF reads forms that are sent, not read).
    sent = request.method not in READING_METHODS
    htmx_headers = ((k, v) for k, v in request.environ.items() if k.startswith("HTTP_HX_"))
    if (
        "\x00" in request.path
        or _holds_nul(request.args.items(multi=True))
        or (sent and _holds_nul(request.form.items(multi=True)))
        or _holds_nul(htmx_headers)
    ):
        return render_error(400, NUL_REFUSED)
    return None


def accepts_uploads(view: Callable) -> Callable:
    """Mark a view whose form may carry an uploaded picture: its requests may be larger by
    twice IMAGE_MAX_BYTES than MAX_CONTENT_LENGTH, so a picture too large is refused by the
    form, with everything else typed kept, rather than the whole request by a 413."""
    view.accepts_uploads = True
    return view


def _upload_limit() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "accepts_uploads", False):
        config = current_app.config
        request.max_content_length = config["MAX_CONTENT_LENGTH"] + 2 * config["IMAGE_MAX_BYTES"]


def init_app(app: Flask) -> None:
    """Before any route is added (they read the converter) and before the CSRF check (a NUL
    is refused whatever else the request holds); the upload limit before the form is read."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(_upload_limit)
    app.before_request(refuse_nul)
