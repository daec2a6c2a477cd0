"""Moving out: the whole site as one JSON file, downloaded by an admin (the same export as
`flask export`, without staff passwords)."""

from __future__ import annotations

from flask import Response, render_template

from newsroom.admin import bp
from newsroom.backup import portable
from newsroom.models import utcnow


@bp.get("/export")
def export_page() -> str:
    return render_template("admin/export.html")


@bp.get("/export/newsroom-export.json")
def export_download() -> Response:
    # Streamed a row a line as it is read: a big site never sits in memory.
    response = Response(portable.export_lines(with_secrets=False), mimetype="application/json")
    filename = f"newsroom-export-{utcnow():%Y-%m-%d}.json"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
