"""The moderation queue's routes: staff only, a fragment for htmx and the full page otherwise."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from newsroom import inputs, moderation
from newsroom.access import staff_required
from newsroom.dashboard import bp
from newsroom.dashboard.forms import BulkDecisionForm, DecisionForm, KeepForm
from newsroom.dashboard.rows import ACTIONS, queue_rows
from newsroom.extensions import db
from newsroom.forms import EmptyForm
from newsroom.models import Article, Comment, CommentStatus, ModerationEvent, User
from newsroom.sections import ordered_sections

TABS = [
    (CommentStatus.PENDING, "Pending"),
    (CommentStatus.APPROVED, "Approved"),
    (CommentStatus.REJECTED, "Rejected"),
    (CommentStatus.SPAM, "Spam"),
    (moderation.REPORTED, "Reported"),
]
UNKNOWN_REASON = (
    "That rejection reason is no longer on the list. Nothing was changed: choose another, or none."
)


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


def _template_context(queue: moderation.QueueFilter) -> dict:
    return {
        "queue": queue,
        "tabs": TABS,
        "actions": ACTIONS,
        "allowed": moderation.ALLOWED_TRANSITIONS,
        "labels": moderation.DECISION_LABELS,
        # The tabs' counts and the navigation's badge: the tallies as this request left them,
        # and the comments with open reports (a bounded count on a small partial index).
        "tallies": {**moderation.tally(), moderation.REPORTED: moderation.reported_total()},
        "queue_rows": queue_rows,
    }


def _open_reports(queue: moderation.QueueFilter, comments: list[Comment]) -> dict | None:
    """On the Reported tab, each comment's open reports (one query for the page)."""
    if queue.status != moderation.REPORTED:
        return None
    return moderation.open_reports_on([comment.id for comment in comments])


@bp.get("/")
def queue() -> ResponseReturnValue:
    queue = moderation.queue_filter_from(request.args)
    comments, next_cursor = moderation.queue_page(queue, request.args.get("after"))
    context = _template_context(queue)
    reports = _open_reports(queue, comments)
    if request.htmx and request.args.get("after"):
        # "Load more": just the next rows and a fresh button.
        return render_template(
            "dashboard/_rows.html",
            comments=comments,
            next_cursor=next_cursor,
            reports=reports,
            **context,
        )
    sections = ordered_sections()
    article = db.session.get(Article, queue.article_id) if queue.article_id else None
    return render_template(
        "dashboard/queue.html",
        comments=comments,
        next_cursor=next_cursor,
        reports=reports,
        newest_id=moderation.newest_comment_id(),
        sections=sections,
        filtered_article=article,
        **context,
    )


@bp.get("/new")
def new_comments() -> ResponseReturnValue:
    """The polling request: how many comments arrived since the page was drawn."""
    since_id = inputs.whole_number(request.args.get("since")) or 0
    queue = moderation.queue_filter_from(request.args)
    return render_template(
        "dashboard/_new_comments.html",
        new_count=moderation.pending_newer_than(since_id),
        newest_id=since_id,
        queue=queue,
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
    return _answer(moderation.keep_comment(comment_id, current_user, seen_reports=seen), queue)


@bp.post("/decisions/<int:event_id>/undo")
def undo(event_id: int) -> ResponseReturnValue:
    queue = moderation.queue_filter_from(request.form)
    if not EmptyForm().validate_on_submit():
        return _refused("That request was not understood. Nothing was changed.", queue)
    decision = moderation.undo(event_id, current_user)
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
        if request.htmx:
            return render_template("dashboard/_bulk_result.html", message=message, error=True), 422
        flash(message, "error")
        return redirect(url_for("dashboard.queue", **queue.as_args()), 303)
    decisions = moderation.decide_many(form.comment_ids.data, form.to_status.data, current_user)
    done = [d for d in decisions if d.ok]
    failed = [d for d in decisions if not d.ok]
    label = moderation.DECISION_LABELS[form.to_status.data]
    message = f"{label}: {len(done)} comment{'s' if len(done) != 1 else ''}."
    if failed:
        message += f" {len(failed)} not changed: " + " ".join(d.error for d in failed)
    if request.htmx:
        return render_template(
            "dashboard/_bulk_result.html",
            message=message,
            error=bool(failed),
            decisions=done,
            **_template_context(queue),
        )
    flash(message, "error" if failed else "success")
    return redirect(url_for("dashboard.queue", **queue.as_args()), 303)


def _refused(message: str, queue: moderation.QueueFilter) -> ResponseReturnValue:
    if request.htmx:
        return render_template("dashboard/_bulk_result.html", message=message, error=True), 422
    flash(message, "error")
    return redirect(url_for("dashboard.queue", **queue.as_args()), 303)


def _answer(
    decision: moderation.Decision, queue: moderation.QueueFilter, undone: bool = False
) -> ResponseReturnValue:
    """One decision's outcome: a fragment for htmx, a redirect with a message otherwise."""
    if request.htmx:
        context = _template_context(queue)
        if decision.comment is None:
            return _refused(decision.error, queue)
        if undone and decision.ok:
            template = "dashboard/_undone_row.html"
        else:
            template = "dashboard/_decided.html"
        status = 200 if decision.ok else 409
        return render_template(
            template, decision=decision, comment=decision.comment, **context
        ), status
    if decision.ok:
        who = decision.comment.author_name
        if decision.kept:
            flash(f"Kept: the comment by {who}; its reports were dismissed.", "success")
        elif undone:
            flash(f"Undone: the comment by {who} is {decision.to_status} again.", "success")
        else:
            flash(f"{moderation.DECISION_LABELS[decision.to_status]}: comment by {who}.", "success")
    else:
        flash(decision.error, "error")
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
        labels=moderation.DECISION_LABELS,
    )
