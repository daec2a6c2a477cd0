from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from newsroom.accounts import PASSWORD_MIN


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired("Please enter your e-mail address.")])
    password = PasswordField("Password", validators=[DataRequired("Please enter your password.")])
    remember = BooleanField("Keep me logged in on this device")
    next = HiddenField()


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


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired("Please enter your current password.")]
    )
