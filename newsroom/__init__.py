"""newsroom: a news site with pre-moderated reader comments."""

from __future__ import annotations

import contextlib
import os

from flask import Flask, g
from werkzeug.middleware.proxy_fix import ProxyFix

from newsroom import access, content, inputs, postgres, purge, requestlog, sqlite
from newsroom.config import load_config
from newsroom.extensions import MIGRATIONS, cache, csrf, db, htmx, init_limiter, mailer

# The checkout: templates/, static/ and instance/ sit beside the package, as DESIGN.md lays out.
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))


def _private_folder(path: str) -> None:
    """instance/ holds the secret key and the SQLite database: its owner's alone."""
    os.makedirs(path, mode=0o700, exist_ok=True)
    with contextlib.suppress(OSError):  # another user's folder: leave it as it is
        if os.stat(path).st_mode & 0o077:
            os.chmod(path, 0o700)


def create_app(test_config: dict | None = None, *, serving: bool = False) -> Flask:
    """The app. `serving`: for the web server's workers (wsgi.py), which run no command and
    no migration: the command line's modules and Alembic are left unimported, about a
    tenth of each worker's memory."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=os.environ.get("NEWSROOM_INSTANCE_PATH") or os.path.join(ROOT, "instance"),
        template_folder=os.path.join(ROOT, "templates"),
        static_folder=os.path.join(ROOT, "static"),
    )
    _private_folder(app.instance_path)
    load_config(app, test_config)

    if app.config["PROXY_FIX_HOPS"]:
        hops = int(app.config["PROXY_FIX_HOPS"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    requestlog.register(app)  # outermost: it times everything inside

    inputs.init_app(app)
    db.init_app(app)
    with app.app_context():
        sqlite.configure(db.engine)
        postgres.configure(db.engine)
    csrf.init_app(app)
    htmx.init_app(app)
    cache.init_app(app)
    init_limiter(app)
    mailer.init_app(app)
    access.init_app(app)
    purge.init_app(app)

    from newsroom import admin, auth, dashboard, errors, health, links, public, site

    app.register_blueprint(public.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(links.bp)
    errors.register(app)
    site.register(app)
    if not serving:
        from flask_migrate import Migrate

        from newsroom.cli import register_commands

        Migrate(app, db, directory=MIGRATIONS)
        register_commands(app)

    app.jinja_env.filters["long_date"] = lambda moment: content.long_date(
        moment, g.site.timezone if "site" in g else "UTC"
    )
    app.jinja_env.filters["date_time"] = lambda moment: content.date_time(
        moment, g.site.timezone if "site" in g else "UTC"
    )
    # Block tags leave no blank lines behind: the queue page is a quarter smaller for it.
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.filters["comment_html"] = content.comment_html
    app.jinja_env.filters["first_words"] = content.first_words
    app.jinja_env.filters["read_more"] = content.read_more_label
    app.jinja_env.filters["time_ago"] = content.time_ago
    app.jinja_env.filters["machine_datetime"] = content.machine_datetime
    return app
