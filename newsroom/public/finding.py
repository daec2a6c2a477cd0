"""Readers finding things: the search page and the articles' pictures."""

from __future__ import annotations

import hashlib

from flask import abort, current_app, render_template, request, send_from_directory
from flask.typing import ResponseReturnValue

from newsroom import images, inputs, pagecache, search
from newsroom.public import bp
from newsroom.public.views import _versioned_page

# A year: a picture's name is its content's digest (images.py), so it never changes.
IMAGE_CACHE_CONTROL = "public, max-age=31536000, immutable"


@bp.get("/search")
def search_page() -> ResponseReturnValue:
    """Published articles matching the reader's words, best first, a page at a time. The
    same bytes for everyone who asks the same words: shared like a listing, but drawn anew
    each time (never kept by the app), and revalidated by its ETag."""
    text = (request.args.get("q") or "")[: search.QUERY_MAX]
    number = inputs.page_number()
    if number > search.PAGES_MAX:
        abort(404)
    terms = search.search_terms(text)

    def draw() -> str:
        results = search.search_articles(text, number)
        if number > 1 and not results.hits:
            abort(404)
        return render_template("public/search.html", query=text.strip(), results=results)

    # The words, as searched (the same search however it was typed), and what they find.
    digest = hashlib.sha256("\0".join([text.strip(), *terms]).encode()).hexdigest()[:24]
    key = f"search:{digest}:{number}:{pagecache.listing_version()}"
    return _versioned_page(key, draw, ["site", "listings"], keep=False)


@bp.get("/uploads/<filename>")
def upload(filename: str) -> ResponseReturnValue:
    """An article's picture, by its stored name: cached for a year by anyone."""
    if not images.FILE_NAME.match(filename):
        abort(404)
    response = send_from_directory(
        images.upload_folder(current_app.instance_path),
        filename,
        mimetype="image/webp",
        max_age=31536000,
        conditional=True,
    )
    response.headers["Cache-Control"] = IMAGE_CACHE_CONTROL
    return response
