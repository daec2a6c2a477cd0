"""The queue's page, kept whole.

Moderators on a shift load the queue page again and again, and several of them load the
same one; drawing it was most of its time even with its rows kept (rows.py). A page is kept
under everything it shows: the values of each of its rows (moderation.SHOWN, read as plain
values in one statement, no ORM objects), the queue's state (counts, newest comment, rules'
version), the filter and its narrowed counts, the moderator, the site's settings and the
rejection reasons. So no kept page can go stale, and no service has to say when one did.
The CSRF token and each row's age are slots, filled in at every answer. A page with a
flashed message is drawn and not kept, and so is a search's (drawn_page).

Each worker keeps up to MAX_PAGES pages (about 170 KB each), forgetting the oldest first.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from newsroom import moderation
from newsroom.dashboard.rows import Kept, age, kept, rejection_reasons, row_key
from newsroom.models import CommentReport, utcnow
from newsroom.pagecache import slot
from newsroom.site import current_settings

MAX_PAGES = 16

# What a drawing returns: the rows' values it drew, their open reports, and the page.
Drawn = tuple[list[moderation.ShownRow], dict[int, list[CommentReport]], str]


def kept_page(
    about: tuple,
    shown: list[moderation.ShownRow],
    reports: dict[int, list[CommentReport]],
    draw: Callable[[], Drawn],
) -> str:
    """The page for `about` (the queue's filter, cursor, state and narrowed counts) whose rows
    show `shown` with their open `reports`: kept, or drawn by `draw` with the slots left in
    and kept under what it drew."""
    store = page_store()
    now = utcnow()
    # A flashed message is shown once: that page is drawn for its moderator alone.
    keep = not session.get("_flashes")
    key = _key(about, shown, reports, now) if keep else None
    parts = store.get(key) if keep else None
    if parts is None:
        drawn, drawn_reports, parts = _drawn(draw)
        if keep:
            # Kept under what it drew: the rows may have moved since they were looked up.
            if (drawn, drawn_reports) != (shown, reports):
                key = _key(about, drawn, drawn_reports, now)
            store.put(key, parts)
        shown = drawn
    return _filled(parts, shown, now)


def drawn_page(draw: Callable[[], Drawn]) -> str:
    """A page drawn by `draw` and not kept (a search: seldom asked twice, and looking its
    rows up first would run the search twice)."""
    shown, _, parts = _drawn(draw)
    return _filled(parts, shown, utcnow())


def _drawn(draw: Callable[[], Drawn]) -> tuple[list[moderation.ShownRow], dict, list[str]]:
    shown, reports, page = draw()
    # Cut at the age slots, which stand once in each row and nowhere else.
    parts = page.split(slot("age"))
    if len(parts) != len(shown) + 1:
        raise RuntimeError("a queue page must hold one age slot per row")
    return shown, reports, parts


def page_store() -> Kept:
    return kept("newsroom_queue_pages", MAX_PAGES)


def _key(
    about: tuple,
    shown: list[moderation.ShownRow],
    reports: dict[int, list[CommentReport]],
    now: datetime,
) -> tuple:
    site = current_settings()
    return (
        about,
        tuple(row_key(values, now, reports.get(values.id, [])) for values in shown),
        tuple(rejection_reasons()),
        (current_user.id, current_user.display_name, current_user.is_admin),
        (site.id, site.updated_at),
        now.year,
    )


def _filled(parts: list[str], shown: list[moderation.ShownRow], now: datetime) -> str:
    page = [parts[0]]
    for values, part in zip(shown, parts[1:], strict=True):
        page += (age(values.created_at, now), part)
    return "".join(page).replace(slot("csrf"), generate_csrf())
