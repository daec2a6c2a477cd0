"""What happens to a new comment before a moderator sees it: the reader's fingerprint and
the reasons it is held for a closer look. Every comment is held as pending anyway; the
reasons tell the moderator where to look. New rules about new comments belong here.
"""

from __future__ import annotations

import hashlib
import hmac
import re

import sqlalchemy as sa

from newsroom.extensions import db
from newsroom.models import Comment, CommentStatus

_LINK = re.compile(r"https?://|www\.", re.IGNORECASE)


def client_fingerprint(address: str | None, secret_key: str) -> str | None:
    """HMAC of the client address: comparable between comments, useless to anyone else."""
    if not address:
        return None
    digest = hmac.new(secret_key.encode(), address.encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def held_reasons_for(body: str, fingerprint: str | None) -> list[str]:
    """Why the system thinks a moderator should look closer (every comment is held anyway)."""
    reasons = []
    if _LINK.search(body):
        reasons.append("contains a link")
    if fingerprint is not None:
        seen_before = (
            db.session.connection().execute(_APPROVED_FROM, {"fingerprint": fingerprint}).first()
        )
        if seen_before is None:
            reasons.append("first comment from this address")
    return reasons


# Built once, like the lifecycle's statements (lifecycle.py): a reader's comment runs this
# inside the write lock.
_comments = Comment.__table__
# Bounded by ix_comments_client_fingerprint_status (tests/test_query_plans.py).
_APPROVED_FROM = (
    sa.select(_comments.c.id)
    .where(
        _comments.c.client_fingerprint == sa.bindparam("fingerprint"),
        _comments.c.status == CommentStatus.APPROVED,
    )
    .limit(1)
)
