"""Admin pages for staff accounts: the list, new accounts, roles, deactivation, passwords
and failed logins. Thin routes that read a form, call accounts, and redirect or re-render."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from newsroom import access, accounts
from newsroom.admin import bp
from newsroom.admin.form_errors import form_status, show_error
from newsroom.admin.forms import NewStaffForm, RoleForm
from newsroom.extensions import db
from newsroom.forms import EmptyForm, NewPasswordForm
from newsroom.models import User


@bp.get("/staff/")
def staff() -> ResponseReturnValue:
    users = db.session.scalars(
        sa.select(User).order_by(User.is_active.desc(), User.display_name, User.id)
    ).all()
    return render_template(
        "admin/staff.html",
        users=users,
        failed_logins=accounts.failed_login_counts(),
        failed_days=current_app.config["FAILED_LOGINS_KEPT_DAYS"],
    )


@bp.route("/staff/new", methods=["GET", "POST"])
def new_staff() -> ResponseReturnValue:
    form = NewStaffForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_staff(
                form.email.data, form.name.data, form.role.data, form.password.data
            )
        except ValueError as error:
            show_error(form, error)
        else:
            flash(f"{user.display_name} can now log in as {user.role}.", "success")
            return redirect(url_for("admin.staff"), 303)
    return render_template("admin/staff_new.html", form=form), form_status(form)


def _staff_member_page(
    user: User, role_form: RoleForm | None = None, password_form: NewPasswordForm | None = None
) -> ResponseReturnValue:
    role_form = role_form or RoleForm(formdata=None, role=user.role)
    password_form = password_form or NewPasswordForm(formdata=None)
    status = 422 if role_form.errors or password_form.errors else 200
    return render_template(
        "admin/staff_member.html",
        user=user,
        role_form=role_form,
        password_form=password_form,
        state_form=EmptyForm(),
        failed_logins=accounts.failed_logins_of(user),
    ), status


@bp.get("/staff/<int:user_id>")
def staff_member(user_id: int) -> ResponseReturnValue:
    return _staff_member_page(db.get_or_404(User, user_id))


@bp.post("/staff/<int:user_id>/role")
def change_role(user_id: int) -> ResponseReturnValue:
    user = db.get_or_404(User, user_id)
    form = RoleForm()
    if form.validate_on_submit():
        try:
            accounts.change_role(user, form.role.data)
        except ValueError as error:
            show_error(form, error)
        else:
            flash(
                f"{user.display_name} is now {'an admin' if user.is_admin else 'a moderator'}.",
                "success",
            )
            if user.id == current_user.id and not user.is_admin:
                # They have just given up the admin pages; send them somewhere they may go.
                return redirect(url_for("dashboard.queue"), 303)
            return redirect(url_for("admin.staff_member", user_id=user.id), 303)
    return _staff_member_page(user, role_form=form)


@bp.post("/staff/<int:user_id>/active")
def set_active(user_id: int) -> ResponseReturnValue:
    user = db.get_or_404(User, user_id)
    form = EmptyForm()
    activate = request.form.get("active") == "1"
    if form.validate_on_submit():
        try:
            accounts.set_active(user, activate, current_user)
        except ValueError as error:
            flash(f"Nothing was changed: {error}", "error")
        else:
            if activate:
                flash(f"{user.display_name} can log in again.", "success")
            else:
                flash(f"{user.display_name} is deactivated and logged out everywhere.", "success")
    return redirect(url_for("admin.staff_member", user_id=user_id), 303)


@bp.post("/staff/<int:user_id>/password")
def set_password(user_id: int) -> ResponseReturnValue:
    user = db.get_or_404(User, user_id)
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.set_password(user, form.new_password.data)
        except ValueError as error:
            show_error(form, error)
        else:
            if user.id == current_user.id:
                # Their own password, set from here: this browser stays logged in.
                access.renew_session(user)
                flash(
                    "Your password has been changed. You are still logged in here; "
                    "everywhere else you have been logged out.",
                    "success",
                )
            else:
                flash(
                    f"{user.display_name}'s password has been changed, and they have been "
                    "logged out everywhere.",
                    "success",
                )
            return redirect(url_for("admin.staff_member", user_id=user.id), 303)
    return _staff_member_page(user, password_form=form)
