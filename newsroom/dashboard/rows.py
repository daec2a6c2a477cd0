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
from newsroom.models import Comment, Commenter, CommentReport, CommentStatus, Standing, utcnow
from newsroom.pagecache import slot

MAX_ROWS = 2000  # about 3 KB each
# The words on each decision's button and the key staff.js binds to it.
ACTIONS = {
    CommentStatus.PENDING: ("Back to pending", "p"),
    CommentStatus.APPROVED: ("Approve", "a"),
    CommentStatus.REJECTED: ("Reject", "r"),
    CommentStatus.SPAM: ("Spam", "s"),
}


class RowCache:
    def __init__(self) -> None:
        self.rows: dict[tuple, str] = {}
        self.lock = threading.Lock()

    def get(self, key: tuple) -> str | None:
        return self.rows.get(key)

    def put(self, key: tuple, row: str) -> None:
        with self.lock:
            self.rows[key] = row
            while len(self.rows) > MAX_ROWS:
                del self.rows[next(iter(self.rows))]


def _cache() -> RowCache:
    cache = current_app.extensions.get("newsroom_queue_rows")
    if cache is None:
        cache = current_app.extensions.setdefault("newsroom_queue_rows", RowCache())
    return cache


@bp.app_template_global()
def rejection_reasons() -> list[tuple[int, str]]:
    """The admins' rejection reasons as (id, words), read once per request and only when a
    page shows them (a decision's strip doesn't)."""
    if "rejection_reasons" not in g:
        g.rejection_reasons = [(r.id, r.label) for r in moderation.rejection_reasons()]
    return g.rejection_reasons


def queue_rows(
    comments: list[Comment],
    queue: moderation.QueueFilter,
    restored: bool = False,
    oob: bool = False,
    reports: dict[int, list[CommentReport]] | None = None,
    rules_version: str | None = None,
) -> Markup:
    """The rows of `comments`, as the queue and the undo answer show them; `oob`: each in
    place of its strip (an undone batch); `reports`, on the Reported tab, holds each
    comment's open reports; `rules_version`: the rules' version, when the caller read it
    with the queue's state (moderation.queue_state)."""
    cache = _cache()
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
        article = comment.article
        now_public = article.is_public(now)
        open_reports = (reports or {}).get(comment.id, [])
        key = (
            comment.id,
            comment.state,
            comment.author_name,
            comment.author_email,
            comment.created_at,
            comment.held_reasons,
            comment.body,
            comment.text_version,
            comment.edited_at,
            comment.by_organization,
            comment.open_reports,
            comment.hidden_by_reports,
            tuple((r.id, r.reason, r.detail) for r in open_reports),
            reasons,
            comment.article_id,
            article.slug,
            article.title,
            now_public,
            article.status,
            _commenter_key(comment.commenter, now),
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
            row = render_template(
                "dashboard/_comment_row.html",
                comment=comment,
                body_html=rules.marked_html(comment.body),
                article_public=now_public,
                article_state=articles.state_of(article.status, now_public),
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
        drawn.append(row.replace(age_slot, _age(comment.created_at, now)).replace(csrf_slot, token))
    # Rows come from an autoescaping template; the slots take the age we format and the
    # CSRF token (URL-safe characters).
    rows = "".join(drawn)
    return Markup(rows)  # nosec B704 # escaped by the template that drew them


def _age(created_at: datetime, now: datetime) -> str:
    return str(Markup.escape(time_ago(created_at, now)))


def _commenter_key(commenter: Commenter | None, now: datetime) -> tuple | None:
    """Everything the row's commenter line shows."""
    if commenter is None:
        return None
    return (
        commenter.id,
        commenter.approved_count,
        commenter.rejected_count,
        commenter.spam_count,
        commenter.reported_count,
        commenter.first_seen_at,
        commenter.standing,
        commenter.banned_until,
        commenter.standing_version,
        commenter.is_banned(now),
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
