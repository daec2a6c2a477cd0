"""The admin's page for moderation's lists and numbers: the rejection reasons moderators
pick from, and how many readers' reports hide a comment. Thin routes that read a form, call
the services, and redirect or re-render."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from newsroom import inputs, moderation, site, site_settings
from newsroom.admin import bp
from newsroom.admin.form_errors import show_error
from newsroom.admin.forms import RejectionReasonForm, ReportThresholdForm
from newsroom.forms import EmptyForm

NOT_ON_THE_LIST = "That reason is not on the list (any more). Nothing was changed."


def _page(
    reason_form: RejectionReasonForm | None = None,
    threshold_form: ReportThresholdForm | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    if threshold_form is None:
        threshold_form = ReportThresholdForm(formdata=None)
        threshold_form.report_threshold.data = str(site.current_settings().report_threshold)
    return render_template(
        "admin/reasons.html",
        reasons=moderation.rejection_reasons(),
        reason_form=reason_form or RejectionReasonForm(formdata=None),
        threshold_form=threshold_form,
        form=EmptyForm(),
        reasons_max=moderation.REJECTION_REASONS_MAX,
    ), status


@bp.get("/moderation")
def moderation_settings() -> ResponseReturnValue:
    return _page()


@bp.post("/moderation/reasons")
def add_rejection_reason() -> ResponseReturnValue:
    form = RejectionReasonForm()
    if form.validate_on_submit():
        try:
            reason = moderation.add_rejection_reason(form.label.data)
        except ValueError as error:
            show_error(form, error)
        else:
            flash(f"“{reason.label}” was added to the reasons.", "success")
            return redirect(url_for("admin.moderation_settings", _anchor="reasons"), 303)
    return _page(reason_form=form, status=422)


@bp.post("/moderation/reasons/<int:reason_id>/remove")
def remove_rejection_reason(reason_id: int) -> ResponseReturnValue:
    if EmptyForm().validate_on_submit():
        reason = moderation.remove_rejection_reason(reason_id)
        if reason is None:
            flash(NOT_ON_THE_LIST, "error")
        else:
            flash(f"“{reason.label}” was taken off the list. Decisions that gave it keep it.")
    return redirect(url_for("admin.moderation_settings", _anchor="reasons"), 303)


@bp.post("/moderation/reasons/<int:reason_id>/move")
def move_rejection_reason(reason_id: int) -> ResponseReturnValue:
    direction = request.form.get("direction")
    if EmptyForm().validate_on_submit() and direction in {"up", "down"}:
        step = -1 if direction == "up" else 1
        if moderation.move_rejection_reason(reason_id, step) is None:
            flash(NOT_ON_THE_LIST, "error")
    return redirect(url_for("admin.moderation_settings", _anchor="reasons"), 303)


@bp.post("/moderation/reports")
def save_report_threshold() -> ResponseReturnValue:
    form = ReportThresholdForm()
    if form.validate_on_submit():
        number = inputs.whole_number(form.report_threshold.data, site_settings.REPORT_THRESHOLD_MAX)
        try:
            if number is None:
                raise ValueError(
                    f"Choose a number of reports from 1 to {site_settings.REPORT_THRESHOLD_MAX}."
                )
            site_settings.save_report_threshold(number)
        except ValueError as error:
            form.report_threshold.errors = [*form.report_threshold.errors, str(error)]
        else:
            flash(f"A comment is now hidden after {number} open reports.", "success")
            return redirect(url_for("admin.moderation_settings", _anchor="reports"), 303)
    return _page(threshold_form=form, status=422)
