"""Login, logout and one's own account (password, logging out everywhere); `next` is
checked by newsroom.access, and the failed-login limits are newsroom.accounts' rules."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from newsroom import access, accounts
from newsroom.access import safe_next
from newsroom.auth import bp
from newsroom.auth.forms import ChangePasswordForm, DigestForm, LoginForm
from newsroom.extensions import limiter
from newsroom.forms import EmptyForm
from newsroom.mail.digest import digest_terms
from newsroom.models import Role, User
from newsroom.site import current_settings

LOGIN_FAILED = "That e-mail and password don't match an active staff account."


def _failed(response) -> bool:
    return response.status_code != 303


def _landing_page(user: User) -> str:
    return url_for("dashboard.queue")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"], deduct_when=_failed
)
def login() -> ResponseReturnValue:
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next"))
        if current_user.is_authenticated:
            return redirect(form.next.data or _landing_page(current_user))
    if form.validate_on_submit():
        result = accounts.check_login(form.email.data, form.password.data, request.remote_addr)
        if result.user is not None:
            access.start_session(result.user, remember=form.remember.data)
            return redirect(safe_next(form.next.data) or _landing_page(result.user), 303)
        if result.refused:
            window = current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"]
            page = render_template("auth/login.html", form=form, wait_minutes=-(-window // 60))
            return page, 429, {"Retry-After": str(window)}
        form.password.errors.append(LOGIN_FAILED)
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    if EmptyForm().validate_on_submit():
        if current_user.is_authenticated:
            accounts.end_sessions(current_user)
        access.end_session()
        flash("You have logged out.", "success")
    return redirect(url_for("public.home"), 303)


@bp.post("/account/logout-everywhere")
@login_required
def logout_everywhere() -> ResponseReturnValue:
    if EmptyForm().validate_on_submit():
        accounts.end_sessions(current_user)
        access.end_session()
        flash("You have logged out everywhere: on this device and every other.", "success")
        return redirect(url_for("auth.login"), 303)
    return redirect(url_for("auth.account"), 303)


@bp.post("/account/digest")
@login_required
def digest_preference() -> ResponseReturnValue:
    form = DigestForm()
    if form.validate_on_submit():
        accounts.set_digest_opt_in(current_user, form.digest_opt_in.data)
        if form.digest_opt_in.data:
            flash(
                "You will be e-mailed a digest when comments wait too long, at most once an hour.",
                "success",
            )
        else:
            flash("You will get no more digests.", "success")
    return redirect(url_for("auth.account", _anchor="digest-heading"), 303)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account() -> ResponseReturnValue:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current_password.data):
            form.current_password.errors.append("That is not your current password.")
        else:
            accounts.set_password(current_user, form.new_password.data)
            access.renew_session(current_user._get_current_object())
            flash(
                "Your password has been changed. You are still logged in here; "
                "everywhere else you have been logged out.",
                "success",
            )
            return redirect(url_for("auth.account"), 303)
    status = 422 if form.errors else 200
    digest_form = DigestForm(formdata=None, digest_opt_in=current_user.digest_opt_in)
    settings = current_settings()
    return render_template(
        "auth/account.html",
        form=form,
        sessions_form=EmptyForm(),
        digest_form=digest_form,
        digest_terms=digest_terms(settings),
        roles=Role,
    ), status
