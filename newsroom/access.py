"""Who may see what: the login manager's set-up, the role rule, and the way to the login page.

No blueprint owns this: the dashboard and the admin area check roles with the same rule,
and the login page is reached the same way from both.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

import htmx_flask
from flask import Flask, Response, abort, redirect, request, url_for
from flask_login import current_user

from newsroom.extensions import db, login_manager
from newsroom.models import Role, User


def init_app(app: Flask) -> None:
    """Bind the login manager to the app and tell it how to load staff and where to send them."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    # Pinning sessions to address + user agent logs staff out on every mobile network change,
    # and Flask-Login's check rewrites every anonymous reader's cookie on each request.
    login_manager.session_protection = None
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(send_to_login)


def load_user(user_id: str) -> User | None:
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    # A deactivated account loses its open sessions at once, not at their expiry.
    return user if user is not None and user.is_active else None


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
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
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
