"""Who may see what: login handling, role checks, and the htmx-aware redirect to login."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from flask import Response, abort, redirect, request, url_for
from flask_login import current_user

from newsroom.extensions import db, login_manager
from newsroom.models import Role, User

login_manager.login_view = "auth.login"
# Pinning sessions to address + user agent logs staff out on every mobile network change,
# and Flask-Login's check rewrites every anonymous reader's cookie on each request.
login_manager.session_protection = None


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    # A deactivated account loses its open sessions at once, not at their expiry.
    return user if user is not None and user.is_active else None


@login_manager.unauthorized_handler
def send_to_login() -> Response:
    if request.headers.get("HX-Request"):
        # Swapping the login page into a table row helps nobody: send the whole page there.
        page = urlsplit(request.headers.get("HX-Current-URL", ""))
        target = page.path + (f"?{page.query}" if page.query else "") if page.path else None
        response = Response(status=401)
        response.headers["HX-Redirect"] = url_for("auth.login", next=safe_next(target))
        return response
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


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
