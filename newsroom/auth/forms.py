"""The login form and the password change, which builds on the shared new-password form."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, Length, Regexp

from newsroom.accounts import EMAIL_MAX
from newsroom.forms import NewPasswordForm


class LoginForm(FlaskForm):
    email = EmailField(
        "E-mail",
        validators=[
            DataRequired("Please enter your e-mail address."),
            Length(max=EMAIL_MAX, message="That e-mail address is too long."),
            # A NUL byte is refused by PostgreSQL: found here, it is a message, not a 500.
            Regexp(r"^[^\x00-\x1f\x7f]*\Z", message="An e-mail address has no control characters."),
        ],
    )
    password = PasswordField("Password", validators=[DataRequired("Please enter your password.")])
    remember = BooleanField("Keep me logged in on this device")
    next = HiddenField()


class DigestForm(FlaskForm):
    digest_opt_in = BooleanField("E-mail me a digest when comments wait too long")


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired("Please enter your current password.")]
    )
