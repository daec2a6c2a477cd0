"""Staff accounts: creating them, the rules that keep the site administrable, and ending
an account's sessions.

Every rule raises FieldError (a ValueError) with a message for people; views show it
next to the field it names, or as a flash message when there is no field.
"""

from __future__ import annotations

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email

from newsroom.extensions import db
from newsroom.models import Role, User, new_session_key
from newsroom.refused import FieldError

PASSWORD_MIN = 10
DISPLAY_NAME_MAX = 80


def normalize_email(email: str) -> str:
    """Lower-case, validated; raises ValueError with a message for people."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise FieldError(f"{email!r} is not a valid e-mail address: {error}", "email") from None


def lookup_email(email: str) -> str:
    """An address as accounts are stored under it, for finding one at login. Something that
    isn't an address comes back as typed, lower-cased: it matches no account."""
    try:
        return normalize_email(email)
    except FieldError:
        return email.strip().lower()


def check_password_rules(password: str) -> None:
    if len(password) < PASSWORD_MIN:
        raise FieldError(f"The password must be at least {PASSWORD_MIN} characters.", "password")


def _check_role(role: str) -> None:
    if role not in {r.value for r in Role}:
        raise FieldError(f"Role must be one of: {', '.join(r.value for r in Role)}.", "role")


def create_staff(email: str, name: str, role: str, password: str) -> User:
    """Validate and add one staff account; raises ValueError with a message for people."""
    email = normalize_email(email)
    _check_role(role)
    check_password_rules(password)
    name = name.strip()
    if len(name) > DISPLAY_NAME_MAX:
        raise FieldError(f"The name can be at most {DISPLAY_NAME_MAX} characters.", "name")
    if db.session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        raise FieldError(f"There is already an account for {email}.", "email")
    user = User(email=email, display_name=name or email, role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def _other_active_admins(user: User) -> int:
    """Active admins besides `user`, with their rows locked until the commit.

    Two admins demoting each other at the same moment would each still see the other
    as an admin; the row locks (PostgreSQL; SQLite serializes writers anyway) make the
    second one wait and then see the first one's change.
    """
    others = db.session.scalars(
        sa.select(User.id)
        .where(User.role == Role.ADMIN, User.is_active.is_(True), User.id != user.id)
        .with_for_update()
    ).all()
    return len(others)


def change_role(user: User, role: str) -> None:
    """Give `user` another role; the last active admin stays an admin."""
    _check_role(role)
    if role == user.role:
        return
    if user.is_admin and user.is_active and _other_active_admins(user) == 0:
        db.session.rollback()
        raise FieldError(
            f"{user.display_name} is the only active admin. Make someone else an admin first, "
            "so the site can still be administered.",
            "role",
        )
    user.role = role
    db.session.commit()


def set_active(user: User, active: bool, actor: User) -> None:
    """Deactivate or reactivate an account; nobody can lock out themselves or the last admin."""
    if active == user.is_active:
        return
    if not active:
        if user.id == actor.id:
            raise FieldError("You can't deactivate your own account. Ask another admin to do it.")
        if user.is_admin and _other_active_admins(user) == 0:
            db.session.rollback()
            raise FieldError(
                f"{user.display_name} is the only active admin and can't be deactivated."
            )
    user.is_active = active
    if not active:
        # Its sessions already fail while it is inactive; a new key keeps them dead after
        # a reactivation too.
        user.session_key = new_session_key()
    db.session.commit()


def set_password(user: User, password: str) -> None:
    """A new password for an account, chosen by its owner or set by an admin: every session
    and remember cookie from before stops working, wherever it is."""
    check_password_rules(password)
    user.set_password(password)
    user.session_key = new_session_key()
    db.session.commit()


def end_sessions(user: User) -> None:
    """Log an account out everywhere: every session and remember cookie carries the old key."""
    user.session_key = new_session_key()
    db.session.commit()
