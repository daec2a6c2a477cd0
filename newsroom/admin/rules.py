"""The admin's page for the moderation rules: a thin route that reads the form, calls the
rules service (moderation/rules.py), and redirects or re-renders."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from newsroom import moderation
from newsroom.admin import bp
from newsroom.admin.form_errors import form_status, show_error
from newsroom.admin.forms import RulesForm


@bp.route("/rules", methods=["GET", "POST"])
def rules() -> ResponseReturnValue:
    stored = moderation.stored_rules()
    form = RulesForm(obj=stored)
    if form.validate_on_submit():
        values = {name: form[name].data for name in moderation.LIST_FIELDS}
        values["max_links"] = form.max_links.data
        values["min_length"] = form.min_length.data
        values["duplicates_are_spam"] = form.duplicates_are_spam.data
        try:
            moderation.save_rules(values, current_user)
        except ValueError as error:
            show_error(form, error)
        else:
            flash("The rules were saved. Every new comment is screened by them now.", "success")
            return redirect(url_for("admin.rules"), 303)
    return render_template("admin/rules.html", form=form, stored=stored), form_status(form)
