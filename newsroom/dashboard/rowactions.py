"""A queue row's other actions: edit the text (and undo the edit), reply as the organization,
delete for good (admins), and empty the spam folder of old comments (admins).

Each is a real form POST that redirects back to the queue with a message; htmx gets the
row's part back in place (the text, the reply box, or the whole row once deleted). Text the
service refuses (empty, too long) comes back in the form with the reason, never lost.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from newsroom import inputs, moderation
from newsroom.access import admin_required
from newsroom.dashboard import bp
from newsroom.dashboard.forms import DeleteForm, EditForm, EmptySpamForm, ReplyForm
from newsroom.dashboard.views import _refused, _template_context, _zone
from newsroom.extensions import db
from newsroom.forms import EmptyForm
from newsroom.models import Comment, CommentStatus
from newsroom.site import current_settings

NOT_UNDERSTOOD = (
    "That request was not understood (the page may have been open too long). Nothing was "
    "changed; your text is kept below: send it again."
)
EDITED = "Edited: readers see the new text, marked “edited by the moderators”."
EDIT_UNDONE = "Undone: the comment has its text from before the edit again."


@bp.app_context_processor
def row_action_limits() -> dict:
    return {
        "body_max": moderation.BODY_MAX,
        "spam_days_default": moderation.SPAM_DAYS_DEFAULT,
        "spam_days_max": moderation.SPAM_DAYS_MAX,
    }


def _back_to_queue(queue: moderation.QueueFilter, comment_id: int | None = None):
    anchor = f"comment-{comment_id}" if comment_id else None
    return redirect(url_for("dashboard.queue", _anchor=anchor, **queue.as_args()), 303)


# --- Edit ----------------------------------------------------------------------------------


@bp.get("/comments/<int:comment_id>/edit")
def edit_page(comment_id: int) -> ResponseReturnValue:
    """The edit form on a page of its own: where a browser without JavaScript is sent back
    when its text was refused."""
    comment = db.get_or_404(Comment, comment_id)
    queue = moderation.queue_filter_from(request.args)
    return _write_page(comment, queue, "edit", typed=comment.body)


@bp.post("/comments/<int:comment_id>/edit")
def edit(comment_id: int) -> ResponseReturnValue:
    form = EditForm()
    queue = moderation.queue_filter_from(request.form)
    version = inputs.whole_number(form.text_version.data)
    typed = form.body.data or ""
    if not form.validate_on_submit() or version is None:
        comment = db.get_or_404(Comment, comment_id)
        written = moderation.Written(comment, error=NOT_UNDERSTOOD, invalid=True)
    else:
        written = moderation.edit_comment(
            comment_id,
            typed,
            current_user,
            expected_status=form.expected_status.data,
            expected_version=version,
            zone=_zone(),
        )
    return _text_answer(written, queue, typed, EDITED)


@bp.post("/edits/<int:event_id>/undo")
def undo_edit(event_id: int) -> ResponseReturnValue:
    queue = moderation.queue_filter_from(request.form)
    if not EmptyForm().validate_on_submit():
        return _refused("That request was not understood. Nothing was changed.", queue)
    return _text_answer(
        moderation.undo_edit(event_id, current_user, zone=_zone()), queue, None, EDIT_UNDONE
    )


def _text_answer(
    written: moderation.Written, queue: moderation.QueueFilter, typed: str | None, done: str
) -> ResponseReturnValue:
    """The row's text after an edit or its undo: in place for htmx, else a redirect (or,
    for text that was refused, the form again with it)."""
    if written.comment is None:
        return _refused(written.error, queue)
    comment = written.comment
    if request.htmx:
        return render_template(
            "dashboard/_row_text.html",
            comment=comment,
            queue=queue,
            message=done if written.ok else None,
            error=written.error,
            typed=typed if written.invalid else None,
            undo_event=written.event if written.ok and typed is not None else None,
        ), _status(written)
    if written.invalid:
        return _write_page(comment, queue, "edit", typed=typed, error=written.error), 422
    flash(done if written.ok else written.error, "success" if written.ok else "error")
    return _back_to_queue(queue, comment.id)


def _status(written: moderation.Written) -> int:
    if written.ok:
        return 200
    return 422 if written.invalid else 409


def _write_page(
    comment: Comment,
    queue: moderation.QueueFilter,
    mode: str,
    *,
    typed: str | None = None,
    error: str | None = None,
) -> str:
    return render_template(
        "dashboard/write.html",
        comment=comment,
        queue=queue,
        mode=mode,
        typed=typed,
        error=error,
        organization_name=current_settings().organization_name,
    )


# --- Reply as the organization ---------------------------------------------------------


@bp.get("/comments/<int:comment_id>/reply")
def reply_page(comment_id: int) -> ResponseReturnValue:
    comment = db.get_or_404(Comment, comment_id)
    queue = moderation.queue_filter_from(request.args)
    return _write_page(comment, queue, "reply", typed="")


@bp.post("/comments/<int:comment_id>/reply")
def reply(comment_id: int) -> ResponseReturnValue:
    form = ReplyForm()
    queue = moderation.queue_filter_from(request.form)
    typed = form.body.data or ""
    organization = current_settings().organization_name
    if not form.validate_on_submit():
        comment = db.get_or_404(Comment, comment_id)
        written = moderation.Written(comment, error=NOT_UNDERSTOOD, invalid=True)
    else:
        written = moderation.reply_as_organization(comment_id, typed, current_user, organization)
    if written.comment is None:
        return _refused(written.error, queue)
    comment = written.comment
    if written.ok:
        message = f"Published under the comment as {organization}."
    if request.htmx:
        return render_template(
            "dashboard/_reply_answer.html",
            comment=comment,
            reply=written.reply,
            message=message if written.ok else None,
            error=written.error,
            typed=typed if not written.ok else None,
            **_template_context(queue),
        ), _status(written)
    if written.invalid:
        return _write_page(comment, queue, "reply", typed=typed, error=written.error), 422
    flash(message if written.ok else written.error, "success" if written.ok else "error")
    return _back_to_queue(queue, comment.id)


# --- Delete for good (admins) ----------------------------------------------------------


@bp.post("/comments/<int:comment_id>/delete")
@admin_required
def delete(comment_id: int) -> ResponseReturnValue:
    form = DeleteForm()
    queue = moderation.queue_filter_from(request.form)
    if not form.validate_on_submit():
        return _refused("That request was not understood. Nothing was deleted.", queue)
    deleted = moderation.delete_comment(
        comment_id, current_user, expected_status=form.expected_status.data, zone=_zone()
    )
    if deleted.ok:
        message = f"Deleted for good: the comment by {deleted.author_name}."
    if request.htmx:
        return render_template(
            "dashboard/_deleted.html",
            comment_id=comment_id,
            deleted=deleted,
            message=message if deleted.ok else deleted.error,
            **_template_context(queue),
        ), 200 if deleted.ok else 409
    flash(message if deleted.ok else deleted.error, "success" if deleted.ok else "error")
    return _back_to_queue(queue)


# --- Empty the spam folder (admins) ----------------------------------------------------

BAD_DAYS = f"Give a whole number of days from 1 to {moderation.SPAM_DAYS_MAX:,}."


@bp.get("/spam/empty")
@admin_required
def empty_spam_page() -> ResponseReturnValue:
    """How many spam comments would go, and the button that deletes them."""
    raw = request.args.get("days", str(moderation.SPAM_DAYS_DEFAULT))
    days = inputs.whole_number(raw, moderation.SPAM_DAYS_MAX)
    if not days:
        return _empty_spam_page(raw[:20], None, BAD_DAYS), 422
    return _empty_spam_page(str(days), moderation.spam_older_than(days))


def _empty_spam_page(days: str, count: int | None, error: str | None = None) -> str:
    return render_template(
        "dashboard/empty_spam.html",
        days=days,
        count=count,
        error=error,
        form=EmptySpamForm(formdata=None),
    )


@bp.post("/spam/empty")
@admin_required
def empty_spam() -> ResponseReturnValue:
    form = EmptySpamForm()
    days = inputs.whole_number(form.days.data, moderation.SPAM_DAYS_MAX)
    if not form.validate_on_submit() or not days:
        return _empty_spam_page((form.days.data or "")[:20], None, BAD_DAYS), 422
    total = moderation.empty_spam(days, current_user)
    plural = "" if total == 1 else "s"
    if total:
        flash(f"Deleted for good: {total} spam comment{plural} older than {days} days.", "success")
    else:
        flash(f"No spam comment was older than {days} days: nothing was deleted.", "success")
    return redirect(url_for("dashboard.queue", status=CommentStatus.SPAM), 303)
