"""The login form and the password change, which builds on the shared new-password form."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired

from newsroom.forms import NewPasswordForm


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired("Please enter your e-mail address.")])
    password = PasswordField("Password", validators=[DataRequired("Please enter your password.")])
    remember = BooleanField("Keep me logged in on this device")
    next = HiddenField()


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired("Please enter your current password.")]
    )
