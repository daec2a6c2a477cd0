"""Who may see what: the login manager's set-up, sessions starting and ending, the role
rule, and the way to the login page.

No blueprint owns this: the dashboard and the admin area check roles with the same rule,
and the login page is reached the same way from both.

A session names its account by `User.get_id()`, "<id>:<session key>", and so does the
remember cookie. The key changes when the account logs out, changes its password or is
deactivated (newsroom/accounts.py), so every cookie made before fails in every worker.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

import htmx_flask
from flask import (
    Flask,
    Request,
    Response,
    abort,
    current_app,
    redirect,
    request,
    session,
    url_for,
)
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_login import current_user, login_user, logout_user
from flask_login.config import COOKIE_NAME
from flask_login.utils import decode_cookie
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode
from itsdangerous.url_safe import URLSafeSerializerMixin

from newsroom.extensions import db, login_manager
from newsroom.models import Role, User
from newsroom.plainsql import PlainGet

# Far beyond any account's id, within SQLite's and PostgreSQL's integers.
_MAX_USER_ID = 2**31 - 1


def init_app(app: Flask) -> None:
    """Bind the login manager to the app and tell it how to load staff and where to send them."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    # Pinning sessions to address + user agent logs staff out on every mobile network change,
    # and Flask-Login's check rewrites every anonymous reader's cookie on each request.
    login_manager.session_protection = None
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(send_to_login)
    app.session_interface = CookieSessions()


class SessionJSON(TaggedJSONSerializer):
    """Flask's session serializer, making the same JSON, with what sessions hold most
    (strings, numbers, lists, and tuples: every flash message is one) tagged at once:
    Flask tries its eight tags in turn on every value, a tenth of the cost of writing a
    comment's session cookie."""

    def tag(self, value: object) -> object:
        kind = type(value)  # exactly: a subclass (Markup is a str) has its own tag
        if kind is str or kind is int or kind is float or kind is bool or value is None:
            return value
        if kind is list:
            return [self.tag(item) for item in value]
        if kind is tuple:
            return {" t": [self.tag(item) for item in value]}
        return super().tag(value)


class UncompressedCookies(URLSafeTimedSerializer):
    """Flask's signed session cookie, never compressed: a session here is a few ids and a
    notice, which zlib shortens by a few bytes for more than a quarter of the cost of
    writing the cookie. The payload is what itsdangerous writes when zlib doesn't shorten
    it, and a compressed one from before (a "." before it) reads as ever."""

    def dump_payload(self, obj: object) -> bytes:
        # The JSON as Serializer makes it, past URLSafeSerializerMixin's compression.
        return base64_encode(super(URLSafeSerializerMixin, self).dump_payload(obj))


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with nothing made for a request that brings no
    session cookie (most readers): Flask builds its signer, and tries its serializer out,
    before it looks for the cookie, on every request. The signer is made once per set of
    keys, not at each request that reads or writes a cookie (every comment POST does)."""

    serializer = SessionJSON()

    def __init__(self) -> None:
        self._serializers: dict[tuple, URLSafeTimedSerializer | None] = {}

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        # The keys as Flask reads them at each request: a new SECRET_KEY, or a fallback
        # added, makes a new signer.
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        try:
            return self._serializers[keys]
        except KeyError:
            flasks = super().get_signing_serializer(app)
            made = self._serializers[keys] = flasks and UncompressedCookies(
                flasks.secret_keys,
                salt=flasks.salt,
                serializer=flasks.serializer,
                signer_kwargs=flasks.signer_kwargs,
            )
            return made


def load_user(session_id: str) -> User | None:
    """The account a session or remember cookie names, if its key is still the account's."""
    user_id, _, key = session_id.partition(":")
    user = None
    if key and user_id.isdecimal() and int(user_id) <= _MAX_USER_ID:
        user = _account(db.session(), int(user_id))
    # A deactivated account loses its open sessions at once, not at their expiry.
    if (
        user is not None
        and user.is_active
        and hmac.compare_digest(user.session_key.encode(), key.encode())
    ):
        return user
    _forget(session_id)
    return None


# Every staff request reads its account first. The ORM's own load (Session.get) was a tenth
# of a moderator's decision in the app.
_account = PlainGet(User)


def _forget(session_id: str) -> None:
    """Drop a session's stale login, and its remember cookie if that names the same one:
    otherwise Flask-Login reads the cookie into the session again on every request."""
    session.pop("_user_id", None)
    cookie = request.cookies.get(current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME))
    if cookie is not None and decode_cookie(cookie) == session_id:
        session["_remember"] = "clear"


def start_session(user: User, remember: bool) -> None:
    """Log `user` in on a new session: nothing from before the login (a CSRF token a page
    handed out, say) is any good after it."""
    session.clear()
    login_user(user, remember=remember)


def renew_session(user: User) -> None:
    """Keep this browser logged in after the account's key changed (its owner chose a new
    password): its session, and its remember cookie if it had one, carry the new key."""
    remember = current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME) in request.cookies
    login_user(user, remember=remember)


def end_session() -> None:
    """Log this browser out and forget everything its session held; the caller ends the
    account's other sessions (accounts.end_sessions)."""
    session.clear()
    logout_user()  # after clear(): it leaves the note that deletes the remember cookie


def send_to_login() -> Response:
    """The login page, with `next` set to where the person was going."""
    if request.htmx:
        # Swapping the login page into a table row helps nobody: send the whole page there.
        response = htmx_flask.make_response(
            "", 401, redirect=url_for("auth.login", next=_htmx_current_page())
        )
    else:
        response = redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    # htmx and a plain browser get different answers at the same URL.
    response.vary.add("HX-Request")
    return response


def _htmx_current_page() -> str | None:
    """The page an htmx request came from, as a path inside this site; None when the
    browser's HX-Current-URL header is no such address (it may be any text)."""
    try:
        page = urlsplit(request.htmx.current_url or "")
        target = page.path + (f"?{page.query}" if page.query else "") if page.path else None
        return safe_next(target)
    except ValueError:  # "http://[::1": urlsplit refuses an unclosed IPv6 host
        return None


def safe_next(target: str | None) -> str | None:
    """Follow `next` only inside this site: a path, no scheme, no host, no `//` tricks."""
    if not target:
        return None
    try:
        parts = urlsplit(target)
    except ValueError:  # e.g. "//[x": no address at all
        return None
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    # A backslash is a slash to some browsers; a line break would end the Location header.
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return None
    return target


def roles_required(*roles: Role) -> Callable:
    """The role rule: a visitor not logged in goes to the login page, a wrong role gets 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


staff_required = roles_required(Role.MODERATOR, Role.ADMIN)
admin_required = roles_required(Role.ADMIN)
