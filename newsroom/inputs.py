"""Values from outside (URLs, forms), bounded before they reach the database.

Any blueprint may use these; they answer a bad value with the status a reader should see,
never with an error from deep inside a query.
"""

from __future__ import annotations

from flask import abort, request

# Far beyond any list's last page, far below what SQLite's and PostgreSQL's integers hold
# (OFFSET is page × page size).
MAX_PAGE = 100_000


def page_number() -> int:
    """The `page` query argument (1 when absent); 404 for anything that isn't a page."""
    page = request.args.get("page", "1")
    # isdecimal(), not isdigit(): "²" is a digit that int() refuses.
    if not page.isdecimal() or not 1 <= int(page) <= MAX_PAGE:
        abort(404)
    return int(page)
