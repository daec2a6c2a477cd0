"""The admin's page for commenters' privacy requests: what is stored under an e-mail address,
downloaded or erased, and the record of erasures. Thin routes that read a form, call
privacy, and answer with the page, the file or a redirect.

The address travels in POST bodies only, never in a URL: URLs end up in logs.
"""

from __future__ import annotations

import json

from flask import Response, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from newsroom import privacy
from newsroom.admin import bp
from newsroom.admin.form_errors import show_error
from newsroom.admin.forms import PrivacyEraseForm, PrivacyExportForm, PrivacyLookupForm
from newsroom.models import ErasureMode


def _page(
    lookup_form: PrivacyLookupForm,
    found: privacy.Lookup | None = None,
    erase_form: PrivacyEraseForm | None = None,
) -> str:
    erasures, erasure_total = privacy.history()
    if found is not None and erase_form is None:
        erase_form = PrivacyEraseForm(formdata=None, email=found.email)
    return render_template(
        "admin/privacy.html",
        lookup_form=lookup_form,
        found=found,
        export_form=PrivacyExportForm(formdata=None, email=found.email) if found else None,
        erase_form=erase_form,
        erasures=erasures,
        erasure_total=erasure_total,
    )


def _refused(email: str, error: ValueError) -> ResponseReturnValue:
    """The page again, the address in the lookup form with why it was refused."""
    form = PrivacyLookupForm(formdata=None, email=email)
    show_error(form, error)
    return _page(form), 422


@bp.route("/privacy", methods=["GET", "POST"])
def privacy_requests() -> ResponseReturnValue:
    form = PrivacyLookupForm()
    if form.validate_on_submit():
        try:
            found = privacy.lookup(form.email.data)
        except ValueError as error:
            return _refused(form.email.data, error)
        return _page(form, found)
    return _page(form)


def _article_address(slug: str) -> str:
    return url_for("public.article", slug=slug, _external=True)


@bp.post("/privacy/export")
def privacy_export() -> ResponseReturnValue:
    form = PrivacyExportForm()  # CSRFProtect has checked the token; privacy judges the address
    try:
        data = privacy.export(form.email.data, article_url=_article_address)
        name = f"commenter-{privacy.digest_of(form.email.data)[:12]}.json"
    except ValueError as error:
        return _refused(form.email.data, error)
    response = Response(
        json.dumps(data, ensure_ascii=False, indent=2) + "\n", mimetype="application/json"
    )
    response.headers.set("Content-Disposition", "attachment", filename=name)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/privacy/erase")
def privacy_erase() -> ResponseReturnValue:
    form = PrivacyEraseForm()
    if form.validate_on_submit():
        try:
            erasure = privacy.erase(form.email.data, form.mode.data, current_user)
        except ValueError as error:
            show_error(form, error)
        else:
            flash(_erased_message(erasure.mode, erasure.comment_count), "success")
            return redirect(url_for("admin.privacy_requests"), 303)
    try:
        found = privacy.lookup(form.email.data)
    except ValueError as error:
        return _refused(form.email.data, error)
    lookup_form = PrivacyLookupForm(formdata=None, email=found.email)
    if not found.total:
        # Nothing left to erase (a colleague was first): say why beside the address.
        lookup_form.form_errors.extend(form.form_errors)
    return _page(lookup_form, found, form), 422


def _erased_message(mode: str, count: int) -> str:
    comments = "1 comment" if count == 1 else f"{count:,} comments"
    if mode == ErasureMode.REMOVE:
        return (
            f"Erased: {comments} removed from the site, with their moderation history, "
            "e-mail address and fingerprints. The erasure is recorded below."
        )
    return (
        f"Erased: {comments} anonymized. They now read “{privacy.ANONYMIZED_NAME}”, "
        "with no e-mail address or fingerprint. The erasure is recorded below."
    )
