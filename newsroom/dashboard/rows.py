"""The queue's rows, each drawn once and kept.

A row of the queue is a few kilobytes of markup with a dozen URLs and buttons in it, and
the queue page shows 25: drawing them was most of the page's time. A row is kept under
everything it shows (the comment's fields and status, its article's address, title and
state, the moderator's tab and filters, the site's timezone and name, whether the
moderator may delete), so a change to any of them draws a new row and no kept row can go
stale. Only the moderator's CSRF token and the
comment's age ("5 minutes ago") differ from one drawing to the next: they are slots
(pagecache.slot), filled in each time. The rules' version is in the key too: a row marks
the suspect words of the rules in force.

Each worker keeps up to MAX_ROWS rows per app, forgetting the oldest first.
"""

from __future__ import annotations

import threading
from datetime import datetime

from flask import current_app, g, render_template
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from newsroom import articles, moderation
from newsroom.content import in_zone, time_ago
from newsroom.dashboard import bp
from newsroom.models import (
    Comment,
    Commenter,
    CommentReport,
    CommentStatus,
    Standing,
    is_banned,
    is_public,
    utcnow,
)
from newsroom.pagecache import slot

MAX_ROWS = 2000  # about 3 KB each
# The words on each decision's button and the key staff.js binds to it.
ACTIONS = {
    CommentStatus.PENDING: ("Back to pending", "p"),
    CommentStatus.APPROVED: ("Approve", "a"),
    CommentStatus.REJECTED: ("Reject", "r"),
    CommentStatus.SPAM: ("Spam", "s"),
}


class Kept:
    """Markup kept by key in this worker, up to `limit` entries, forgetting the oldest first.
    Nothing is ever invalidated: a key holds everything its markup shows."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.entries: dict[tuple, object] = {}
        self.lock = threading.Lock()

    def get(self, key: tuple) -> object | None:
        return self.entries.get(key)

    def put(self, key: tuple, markup: object) -> None:
        with self.lock:
            self.entries[key] = markup
            while len(self.entries) > self.limit:
                del self.entries[next(iter(self.entries))]


def kept(name: str, limit: int) -> Kept:
    """This app's Kept store called `name` (made on first use)."""
    store = current_app.extensions.get(name)
    if store is None:
        store = current_app.extensions.setdefault(name, Kept(limit))
    return store


def row_store() -> Kept:
    return kept("newsroom_queue_rows", MAX_ROWS)


@bp.app_template_global()
def rejection_reasons() -> list[tuple[int, str]]:
    """The admins' rejection reasons as (id, words), read once per request and only when a
    page shows them (a decision's strip doesn't)."""
    if "rejection_reasons" not in g:
        g.rejection_reasons = moderation.rejection_reason_labels()
    return g.rejection_reasons


def queue_rows(
    comments: list[Comment],
    queue: moderation.QueueFilter,
    restored: bool = False,
    oob: bool = False,
    reports: dict[int, list[CommentReport]] | None = None,
    rules_version: str | None = None,
    keep_slots: bool = False,
) -> Markup:
    """The rows of `comments`, as the queue and the undo answer show them; `oob`: each in
    place of its strip (an undone batch); `reports`, on the Reported tab, holds each
    comment's open reports; `rules_version`: the rules' version, when the caller read it
    with the queue's state (moderation.queue_state); `keep_slots`: leave each row's age and
    the CSRF token as slots, for a page kept whole (dashboard/pages.py) to fill."""
    cache = row_store()
    if rules_version is None:
        rules = moderation.current_rules()
    else:
        rules = moderation.rules_at(rules_version)
    reasons = tuple(rejection_reasons()) if comments else ()
    timezone = g.site.timezone if "site" in g else "UTC"
    # The row's reply box names the organization; only admins get the Delete button.
    organization = g.site.organization_name if "site" in g else ""
    can_delete = current_user.is_admin
    token = generate_csrf()
    csrf_slot, age_slot = slot("csrf"), slot("age")
    now = utcnow()
    drawn = []
    for comment in comments:
        open_reports = (reports or {}).get(comment.id, [])
        key = (
            row_key(moderation.shown_values(comment), now, open_reports),
            reasons,
            queue,
            restored,
            oob,
            timezone,
            organization,
            can_delete,
            rules.version,
        )
        row = cache.get(key)
        if row is None:
            article_public = comment.article.is_public(now)
            row = render_template(
                "dashboard/_comment_row.html",
                comment=comment,
                body_html=rules.marked_html(comment.body),
                article_public=article_public,
                article_state=articles.state_of(comment.article.status, article_public),
                queue=queue,
                actions=ACTIONS,
                allowed=moderation.ALLOWED_TRANSITIONS,
                restored=restored,
                organization_name=organization,
                can_delete=can_delete,
                oob=oob,
                reports=open_reports,
                report_summary=moderation.reasons_summary(open_reports),
                rejection_reasons=reasons,
                age=age_slot,
                csrf_token=lambda: csrf_slot,
            )
            cache.put(key, row)
        if not keep_slots:
            row = row.replace(age_slot, age(comment.created_at, now)).replace(csrf_slot, token)
        drawn.append(row)
    # Rows come from an autoescaping template; the slots take the age we format and the
    # CSRF token (URL-safe characters).
    rows = "".join(drawn)
    return Markup(rows)  # nosec B704 # escaped by the template that drew them


def age(created_at: datetime, now: datetime) -> str:
    """A row's age ("5 minutes ago"), for its slot."""
    return str(Markup.escape(time_ago(created_at, now)))


def row_key(values: moderation.ShownRow, now: datetime, open_reports: list[CommentReport]) -> tuple:
    """Everything a row shows of its comment (moderation.SHOWN), what of it turns with the
    clock (its article public, its commenter's ban over) and its open reports: the row's part
    of the key of a kept row and of a kept page."""
    return (
        values,
        is_public(values.article_status, values.article_published_at, now),
        is_banned(values.commenter_standing, values.commenter_banned_until, now),
        tuple((r.id, r.reason, r.detail) for r in open_reports),
    )


@bp.app_template_global()
def commenter_summary(commenter: Commenter) -> str:
    """The commenter in one line: "4 approved · 1 rejected · since March 2026", or "new
    commenter" before any decision on them."""
    counts = [
        (commenter.approved_count, "approved"),
        (commenter.rejected_count, "rejected"),
        (commenter.spam_count, "spam"),
        (commenter.reported_count, "reported"),
    ]
    parts = [f"{count} {word}" for count, word in counts if count]
    if not parts:
        return "new commenter"
    timezone = g.site.timezone if "site" in g else "UTC"
    since = in_zone(commenter.first_seen_at, timezone).strftime("%B %Y")
    return " · ".join([*parts, f"since {since}"])


@bp.app_template_global()
def standing_badge(commenter: Commenter) -> str:
    """The commenter's standing in a word or two, or "" for none."""
    if commenter.standing == Standing.BANNED:
        if not commenter.is_banned():
            return "ban ended"
        return "banned"
    if commenter.standing == Standing.NORMAL:
        return ""
    return commenter.standing
