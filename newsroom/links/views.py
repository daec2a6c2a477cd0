"""Unsubscribing from a comment's notices (RFC 8058's one-click POST, and a page with a
button for people), and a digest's approve and reject links: a confirmation page with one
button (the GET changes nothing), its POST protected by the session's CSRF token."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from newsroom.extensions import csrf, db
from newsroom.forms import EmptyForm
from newsroom.links import bp
from newsroom.mail import decisions, links, notices
from newsroom.models import Comment, CommentStatus
from newsroom.site import current_settings

DECISION_TITLES = {
    CommentStatus.APPROVED: "Approve a comment",
    CommentStatus.REJECTED: "Reject a comment",
}
DECISION_BUTTONS = {
    CommentStatus.APPROVED: "Approve this comment",
    CommentStatus.REJECTED: "Reject this comment",
}
DONE = {
    CommentStatus.APPROVED: "Approved. Readers see the comment now.",
    CommentStatus.REJECTED: "Rejected. Readers won't see the comment.",
}


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
# Mail programs send the one-click POST themselves, with no cookie and no form token
# (RFC 8058); the signed token in the address is the proof.
@csrf.exempt
def unsubscribe(token: str) -> ResponseReturnValue:
    comment_id = links.unsubscribe_comment_id(token)
    if comment_id is None:
        abort(404)
    if request.method == "POST":
        notices.unsubscribe(comment_id)
        return render_template("links/unsubscribe.html", token=token, done=True, article=None)
    comment = db.session.get(Comment, comment_id)
    return render_template(
        "links/unsubscribe.html",
        token=token,
        done=comment is None or not comment.notify_author,
        article=comment.article if comment is not None else None,
    )


@bp.route("/decide/<token>", methods=["GET", "POST"])
def decision(token: str) -> ResponseReturnValue:
    zone = current_settings().timezone
    try:
        found = decisions.read_link(token)
    except links.LinkRefused as refused:
        return render_template("links/decision.html", refused=str(refused), found=None), 410
    form = EmptyForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            decided = decisions.follow(token, zone=zone)
        except links.LinkRefused as refused:
            flash(str(refused), "error")
        else:
            if decided.ok:
                flash(DONE[decided.to_status], "success")
            else:
                flash(decided.error or "Nothing was changed.", "error")
        return redirect(url_for("links.decision", token=token), 303)
    return render_template(
        "links/decision.html",
        found=found,
        form=form,
        refused=None,
        title=DECISION_TITLES[found.link.to_status],
        button=DECISION_BUTTONS[found.link.to_status],
        standing=decisions.standing(found, zone) if not found.waiting else "",
    )
