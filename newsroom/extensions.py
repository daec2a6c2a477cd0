"""Flask extensions, created unbound here and bound to the app in create_app()."""

import functools
import os

from flask.globals import request_ctx
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mailman import Mail
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from newsroom import ratelimits  # noqa: F401  # registers newsroom-memory:// with `limits`

# The schema's migrations (Alembic, through Flask-Migrate). Alembic is imported only where
# migrations are run or read (create_app for the command line, backups), never by the web
# workers: it was a tenth of each one's memory.
MIGRATIONS = os.path.join(os.path.dirname(__file__), "migrations")

# Stable constraint names, so Alembic migrations match on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
csrf = CSRFProtect()
login_manager = LoginManager()
htmx = Htmx()
cache = Cache()
# No limit for every view: each limited view says its own (init_limiter).
limiter = Limiter(key_func=get_remote_address, default_limits=[])
mailer = Mail()


READING_METHODS = frozenset({"GET", "HEAD"})


@limiter.request_filter
def _reading_is_never_limited() -> bool:
    # Only sending things is limited (comments, logins, reports).
    from flask import request

    return request.method in READING_METHODS


def init_limiter(app) -> None:
    """Bind the limiter to `app`, without its check before every request.

    The site sets no limit for all views or a blueprint (`default_limits=[]`, above): each
    limited view carries its own `@limiter.limit`, whose wrapper checks it as the view is
    called, and the comment and report forms count their own. Flask-Limiter's check before
    every request then finds nothing to count, yet cost a tenth of a cached article page's
    time in the app and a twentieth of a comment POST's.

    Its work after the response (the headers, the login's count taken when it fails) and
    at the request's end is for requests a limited view counted: the others, a comment
    POST among them (a seventieth of its work), skip it.
    """
    limiter.init_app(app)
    app.before_request_funcs[None].remove(limiter._check_request_limit)
    for hooks in (app.after_request_funcs[None], app.teardown_request_funcs[None]):
        hooks[:] = [_when_counted(hook) if _limiters(hook) else hook for hook in hooks]


def _limiters(hook) -> bool:
    """Whether `hook` is one the limiter added (a method of it, or a function given it)."""
    return getattr(hook, "__self__", None) is limiter or (
        isinstance(hook, functools.partial) and limiter in hook.args
    )


def _when_counted(hook):
    """`hook`, run only in a request the limiter counted: its record of the request (on the
    request's context) is made by the first limit checked, and by nothing else."""

    def run(value):
        if hasattr(request_ctx, "_limiter_request_context"):
            return hook(value)
        return value

    return run
