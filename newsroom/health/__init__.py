"""/healthz: whether the site's database and cache answer, for load balancers and monitors.

No login, no rate limit, no secrets: only "ok" or "failed" for each part.
"""

from flask import Blueprint

bp = Blueprint("health", __name__)

from newsroom.health import views  # noqa: E402, F401
