"""The moderation queue's routes: staff only, a fragment for htmx and the full page otherwise."""

from __future__ import annotations

import htmx_flask
import sqlalchemy as sa
from flask import Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from newsroom import inputs, moderation
from newsroom.access import staff_required
from newsroom.dashboard import bp, pages
from newsroom.dashboard.forms import BatchUndoForm, BulkDecisionForm, DecisionForm, KeepForm
from newsroom.dashboard.rows import ACTIONS, queue_rows
from newsroom.dashboard.shortcuts import SHORTCUTS
from newsroom.extensions import db
from newsroom.forms import EmptyForm
from newsroom.models import UNREVIEWED, Article, Comment, CommentStatus, ModerationEvent, User
from newsroom.pagecache import slot
from newsroom.sections import ordered_sections
from newsroom.site import current_settings

TABS = [
    (CommentStatus.PENDING, "Pending"),
    (UNREVIEWED, "Published, unreviewed"),
    (CommentStatus.APPROVED, "Approved"),
    (CommentStatus.REJECTED, "Rejected"),
    (CommentStatus.SPAM, "Spam"),
    (moderation.REPORTED, "Reported"),
]
UNKNOWN_REASON = (
    "That rejection reason is no longer on the list. Nothing was changed: choose another, or none."
)


# How the history names what is not a decision.
ACTION_LABELS = {
    "edit": "Text edited",
    "reply": "Replied as the organization",
    "deletion": "Deleted for good",
}


@bp.before_request
@staff_required
def staff_only() -> None:
    """Every dashboard URL is for moderators and admins: checked once, here."""


@bp.after_request
def vary_on_htmx(response: Response) -> Response:
    # The same URL answers htmx with a fragment and a browser with the page (no cache keeps
    # either: site.py marks every staff page no-store).
    response.vary.add("HX-Request")
    return response


def _template_context(
    queue: moderation.QueueFilter, state: moderation.QueueState | None = None
) -> dict:
    """What every dashboard answer with rows or counts draws with; `state`: the queue's
    state, when the caller read it already (moderation.queue_state)."""
    state = state or moderation.queue_state()
    return {
        "queue": queue,
        "tabs": TABS,
        "actions": ACTIONS,
        "allowed": moderation.ALLOWED_TRANSITIONS,
        "labels": moderation.DECISION_LABELS,
        # The tabs' counts and the navigation's badge: the tallies as this request left them,
        # and the comments with open reports (a bounded count on a small partial index).
        "tallies": state.tallies,
        "rules_version": state.rules_version,
        # A narrowed queue's own counts ("12 of 67"); the whole queue needs none.
        "narrowed": moderation.narrowed_tally(queue) if queue.narrowed else None,
        "count_max": moderation.NARROWED_COUNT_MAX,
        "queue_rows": queue_rows,
    }


def _zone() -> str:
    """The site's clock, for the times a conflict message names."""
    return current_settings().timezone


def _open_reports(queue: moderation.QueueFilter, comment_ids: list[int]) -> dict | None:
    """On the Reported tab, each comment's open reports (one query for the page)."""
    if queue.status != moderation.REPORTED:
        return None
    return moderation.open_reports_on(comment_ids)


@bp.get("/")
def queue() -> ResponseReturnValue:
    queue = moderation.queue_filter_from(request.args)
    after = request.args.get("after")
    if request.htmx and after is not None:
        return _more_rows(queue, after)
    # Read before the rows: a comment arriving in between is then newer than where the
    # poll starts, and announced.
    state = moderation.queue_state()
    context = _template_context(queue, state)
    article = db.session.get(Article, queue.article_id) if queue.article_id else None

    def draw() -> pages.Drawn:
        comments, next_cursor = moderation.queue_page(queue, after)
        reports = _open_reports(queue, [comment.id for comment in comments])
        page = render_template(
            "dashboard/queue.html",
            comments=comments,
            next_cursor=next_cursor,
            last_cursor=moderation.encode_cursor(comments[-1]) if comments else "",
            since_id=state.newest_id,
            seen=moderation.live_signature(state.newest_id, state.tallies),
            reports=reports,
            sections=ordered_sections(),
            filtered_article=article,
            shortcuts=SHORTCUTS,
            keep_slots=True,
            csrf_token=lambda: slot("csrf"),
            **context,
        )
        return [moderation.shown_values(c) for c in comments], reports or {}, page

    if queue.search:
        return pages.drawn_page(draw)
    shown, _ = moderation.shown_page(queue, after)
    narrowed = context["narrowed"]
    about = (
        queue,
        after,
        state.newest_id,
        tuple(state.tallies.items()),
        state.rules_version,
        narrowed and tuple(narrowed.items()),
        article and (article.id, article.title),
    )
    reports = _open_reports(queue, [values.id for values in shown]) or {}
    return pages.kept_page(about, shown, reports, draw)


def _more_rows(queue: moderation.QueueFilter, after: str) -> ResponseReturnValue:
    """ "Load more", and "show" the new comments: the rows after the last one shown. Past
    the queue's end the poll starts again from the newest comment, read before the rows so
    none arriving in between is missed."""
    state = moderation.queue_state()
    newest_id = state.newest_id if queue.status == CommentStatus.PENDING else None
    comments, next_cursor = moderation.queue_page(queue, after)
    context = _template_context(queue, state)
    last_cursor = moderation.encode_cursor(comments[-1]) if comments else after
    live = newest_id is not None and next_cursor is None
    return render_template(
        "dashboard/_rows.html",
        comments=comments,
        next_cursor=next_cursor,
        last_cursor=last_cursor,
        live=live,
        since_id=newest_id,
        seen=moderation.live_signature(newest_id, context["tallies"]) if live else "",
        new_count=0,
        reports=_open_reports(queue, [comment.id for comment in comments]),
        **context,
    )


@bp.get("/new")
def new_comments() -> ResponseReturnValue:
    """The poll, every few seconds: 204 while the newest comment and the tallies are as the
    page last saw them (`seen`); otherwise the new comments since `since` and fresh counts.

    The unchanged answer reads one index end and four rows, and draws nothing."""
    since_id = inputs.whole_number(request.args.get("since")) or 0
    seen = (request.args.get("seen") or "")[:200]
    newest_id, tallies = moderation.live_state()
    signature = moderation.live_signature(newest_id, tallies)
    if seen == signature:
        return Response(status=204)
    queue = moderation.queue_filter_from(request.args)
    new_count = moderation.pending_newer_than(since_id) if newest_id > since_id else 0
    seen_newest = inputs.whole_number(seen.partition("-")[0]) or 0
    announcement = ""
    if new_count and newest_id > seen_newest:
        announcement = f"{new_count} new comment{'' if new_count == 1 else 's'} waiting."
    return render_template(
        "dashboard/_live.html",
        since_id=since_id,
        seen=signature,
        new_count=new_count,
        queue=queue,
        tabs=TABS,
        tallies=moderation.queue_state().tallies,
        # A narrowed queue's tabs are counted when it is drawn, not every few seconds.
        skip_tabs=queue.narrowed,
        announcement=announcement,
    )


@bp.post("/comments/<int:comment_id>/decision")
def decide(comment_id: int) -> ResponseReturnValue:
    form = DecisionForm()
    queue = moderation.queue_filter_from(request.form)
    if not form.validate_on_submit():
        return _refused("That decision was not understood. Nothing was changed.", queue)
    reason = ""
    if form.to_status.data == CommentStatus.REJECTED and form.reason.data:
        reason_id = inputs.whole_number(form.reason.data)
        reason = moderation.rejection_reason_label(reason_id) if reason_id else None
        if reason is None:
            return _refused(UNKNOWN_REASON, queue)
    decision = moderation.decide(
        comment_id,
        form.to_status.data,
        current_user,
        expected_status=form.expected_status.data,
        zone=_zone(),
        reason=reason,
    )
    return _answer(decision, queue)


@bp.post("/comments/<int:comment_id>/keep")
def keep(comment_id: int) -> ResponseReturnValue:
    """Keep a reported comment: its open reports are dismissed, it stays (or shows again)."""
    form = KeepForm()
    queue = moderation.queue_filter_from(request.form)
    seen = inputs.whole_number(form.seen_reports.data)
    if not form.validate_on_submit() or not seen:
        return _refused("That request was not understood. Nothing was changed.", queue)
    kept = moderation.keep_comment(comment_id, current_user, seen_reports=seen, zone=_zone())
    return _answer(kept, queue)


@bp.post("/decisions/<int:event_id>/undo")
def undo(event_id: int) -> ResponseReturnValue:
    queue = moderation.queue_filter_from(request.form)
    if not EmptyForm().validate_on_submit():
        return _refused("That request was not understood. Nothing was changed.", queue)
    decision = moderation.undo(event_id, current_user, zone=_zone())
    return _answer(decision, queue, undone=True)


@bp.post("/bulk")
def bulk() -> ResponseReturnValue:
    form = BulkDecisionForm()
    queue = moderation.queue_filter_from(request.form)
    if not form.validate_on_submit() or not form.comment_ids.data:
        if form.comment_ids.errors:
            message = "That selection was not understood. Nothing was changed."
        else:
            message = "Select at least one comment first. Nothing was changed."
        return _refused(message, queue, in_place=True)
    decisions = moderation.decide_many(
        form.comment_ids.data, form.to_status.data, current_user, zone=_zone()
    )
    done = [d for d in decisions if d.ok]
    failed = [d for d in decisions if not d.ok]
    label = moderation.DECISION_LABELS[form.to_status.data]
    message = f"{label}: {_comments(len(done))}."
    if failed:
        message += f" {len(failed)} not changed: " + " ".join(d.error for d in failed)
    return _batch_answer(message, bool(failed), queue, decisions=done)


@bp.post("/decisions/undo")
def undo_batch() -> ResponseReturnValue:
    """One Undo for a bulk decision: each of its decisions undone, as far as each still can be."""
    form = BatchUndoForm()
    queue = moderation.queue_filter_from(request.form)
    if not form.validate_on_submit():
        return _refused("That undo was not understood. Nothing was changed.", queue, in_place=True)
    decisions = moderation.undo_many(form.event_ids.data, current_user, zone=_zone())
    if not decisions:
        return _refused(
            "Those decisions are no longer on record. Nothing was changed.", queue, in_place=True
        )
    done = [d for d in decisions if d.ok]
    failed = [d for d in decisions if not d.ok]
    message = (
        f"Undone: {_comments(len(done))} back where {'it was' if len(done) == 1 else 'they were'}."
    )
    if failed:
        message += f" {len(failed)} not changed: " + " ".join(d.error for d in failed)
    return _batch_answer(message, bool(failed), queue, restored=[d.comment for d in done])


def _comments(count: int) -> str:
    return f"{count} comment{'' if count == 1 else 's'}"


def _batch_answer(
    message: str, error: bool, queue: moderation.QueueFilter, **outcome: list
) -> ResponseReturnValue:
    """A bulk decision's or its undo's outcome: under the bulk bar for htmx, with the rows
    swapped out of band; a redirect with a message otherwise."""
    if request.htmx:
        return render_template(
            "dashboard/_bulk_result.html",
            message=message,
            error=error,
            announcement=message,
            **outcome,
            **_template_context(queue),
        )
    flash(message, "error" if error else "success")
    return redirect(url_for("dashboard.queue", **queue.as_args()), 303)


def _refused(
    message: str, queue: moderation.QueueFilter, in_place: bool = False
) -> ResponseReturnValue:
    """Nothing changed: said under the bulk bar (`in_place`) or only aloud, as a row's
    request leaves its row as it was; a redirect with a message without htmx."""
    if request.htmx:
        page = render_template(
            "dashboard/_bulk_result.html", message=message, error=True, announcement=message
        )
        return htmx_flask.make_response(page, 422, reswap=None if in_place else "none")
    flash(message, "error")
    return redirect(url_for("dashboard.queue", **queue.as_args()), 303)


def _answer(
    decision: moderation.Decision, queue: moderation.QueueFilter, undone: bool = False
) -> ResponseReturnValue:
    """One decision's outcome: a fragment for htmx, a redirect with a message otherwise."""
    if decision.ok:
        who = decision.comment.author_name
        if decision.kept:
            message = f"Kept: the comment by {who}; its reports were dismissed."
        elif undone:
            message = f"Undone: the comment by {who} is {decision.to_status} again."
        else:
            message = f"{moderation.DECISION_LABELS[decision.to_status]}: comment by {who}."
    else:
        message = decision.error
    if request.htmx:
        if decision.comment is None:
            return _refused(decision.error, queue)
        if undone and decision.ok:
            template = "dashboard/_undone_row.html"
        else:
            template = "dashboard/_decided.html"
        status = 200 if decision.ok else 409
        return render_template(
            template,
            decision=decision,
            comment=decision.comment,
            announcement=message,
            **_template_context(queue),
        ), status
    flash(message, "success" if decision.ok else "error")
    return redirect(url_for("dashboard.queue", **queue.as_args()), 303)


@bp.get("/history")
def history() -> ResponseReturnValue:
    def number(name: str) -> int | None:
        return inputs.whole_number(request.args.get(name))

    decision = request.args.get("decision") or None
    if decision not in moderation.DECISION_LABELS:
        decision = None
    comment_id = number("comment")
    events, older = moderation.history_page(
        actor_id=number("moderator"),
        to_status=decision,
        comment_id=comment_id,
        before=number("before"),
    )
    moderators = db.session.scalars(
        sa.select(User)
        .where(User.id.in_(sa.select(ModerationEvent.actor_id).distinct()))
        .order_by(User.display_name)
    ).all()
    return render_template(
        "dashboard/history.html",
        events=events,
        older=older,
        moderators=moderators,
        chosen_moderator=number("moderator"),
        chosen_decision=decision,
        comment=db.session.get(Comment, comment_id) if comment_id else None,
        edits=moderation.text_history(comment_id) if comment_id else [],
        labels=moderation.DECISION_LABELS,
        action_labels=ACTION_LABELS,
    )
