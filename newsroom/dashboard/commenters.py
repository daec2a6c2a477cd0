"""A commenter's page and the changes of their standing (trust, watch, ban, undo), from
that page or from a queue row: a real form POST each, answered in place for htmx."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from newsroom import inputs, moderation
from newsroom.dashboard import bp
from newsroom.dashboard.forms import StandingForm
from newsroom.errors import render_error
from newsroom.extensions import db
from newsroom.forms import EmptyForm
from newsroom.models import Comment, Commenter, Standing
from newsroom.refused import FieldError
from newsroom.site import current_settings

BAD_PAGE = "That page of comments is not one this site links to."
NOT_UNDERSTOOD = "That change was not understood. Nothing was changed."


@bp.get("/commenters/<int:commenter_id>")
def commenter(commenter_id: int) -> ResponseReturnValue:
    commenter = db.get_or_404(Commenter, commenter_id)
    after = request.args.get("after")
    position = None
    if after is not None:
        position = moderation.decode_cursor(after)
        if position is None:
            return render_error(400, BAD_PAGE)
    return _commenter_page(commenter, StandingForm(formdata=None), position)


def _commenter_page(
    commenter: Commenter,
    form: StandingForm,
    position: tuple | None = None,
    error: str | None = None,
) -> str:
    """The commenter's page: their record, their standing's controls, a page of comments."""
    comments, next_cursor = moderation.commenter_comments(commenter.id, position)
    return render_template(
        "dashboard/commenter.html",
        commenter=commenter,
        comments=comments,
        decisions=moderation.decisions_on([comment.id for comment in comments]),
        next_cursor=next_cursor,
        paged=position is not None,
        fingerprints=moderation.fingerprint_count(commenter.id),
        form=form,
        error=error,
        **_standing_context(commenter),
    )


def _standing_context(commenter: Commenter) -> dict:
    return {
        "history": moderation.standing_history(commenter.id),
        "labels": moderation.STANDING_LABELS,
        "decision_labels": moderation.DECISION_LABELS,
    }


@bp.post("/commenters/<int:commenter_id>/standing")
def change_standing(commenter_id: int) -> ResponseReturnValue:
    form = StandingForm()
    row = _row_comment(form.row.data)
    version = inputs.whole_number(form.version.data)
    if not form.validate_on_submit() or version is None:
        error = " ".join(form.until.errors + form.reason.errors) or NOT_UNDERSTOOD
        return _refused(commenter_id, form, row, error)
    try:
        until = None
        if form.standing.data == Standing.BANNED:
            until = moderation.ban_end(form.until.data, current_settings().timezone)
        change = moderation.change_standing(
            commenter_id,
            form.standing.data,
            current_user,
            seen_version=version,
            reason=form.reason.data or "",
            banned_until=until,
            zone=current_settings().timezone,
        )
    except FieldError as refused:
        return _refused(commenter_id, form, row, str(refused))
    return _answer(change, row)


@bp.post("/commenter-changes/<int:change_id>/undo")
def undo_standing(change_id: int) -> ResponseReturnValue:
    if not EmptyForm().validate_on_submit():
        return render_error(400, NOT_UNDERSTOOD)
    change = moderation.undo_standing(change_id, current_user, zone=current_settings().timezone)
    return _answer(change, None)


def _row_comment(text: str | None) -> Comment | None:
    comment_id = inputs.whole_number(text)
    return db.session.get(Comment, comment_id) if comment_id else None


def _refused(
    commenter_id: int, form: StandingForm, row: Comment | None, error: str
) -> ResponseReturnValue:
    """Bad input: nothing changed, and the form comes back with why (422)."""
    commenter = db.get_or_404(Commenter, commenter_id)
    if request.htmx:
        if row is not None and row.commenter_id == commenter.id:
            return _row_line(row, error=error), 422
        return render_template(
            "dashboard/_standing.html",
            commenter=commenter,
            form=form,
            error=error,
            **_standing_context(commenter),
        ), 422
    if row is not None:
        flash(error, "error")
        return redirect(url_for("dashboard.queue", **_queue_args()), 303)
    return _commenter_page(commenter, form, error=error), 422


def _answer(change: moderation.StandingChange, row: Comment | None) -> ResponseReturnValue:
    """A change's outcome: the fragment for htmx (200, or 409 when a colleague was first),
    a redirect with a message otherwise."""
    if change.commenter is None:
        return render_error(404, change.error)
    commenter = change.commenter
    message = _done(change) if change.ok else change.error
    if request.htmx:
        status = 200 if change.ok else 409
        if row is not None and row.commenter_id == commenter.id:
            return _row_line(row, message=message, error=None if change.ok else message), status
        return render_template(
            "dashboard/_standing.html",
            commenter=commenter,
            form=StandingForm(formdata=None),
            message=message if change.ok else None,
            error=None if change.ok else message,
            **_standing_context(commenter),
        ), status
    flash(message, "success" if change.ok else "error")
    if row is not None:
        return redirect(url_for("dashboard.queue", **_queue_args()), 303)
    return redirect(url_for("dashboard.commenter", commenter_id=commenter.id), 303)


def _done(change: moderation.StandingChange) -> str:
    label = moderation.STANDING_LABELS[change.event.to_standing].lower()
    if change.event.undoes_id is not None:
        return f"Undone: {change.commenter.email} is {label} again."
    return f"{change.commenter.email} is now {label}."


def _row_line(comment: Comment, *, message: str | None = None, error: str | None = None) -> str:
    db.session.refresh(comment)
    return render_template(
        "dashboard/_commenter_line.html",
        comment=comment,
        queue=moderation.queue_filter_from(request.form),
        message=message,
        error=error,
    )


def _queue_args() -> dict:
    return moderation.queue_filter_from(request.form).as_args()
