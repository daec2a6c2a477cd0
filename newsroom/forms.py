"""Forms more than one blueprint uses: the bare CSRF-carrying button and a new password.

A blueprint's own forms live in its `forms.py`; a form moves here once a second blueprint
needs it, so blueprints never import each other's forms.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from newsroom.accounts import PASSWORD_MIN


class EmptyForm(FlaskForm):
    """A bare button is still a form, so it carries a CSRF token."""


class NewPasswordForm(FlaskForm):
    """A new password, typed twice: for one's own account and for an admin setting one."""

    new_password = PasswordField(
        "New password",
        description=f"At least {PASSWORD_MIN} characters.",
        validators=[
            DataRequired("Please choose a new password."),
            Length(min=PASSWORD_MIN, message=f"Use at least {PASSWORD_MIN} characters."),
        ],
    )
    confirm_password = PasswordField(
        "New password again",
        validators=[
            DataRequired("Please type the new password again."),
            EqualTo("new_password", "The two new passwords don't match."),
        ],
    )
