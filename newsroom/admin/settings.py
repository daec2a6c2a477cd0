"""The admin's page for the site's identity and policy: a thin route that reads the form,
calls site_settings, and redirects or re-renders."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from newsroom import site, site_settings
from newsroom.admin import bp
from newsroom.admin.form_errors import form_status, show_error
from newsroom.admin.forms import SettingsForm


@bp.route("/settings", methods=["GET", "POST"])
def settings() -> ResponseReturnValue:
    stored = site.current_settings()
    form = SettingsForm(obj=stored)
    form.timezone.choices = site_settings.timezone_names()
    if request.method == "GET":
        form.comments_open_by_default.data = "open" if stored.comments_open_by_default else "closed"
    if form.validate_on_submit():
        values = {name: form[name].data or "" for name in site_settings.SETTINGS_FIELDS}
        values["comments_open_by_default"] = form.comments_open_by_default.data == "open"
        for number in (
            "trusted_after_approved",
            "comments_close_after_days",
            "digest_after_minutes",
            "digest_queue_size",
        ):
            values[number] = form[number].data
        try:
            site_settings.save_settings(values)
        except ValueError as error:
            show_error(form, error)
        else:
            flash("The site's settings were saved. Every page shows them now.", "success")
            return redirect(url_for("admin.settings"), 303)
    return render_template("admin/settings.html", form=form), form_status(form)
