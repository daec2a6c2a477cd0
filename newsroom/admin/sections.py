"""Admin pages for sections: the list, creating, editing, moving and deleting. Thin routes
that read a form, call the sections service, and redirect or re-render."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from newsroom import sections as section_service
from newsroom.admin import bp
from newsroom.admin.form_errors import form_status, show_error
from newsroom.admin.forms import SectionForm
from newsroom.extensions import db
from newsroom.forms import EmptyForm
from newsroom.models import Section


@bp.get("/sections/")
def sections() -> ResponseReturnValue:
    return render_template(
        "admin/sections.html",
        sections=section_service.ordered_sections(),
        article_counts=section_service.article_counts_by_section(),
        form=EmptyForm(),
    )


def _section_editor(section: Section | None) -> ResponseReturnValue:
    form = SectionForm(obj=section)
    if form.validate_on_submit():
        try:
            if section is None:
                section = section_service.create_section(
                    form.name.data,
                    form.slug.data,
                    form.description.data,
                    form.moderation_policy.data or None,
                )
                flash(f"The section “{section.name}” was created.", "success")
            else:
                section_service.update_section(
                    section,
                    form.name.data,
                    form.slug.data,
                    form.description.data,
                    form.moderation_policy.data or None,
                )
                flash(f"The section “{section.name}” was saved.", "success")
        except ValueError as error:
            show_error(form, error)
        else:
            return redirect(url_for("admin.sections"), 303)
    return render_template("admin/section_form.html", form=form, section=section), form_status(form)


@bp.route("/sections/new", methods=["GET", "POST"])
def new_section() -> ResponseReturnValue:
    return _section_editor(None)


@bp.route("/sections/<int:section_id>/edit", methods=["GET", "POST"])
def edit_section(section_id: int) -> ResponseReturnValue:
    return _section_editor(db.get_or_404(Section, section_id))


@bp.post("/sections/<int:section_id>/move")
def move_section(section_id: int) -> ResponseReturnValue:
    section = db.get_or_404(Section, section_id)
    direction = request.form.get("direction")
    if EmptyForm().validate_on_submit() and direction in {"up", "down"}:
        if section_service.move_section(section, -1 if direction == "up" else 1):
            flash(f"“{section.name}” moved {direction}.", "success")
        else:
            flash(f"“{section.name}” is already at the {'top' if direction == 'up' else 'bottom'}.")
    return redirect(url_for("admin.sections", _anchor=f"section-{section_id}"), 303)


@bp.route("/sections/<int:section_id>/delete", methods=["GET", "POST"])
def delete_section(section_id: int) -> ResponseReturnValue:
    section = db.get_or_404(Section, section_id)
    form = EmptyForm()
    if form.validate_on_submit():
        name = section.name
        try:
            section_service.delete_section(section)
        except ValueError as error:
            flash(f"Not deleted: {error}", "error")
        else:
            flash(f"The section “{name}” was deleted.", "success")
        return redirect(url_for("admin.sections"), 303)
    articles = section_service.article_counts_by_section().get(section.id, 0)
    return render_template(
        "admin/section_delete.html", section=section, form=form, articles=articles
    )
