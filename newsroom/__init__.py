"""newsroom: a news site with pre-moderated reader comments."""

from __future__ import annotations

import os

from flask import Flask, g
from werkzeug.middleware.proxy_fix import ProxyFix

from newsroom import access, content, inputs, sqlite  # noqa: F401  (sqlite: connection settings)
from newsroom.config import load_config
from newsroom.extensions import cache, csrf, db, htmx, limiter, migrate

# The checkout: templates/, static/ and instance/ sit beside the package, as DESIGN.md lays out.
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=os.environ.get("NEWSROOM_INSTANCE_PATH") or os.path.join(ROOT, "instance"),
        template_folder=os.path.join(ROOT, "templates"),
        static_folder=os.path.join(ROOT, "static"),
    )
    os.makedirs(app.instance_path, exist_ok=True)
    load_config(app, test_config)

    if app.config["PROXY_FIX_HOPS"]:
        hops = int(app.config["PROXY_FIX_HOPS"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    inputs.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "migrations"))
    csrf.init_app(app)
    htmx.init_app(app)
    cache.init_app(app)
    limiter.init_app(app)
    access.init_app(app)

    from newsroom import admin, auth, dashboard, errors, public, site
    from newsroom.cli import register_commands

    app.register_blueprint(public.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(admin.bp)
    errors.register(app)
    site.register(app)
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
    app.jinja_env.filters["read_more"] = content.read_more_label
    app.jinja_env.filters["time_ago"] = content.time_ago
    app.jinja_env.filters["machine_datetime"] = content.machine_datetime
    return app
