"""Forms more than one blueprint uses: the bare CSRF-carrying button, a new password, and
the e-mail address check of every form that asks for one.

A blueprint's own forms live in its `forms.py`; a form moves here once a second blueprint
needs it, so blueprints never import each other's forms.
"""

from __future__ import annotations

import re

import email_validator
from email_validator.rfc_constants import (
    DOMAIN_MAX_LENGTH,
    EMAIL_MAX_LENGTH,
    LOCAL_PART_MAX_LENGTH,
)
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from newsroom.accounts import PASSWORD_MIN

# The addresses nearly every reader types: a dot-atom of ASCII before the @-sign (RFC 5322),
# and after it lower-case labels of letters, digits and inner hyphens ending in a top-level
# domain of letters. Each is one email_validator accepts too (tests/test_email_addresses.py
# compares them), within its own length limits; anything else goes to email_validator,
# whose rules decide.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_PLAIN_ADDRESS = re.compile(
    rf"(?P<local>{_ATEXT}+(?:\.{_ATEXT}+)*)"
    r"@(?P<domain>(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63})"
)


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


def plainly_valid_email(address: str) -> bool:
    """Whether `address` is an everyday one that email_validator is sure to accept, known
    without asking it: email_validator's checks (Unicode normalization, IDNA) were a
    fourteenth of the work of posting a comment. False says nothing: ask email_validator."""
    found = _PLAIN_ADDRESS.fullmatch(address)
    if found is None or len(address) > EMAIL_MAX_LENGTH:
        return False
    domain = found["domain"]
    return (
        len(found["local"]) <= LOCAL_PART_MAX_LENGTH
        and len(domain) <= DOMAIN_MAX_LENGTH
        # "xn--" labels are IDNA's, and other "ab--" labels are refused: its rules decide.
        and "--" not in domain
        # Its list as it is now: an application may change it.
        and not any(
            domain == name or domain.endswith("." + name)
            for name in email_validator.SPECIAL_USE_DOMAIN_NAMES
        )
    )


class EmailAddress(Email):
    """WTForms' Email check (email_validator, no DNS lookups), with the everyday address
    answered at once (plainly_valid_email)."""

    def __call__(self, form: FlaskForm, field) -> None:
        if isinstance(field.data, str) and plainly_valid_email(field.data):
            return
        super().__call__(form, field)
