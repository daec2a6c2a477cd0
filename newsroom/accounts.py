"""Staff accounts: creating them, the rules that keep the site administrable, logging in
under the failed-login limits, and ending an account's sessions.

Every rule raises FieldError (a ValueError) with a message for people; views show it
next to the field it names, or as a flash message when there is no field.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from newsroom.extensions import db
from newsroom.models import FailedLogin, Role, User, new_session_key, utcnow
from newsroom.moderation import client_fingerprint
from newsroom.refused import FieldError

PASSWORD_MIN = 10
DISPLAY_NAME_MAX = 80
EMAIL_MAX = 254
# Old failed logins deleted along with each new one, at most.
PRUNE_BATCH = 100


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


def set_digest_opt_in(user: User, wanted: bool) -> None:
    """Whether the account is e-mailed the moderators' digest (newsroom/mail/digest.py)."""
    user.digest_opt_in = wanted
    db.session.commit()


# --- Logging in --------------------------------------------------------------------------


@dataclass(frozen=True)
class LoginResult:
    """What a login attempt came to: `user` when it logged someone in; `refused` when the
    password was not even checked, because of earlier failures (see _refused)."""

    user: User | None = None
    refused: bool = False


def check_login(email: str, password: str, client_address: str | None) -> LoginResult:
    """Check an e-mail and password, under the failed-login limits (config.py).

    Every attempt is stored as a failure before its password is checked, and committed, so
    attempts running at the same time in other workers count it; a success deletes it again.
    An e-mail without an active account costs a password check like one with (a dummy hash),
    so the time an answer takes tells nobody which addresses are staff.
    """
    email = lookup_email(email)
    fingerprint = login_fingerprint(client_address)
    now = utcnow()
    user = db.session.scalar(sa.select(User).where(User.email == email))
    _one_attempt_at_a_time(email)
    attempt = FailedLogin(
        # Lower-casing can lengthen what was typed ("İ" is two characters lower-cased); no
        # account has an e-mail that long, so the cut one is as good as the whole to count.
        email=email[:EMAIL_MAX],
        user_id=user.id if user is not None else None,
        client_fingerprint=fingerprint,
        at=now,
    )
    db.session.add(attempt)
    db.session.flush()
    if _refused(attempt):
        db.session.rollback()
        return LoginResult(refused=True)
    _prune_failed_logins(now)
    if user is None:
        stored_hash, active = _dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), False
    else:
        stored_hash, active = user.password_hash, user.is_active
    attempt_id = attempt.id
    db.session.commit()

    if not check_password_hash(stored_hash, password) or not active:
        return LoginResult()
    db.session.execute(
        sa.delete(FailedLogin)
        .where(FailedLogin.id == attempt_id)
        .execution_options(synchronize_session=False)
    )
    user.last_login_at = now
    if not user.session_key:  # a row written by hand, without the key the model gives
        user.session_key = new_session_key()
    db.session.commit()
    return LoginResult(user=user)


def login_fingerprint(address: str | None) -> str:
    """The client as failed logins count it: the HMAC of its IPv4 address, or of its IPv6
    /64 network, never the address itself. One subscriber holds a whole /64; counted address
    by address, one attacker would be endless addresses that never failed."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        client = address or "unknown"
    else:
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if isinstance(ip, ipaddress.IPv6Address):
            client = str(ipaddress.IPv6Network((int(ip) >> 64 << 64, 64)))
        else:
            client = str(ip)
    return client_fingerprint(client, current_app.config["SECRET_KEY"])


def _refused(attempt: FailedLogin) -> bool:
    """Refuse an address that failed LOGIN_FAILURES_PER_ADDRESS times for this e-mail in the
    window, or at all once the e-mail failed LOGIN_FAILURES_PER_ACCOUNT times from every
    address together. An address that never failed for it is always heard: whoever guesses,
    the owner can still log in from where they are."""
    config = current_app.config
    since = attempt.at - timedelta(seconds=config["LOGIN_FAILURE_WINDOW_SECONDS"])
    earlier = (
        FailedLogin.email == attempt.email,
        FailedLogin.at > since,
        FailedLogin.id != attempt.id,
    )
    per_address = config["LOGIN_FAILURES_PER_ADDRESS"]
    from_here = _count_up_to(
        per_address, *earlier, FailedLogin.client_fingerprint == attempt.client_fingerprint
    )
    if from_here == 0:
        return False
    if from_here >= per_address:
        return True
    per_account = config["LOGIN_FAILURES_PER_ACCOUNT"]
    return _count_up_to(per_account, *earlier) >= per_account


def _count_up_to(limit: int, *where: sa.ColumnElement[bool]) -> int:
    """Matching failed logins, counted no further than `limit`: an attack's thousands of rows
    are never read to find out that there are more than twenty."""
    rows = sa.select(FailedLogin.id).where(*where).limit(limit).subquery()
    return db.session.scalar(sa.select(sa.func.count()).select_from(rows))


def _one_attempt_at_a_time(email: str) -> None:
    """Attempts on one e-mail count and store their failure one after the other, so parallel
    guesses can't all slip under the limit. SQLite has one writer at a time anyway (the
    attempt's INSERT comes before its counts); PostgreSQL takes a lock on the e-mail until
    the commit."""
    if db.session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(email.encode()).digest()[:8], "big", signed=True)
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))


@functools.cache
def _dummy_hash(method: str) -> str:
    """A hash of a password nobody knows, made once per process and method."""
    return generate_password_hash(secrets.token_urlsafe(16), method)


def _prune_failed_logins(now: datetime) -> None:
    """Delete a few rows older than FAILED_LOGINS_KEPT_DAYS, oldest first: each new failure
    pays for the old ones, so the table never needs a job to keep it small."""
    cutoff = now - timedelta(days=current_app.config["FAILED_LOGINS_KEPT_DAYS"])
    oldest = sa.select(FailedLogin.id).where(FailedLogin.at < cutoff).order_by(FailedLogin.at)
    db.session.execute(
        sa.delete(FailedLogin)
        .where(FailedLogin.id.in_(oldest.limit(PRUNE_BATCH)))
        .execution_options(synchronize_session=False)
    )


# --- What admins see of failed logins ------------------------------------------------------


@dataclass(frozen=True)
class FailedLogins:
    count: int
    latest: list[FailedLogin]
    days: int


def _kept_since() -> datetime:
    return utcnow() - timedelta(days=current_app.config["FAILED_LOGINS_KEPT_DAYS"])


def failed_logins_of(user: User, latest: int = 5) -> FailedLogins:
    """How many logins failed for an account in the days they are kept, and the latest few."""
    kept = (FailedLogin.user_id == user.id, FailedLogin.at >= _kept_since())
    count = db.session.scalar(sa.select(sa.func.count()).select_from(FailedLogin).where(*kept))
    rows = db.session.scalars(
        sa.select(FailedLogin)
        .where(*kept)
        .order_by(FailedLogin.at.desc(), FailedLogin.id.desc())
        .limit(latest)
    ).all()
    return FailedLogins(count, list(rows), current_app.config["FAILED_LOGINS_KEPT_DAYS"])


def failed_login_counts() -> dict[int, int]:
    """Failed logins per account (user id) in the days they are kept."""
    rows = db.session.execute(
        sa.select(FailedLogin.user_id, sa.func.count())
        .where(FailedLogin.user_id.is_not(None), FailedLogin.at >= _kept_since())
        .group_by(FailedLogin.user_id)
    )
    return {user_id: count for user_id, count in rows}
