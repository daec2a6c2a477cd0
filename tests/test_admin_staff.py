"""Admins manage staff accounts; the site can never lose its last admin."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from newsroom import accounts
from newsroom.extensions import db
from newsroom.models import Role, User
from newsroom.refused import FieldError
from tests.conftest import STAFF_PASSWORD, log_in, page, submit_form, text_of

NEW_STAFF = "main form.panel"


def _user(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.email == email))


def _flash(client, url: str, kind: str = "success") -> str:
    return text_of(page(client.get(url)).select_one(f".flash-{kind}"))


def test_staff_list_shows_role_state_and_last_login(
    admin_client, admin, moderator, inactive_moderator
):
    moderator.last_login_at = datetime(2026, 3, 2, 9, 15, tzinfo=UTC)
    db.session.commit()

    html = page(admin_client.get("/admin/staff/"))

    rows = {
        text_of(r.select_one("th")): [text_of(td) for td in r.select("td")]
        for r in html.select("tbody tr")
    }
    assert rows["Ana Moderator"] == [
        "ana@newsroom.example",
        "Moderator",
        "Active",
        "March 02, 2026 at 09:15 UTC",
        "None",
    ]
    assert rows["Gone Moderator"][2:] == ["Inactive", "Never", "None"]
    assert rows["Ada Admin (you)"][1:3] == ["Admin", "Active"]
    assert all(th["scope"] == "col" for th in html.select("thead th"))


def test_admin_adds_a_moderator_who_can_then_log_in(admin_client, app):
    response = submit_form(
        admin_client,
        "/admin/staff/new",
        {
            "email": "New.Person@Newsroom.example",
            "name": "New Person",
            "role": "moderator",
            "password": "a long enough one",
        },
        NEW_STAFF,
    )

    assert response.status_code == 303
    assert _flash(admin_client, "/admin/staff/") == "New Person can now log in as moderator."
    user = _user("new.person@newsroom.example")
    assert user.role == Role.MODERATOR and user.is_active
    other = app.test_client()
    assert log_in(other, user, "a long enough one").status_code == 303


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"email": "ana@newsroom.example"}, "email", "There is already an account for"),
        ({"email": "not-an-address"}, "email", "is not a valid e-mail address"),
        ({"password": "short"}, "password", "at least 10 characters"),
        ({"name": ""}, "name", "Please enter a name."),
    ],
)
def test_a_refused_account_says_why_beside_the_field(admin_client, moderator, data, field, message):
    typed = {
        "email": "fresh@newsroom.example",
        "name": "Fresh Face",
        "role": "admin",
        "password": "long enough password",
        **data,
    }

    response = submit_form(admin_client, "/admin/staff/new", typed, NEW_STAFF)

    assert response.status_code == 422
    html = page(response)
    assert message in text_of(html.select_one(f"#{field}-error"))
    assert html.select_one("#email")["value"] == typed["email"]
    assert html.select_one("#name")["value"] == typed["name"]
    assert html.select_one("#role option[selected]")["value"] == "admin"
    # A password is never sent back to the browser.
    assert html.select_one("#password").get("value", "") == ""
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 2


def _change_role(client, user: User, role: str):
    return submit_form(
        client, f"/admin/staff/{user.id}", {"role": role}, f"form[action$='/{user.id}/role']"
    )


def _set_active(client, user: User):
    return submit_form(client, f"/admin/staff/{user.id}", {}, f"form[action$='/{user.id}/active']")


def test_admin_promotes_and_demotes(admin_client, moderator):
    response = _change_role(admin_client, moderator, "admin")

    assert response.status_code == 303
    assert _flash(admin_client, f"/admin/staff/{moderator.id}") == (
        "Ana Moderator is now an admin."
    )
    assert _user(moderator.email).role == Role.ADMIN
    _change_role(admin_client, moderator, "moderator")
    assert _user(moderator.email).role == Role.MODERATOR


def test_the_last_active_admin_cannot_be_demoted(admin_client, admin, inactive_moderator):
    # An inactive admin doesn't count: it can't log in to administer anything.
    inactive_moderator.role = Role.ADMIN
    db.session.commit()

    response = _change_role(admin_client, admin, "moderator")

    assert response.status_code == 422
    error = text_of(page(response).select_one("#role-error"))
    assert error.startswith("Ada Admin is the only active admin.")
    assert _user(admin.email).role == Role.ADMIN


def test_an_admin_may_step_down_while_another_admin_remains(app, admin_client, admin):
    other = accounts.create_staff("bo@newsroom.example", "Bo Admin", Role.ADMIN, STAFF_PASSWORD)

    response = _change_role(admin_client, admin, "moderator")

    assert response.status_code == 303
    assert response.headers["Location"] == "/dashboard/"
    assert _user(admin.email).role == Role.MODERATOR
    assert admin_client.get("/admin/").status_code == 403
    # Now Bo is the last admin, and stays one.
    bo_client = app.test_client()
    log_in(bo_client, other)
    assert _change_role(bo_client, other, "moderator").status_code == 422


def test_deactivating_ends_the_users_sessions_and_reactivating_restores(
    app, admin_client, moderator
):
    theirs = app.test_client()
    log_in(theirs, moderator)
    assert theirs.get("/account").status_code == 200
    # A copy of their session cookie, as someone who took it would keep it.
    kept = app.test_client()
    kept.set_cookie("session", theirs.get_cookie("session").value)

    response = _set_active(admin_client, moderator)

    assert response.status_code == 303
    assert _flash(admin_client, f"/admin/staff/{moderator.id}") == (
        "Ana Moderator is deactivated and logged out everywhere."
    )
    assert _user(moderator.email).is_active is False
    assert theirs.get("/account").status_code == 302
    assert log_in(theirs, moderator).status_code == 422

    _set_active(admin_client, moderator)
    assert _user(moderator.email).is_active is True
    # Reactivation lets them log in again; it doesn't bring back the sessions it ended.
    assert kept.get("/account").status_code == 302
    assert log_in(app.test_client(), moderator).status_code == 303


def test_an_admin_cannot_deactivate_themselves(admin_client, admin):
    accounts.create_staff("bo@newsroom.example", "Bo Admin", Role.ADMIN, STAFF_PASSWORD)

    response = _set_active(admin_client, admin)

    assert response.status_code == 303
    assert _flash(admin_client, f"/admin/staff/{admin.id}", "error") == (
        "Nothing was changed: You can't deactivate your own account. Ask another admin to do it."
    )
    assert _user(admin.email).is_active is True


def test_the_last_active_admin_cannot_be_deactivated(app, admin, moderator):
    # Through the pages only the last admin themselves could try; the rule holds anyway.
    with pytest.raises(FieldError, match="only active admin"):
        accounts.set_active(admin, False, actor=moderator)
    assert _user(admin.email).is_active is True


def test_rules_refuse_unknown_roles(app, moderator):
    with pytest.raises(ValueError, match="Role must be one of"):
        accounts.change_role(moderator, "owner")


def test_admin_sets_a_new_password(app, admin_client, moderator):
    form = f"form[action$='/{moderator.id}/password']"
    short = submit_form(
        admin_client,
        f"/admin/staff/{moderator.id}",
        {"new_password": "too short", "confirm_password": "too short"},
        form,
    )
    mismatch = submit_form(
        admin_client,
        f"/admin/staff/{moderator.id}",
        {"new_password": "long enough here", "confirm_password": "something else"},
        form,
    )
    assert short.status_code == mismatch.status_code == 422
    assert text_of(page(short).select_one("#new_password-error")) == "Use at least 10 characters."
    assert "don't match" in text_of(page(mismatch).select_one("#confirm_password-error"))
    assert _user(moderator.email).check_password(STAFF_PASSWORD)

    response = submit_form(
        admin_client,
        f"/admin/staff/{moderator.id}",
        {"new_password": "brand new secret", "confirm_password": "brand new secret"},
        form,
    )

    assert response.status_code == 303
    assert _flash(admin_client, f"/admin/staff/{moderator.id}") == (
        "Ana Moderator's password has been changed, and they have been logged out everywhere."
    )
    assert log_in(app.test_client(), moderator, "brand new secret").status_code == 303
    assert log_in(app.test_client(), moderator).status_code == 422


def test_staff_member_page_offers_the_right_state_button(
    admin_client, moderator, inactive_moderator
):
    active = page(admin_client.get(f"/admin/staff/{moderator.id}"))
    inactive = page(admin_client.get(f"/admin/staff/{inactive_moderator.id}"))

    assert text_of(active.select_one("form[action$='/active'] button")) == (
        "Deactivate Ana Moderator"
    )
    assert text_of(inactive.select_one("form[action$='/active'] button")) == (
        "Reactivate Gone Moderator"
    )
    assert admin_client.get("/admin/staff/99999").status_code == 404


def test_an_admin_setting_their_own_password_here_stays_logged_in(app, admin_client, admin):
    other_device = app.test_client()
    log_in(other_device, admin)

    response = submit_form(
        admin_client,
        f"/admin/staff/{admin.id}",
        {"new_password": "brand new secret", "confirm_password": "brand new secret"},
        f"form[action$='/{admin.id}/password']",
    )

    assert response.status_code == 303
    assert _flash(admin_client, f"/admin/staff/{admin.id}") == (
        "Your password has been changed. You are still logged in here; "
        "everywhere else you have been logged out."
    )
    assert admin_client.get("/admin/staff/").status_code == 200
    assert other_device.get("/admin/staff/").status_code == 302
