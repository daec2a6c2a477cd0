"""What the admin's views share: a refusal from the rules shown beside its form field."""

from __future__ import annotations

from wtforms import Form


def show_error(form: Form, error: ValueError) -> None:
    """Put a refusal from the rules beside the field it is about, or above the form."""
    field = getattr(error, "field", None)
    if field and field in form:
        form[field].errors = [*form[field].errors, str(error)]
    else:
        form.form_errors.append(str(error))


def form_status(form: Form) -> int:
    return 422 if form.errors else 200
