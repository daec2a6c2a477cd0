"""The moderation queue: decisions on comments, in place with htmx."""

from flask import Blueprint, g

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@bp.app_context_processor
def comment_counts_context() -> dict:
    def comment_counts() -> dict[str, int]:
        # Read once per request: the nav badge and the tabs share it.
        if "comment_counts" not in g:
            from newsroom.moderation import tally

            g.comment_counts = tally()
        return g.comment_counts

    return {"comment_counts": comment_counts}


from newsroom.dashboard import commenters, rowactions, views  # noqa: E402, F401
