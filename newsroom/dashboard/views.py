from flask import render_template

from newsroom.auth.access import staff_required
from newsroom.dashboard import bp


@bp.get("/")
@staff_required
def queue():
    return render_template("dashboard/queue.html")
