from __future__ import annotations

from flask import Response, jsonify

from newsroom import probes
from newsroom.extensions import limiter
from newsroom.health import bp


@bp.get("/healthz")
@limiter.exempt
def healthz() -> Response:
    """200 when every part answers, 503 naming the one that didn't."""
    parts = {
        "database": "ok" if probes.database_answers() else "failed",
        "cache": "ok" if probes.cache_answers() else "failed",
    }
    response = jsonify(parts)
    response.status_code = 200 if all(state == "ok" for state in parts.values()) else 503
    # A monitor must see the state of now, never a copy kept along the way.
    response.headers["Cache-Control"] = "no-store"
    return response
