"""The links in messages: signed with the secret key, so nobody can make one for a comment
or a moderator of their choosing, and built from PUBLIC_URL, as the worker has no request.

- Unsubscribe: names one comment; good for as long as the comment is there.
- A decision from a digest (approve or reject one pending comment): names the moderator,
  the comment and the decision, with a nonce; good for 24 hours and once (UsedMailLink).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from newsroom.models import CommentStatus

UNSUBSCRIBE_SALT = "newsroom mail unsubscribe"
DECISION_SALT = "newsroom mail decision"
DECISION_LIFETIME = timedelta(hours=24)
# What a digest's link can decide.
LINK_DECISIONS = (CommentStatus.APPROVED, CommentStatus.REJECTED)
# Longer is no link this site made: refused before it is looked at.
TOKEN_MAX = 300
# The largest id either database holds (a signed link never names more; checked anyway).
ID_MAX = 2**31 - 1


def _an_id(value: object) -> bool:
    return type(value) is int and 0 < value <= ID_MAX


def external_url(endpoint: str, anchor: str = "", **values) -> str:
    """The full address of a page, as readers reach it (PUBLIC_URL), without a request."""
    base = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http"
    )
    url = adapter.build(endpoint, values, force_external=True)
    return f"{url}#{anchor}" if anchor else url


def _unsubscribe_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def _decision_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=DECISION_SALT)


def unsubscribe_token(comment_id: int) -> str:
    return _unsubscribe_serializer().dumps({"c": comment_id})


def unsubscribe_comment_id(token: str) -> int | None:
    """The comment an unsubscribe link names, or None for a link this site didn't make."""
    if len(token) > TOKEN_MAX:
        return None
    try:
        payload = _unsubscribe_serializer().loads(token)
    except BadSignature:
        return None
    comment_id = payload.get("c") if isinstance(payload, dict) else None
    return comment_id if _an_id(comment_id) else None


@dataclass(frozen=True)
class DecisionLink:
    """What a digest's link asks for: `user_id` decides `to_status` on `comment_id`."""

    user_id: int
    comment_id: int
    to_status: str
    nonce: str


class LinkRefused(Exception):
    """A decision link that can't be followed: the message says why, for people."""


EXPIRED = (
    "This link has expired: links in the digest work for 24 hours. Open the moderation "
    "queue to decide on the comment."
)
NOT_OURS = "This link is not one this site made, or it was damaged on its way."


def decision_token(user_id: int, comment_id: int, to_status: str) -> str:
    payload = {"u": user_id, "c": comment_id, "d": str(to_status), "n": secrets.token_hex(12)}
    return _decision_serializer().dumps(payload)


def read_decision_token(token: str) -> DecisionLink:
    """The decision a link asks for; LinkRefused when it is expired or not this site's."""
    if len(token) > TOKEN_MAX:
        raise LinkRefused(NOT_OURS)
    serializer = _decision_serializer()
    try:
        payload = serializer.loads(token, max_age=int(DECISION_LIFETIME.total_seconds()))
    except SignatureExpired:
        raise LinkRefused(EXPIRED) from None
    except BadSignature:
        raise LinkRefused(NOT_OURS) from None
    if not isinstance(payload, dict):
        raise LinkRefused(NOT_OURS)
    user_id, comment_id = payload.get("u"), payload.get("c")
    to_status, nonce = payload.get("d"), payload.get("n")
    if (
        not _an_id(user_id)
        or not _an_id(comment_id)
        or to_status not in LINK_DECISIONS
        or not isinstance(nonce, str)
        or not 0 < len(nonce) <= 32
    ):
        raise LinkRefused(NOT_OURS)
    return DecisionLink(user_id, comment_id, to_status, nonce)
