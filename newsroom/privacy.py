"""Privacy requests from commenters: everything stored about one e-mail address, looked up,
exported or erased, and the record of each erasure.

Comments keep the e-mail address as the reader typed it; here addresses are compared
trimmed and lower-cased, so "Dana@Example.com " is dana@example.com. An erasure is kept as
who, when, how and how many, with the address only as a digest keyed with the secret key:
"did we erase this address?" has an answer, and the record gives the address to no one.

Views hand in what the admin typed; refusals are FieldErrors. Nothing here reads the Flask
request.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app

from newsroom import moderation, pagecache
from newsroom.extensions import db
from newsroom.mail import outbox
from newsroom.models import (
    Article,
    Comment,
    CommentEdit,
    Commenter,
    CommentStatus,
    Erasure,
    ErasureMode,
    ModerationEvent,
    User,
    utcnow,
)
from newsroom.refused import FieldError

EMAIL_MAX = 254
# What an anonymized comment shows where its author's name was.
ANONYMIZED_NAME = "Removed at the reader's request"
# Ids per statement: SQLite and PostgreSQL cap the parameters of one statement, and one
# address can have left thousands of comments (a spammer's).
_CHUNK = 500
# Keys the digest to its purpose, so it can never equal another HMAC made with the same key.
_DIGEST_PURPOSE = b"newsroom privacy erasure\0"


# --- Addresses ---------------------------------------------------------------------------


def normalize_email(email: str | None) -> str:
    """The address as privacy requests compare it: trimmed and lower-cased; or a FieldError
    saying why it can't be an address."""
    text = (email or "").strip()
    if not text:
        raise FieldError("Please enter the commenter's e-mail address.", "email")
    if len(text) > EMAIL_MAX:
        raise FieldError(
            f"That is too long for an e-mail address (at most {EMAIL_MAX} characters).", "email"
        )
    local, at, domain = text.rpartition("@")
    if not (at and local and domain) or any(ch.isspace() or not ch.isprintable() for ch in text):
        raise FieldError(
            "That is not an e-mail address: it needs a name, an @ and a domain, with no "
            "spaces, like name@example.com.",
            "email",
        )
    return moderation.normalize_email(text)


def digest_of(email: str) -> str:
    """The keyed digest an erasure keeps instead of the address (hex, 64 characters)."""
    key = current_app.config["SECRET_KEY"].encode()
    message = _DIGEST_PURPOSE + normalize_email(email).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _like_pattern(normalized: str) -> str:
    """A LIKE pattern that every stored spelling of the address matches (and a few others,
    which the exact comparison after it drops). Databases lower-case ASCII letters alike,
    but not always other letters: those match anything."""
    pattern = []
    for ch in normalized:
        if ch in "%_\\":
            pattern.append("\\" + ch)
        elif ch.isascii():
            pattern.append(ch)
        else:
            pattern.append("%")
    # Stray spaces from an import or an old form are ignored too.
    return "%" + "".join(pattern) + "%"


def _matching(normalized: str) -> list[sa.Row]:
    """The commenter's comments (id, article, status, time), oldest first.

    A full scan of the comments: an index on lower(author_email) would cost every reader's
    comment a little, for a request an admin handles now and then."""
    rows = db.session.execute(
        sa.select(
            Comment.id, Comment.author_email, Comment.article_id, Comment.status, Comment.created_at
        )
        .where(sa.func.lower(Comment.author_email).like(_like_pattern(normalized), escape="\\"))
        .order_by(Comment.created_at, Comment.id)
    ).all()
    return [row for row in rows if moderation.normalize_email(row.author_email) == normalized]


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


# --- Looking up ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ArticleShare:
    """One article the commenter wrote on, and their comments there per status."""

    article: Article
    statuses: Counter[str]
    last_at: datetime

    @property
    def total(self) -> int:
        return sum(self.statuses.values())


@dataclass(frozen=True)
class Lookup:
    """What the site holds for one address, in summary (the export has it all)."""

    email: str
    statuses: dict[str, int]
    articles: list[ArticleShare]
    first_at: datetime | None
    last_at: datetime | None
    # This address's earlier erasures, found by digest (a comment may come after one).
    earlier_erasures: list[Erasure]

    @property
    def total(self) -> int:
        return sum(self.statuses.values())


def lookup(email: str) -> Lookup:
    normalized = normalize_email(email)
    rows = _matching(normalized)
    statuses = {status.value: 0 for status in CommentStatus}
    per_article: dict[int, Counter[str]] = {}
    latest: dict[int, datetime] = {}
    for row in rows:
        statuses[row.status] = statuses.get(row.status, 0) + 1
        per_article.setdefault(row.article_id, Counter())[row.status] += 1
        latest[row.article_id] = row.created_at  # oldest first: the last one stays
    articles: dict[int, Article] = {}
    for chunk in _chunks(list(per_article)):
        articles.update(
            (article.id, article)
            for article in db.session.scalars(sa.select(Article).where(Article.id.in_(chunk)))
        )
    shares = [
        ArticleShare(articles[article_id], counts, latest[article_id])
        for article_id, counts in per_article.items()
    ]
    # The article most recently commented on first.
    shares.sort(key=lambda share: (share.last_at, share.article.id), reverse=True)
    return Lookup(
        email=normalized,
        statuses=statuses,
        articles=shares,
        first_at=rows[0].created_at if rows else None,
        last_at=rows[-1].created_at if rows else None,
        earlier_erasures=erasures_of(normalized),
    )


def erasures_of(email: str) -> list[Erasure]:
    """Earlier erasures of this address, newest first."""
    return list(
        db.session.scalars(
            sa.select(Erasure)
            .where(Erasure.email_digest == digest_of(email))
            .options(sa.orm.joinedload(Erasure.actor))
            .order_by(Erasure.at.desc(), Erasure.id.desc())
        )
    )


# --- Exporting -----------------------------------------------------------------------------


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def export(email: str, article_url: Callable[[str], str] | None = None) -> dict[str, Any]:
    """Everything stored about the commenter, ready for JSON: their comments with the
    moderation trail of each (what was decided and when, not by whom), and any earlier
    erasure of their address. `article_url` turns an article's slug into its address."""
    normalized = normalize_email(email)
    ids = [row.id for row in _matching(normalized)]
    comments: list[Comment] = []
    trails: dict[int, list[dict[str, str]]] = {comment_id: [] for comment_id in ids}
    # A moderator's edits keep the text as the commenter wrote it: it is theirs too.
    earlier: dict[int, list[dict[str, str]]] = {comment_id: [] for comment_id in ids}
    for chunk in _chunks(ids):
        comments.extend(
            db.session.scalars(
                sa.select(Comment)
                .where(Comment.id.in_(chunk))
                .options(sa.orm.joinedload(Comment.article, innerjoin=True))
            )
        )
        events = db.session.scalars(
            sa.select(ModerationEvent)
            .where(ModerationEvent.comment_id.in_(chunk))
            .order_by(ModerationEvent.at, ModerationEvent.id)
        )
        edits = db.session.scalars(
            sa.select(CommentEdit)
            .where(CommentEdit.comment_id.in_(chunk))
            .options(sa.orm.joinedload(CommentEdit.event))
            .order_by(CommentEdit.id)
        )
        for edit in edits:
            earlier[edit.comment_id].append(
                {"text": edit.body_before, "replaced_at": _iso(edit.event.at)}
            )
        for event in events:
            trails[event.comment_id].append(
                {
                    "from_status": event.from_status,
                    "to_status": event.to_status,
                    "at": _iso(event.at),
                    "note": event.note,
                }
            )
    comments.sort(key=lambda c: (c.created_at, c.id))
    return {
        "email": normalized,
        "exported_at": _iso(utcnow()),
        "comment_count": len(comments),
        "comments": [
            {
                "id": comment.id,
                "article": {
                    "title": comment.article.title,
                    "address": (
                        article_url(comment.article.slug) if article_url else comment.article.slug
                    ),
                },
                "author_name": comment.author_name,
                "author_email": comment.author_email,
                "body": comment.body,
                "status": comment.status,
                "created_at": _iso(comment.created_at),
                "client_fingerprint": comment.client_fingerprint,
                "held_reasons": [r for r in comment.held_reasons.split("; ") if r],
                "moderation_events": trails[comment.id],
                "earlier_texts": earlier[comment.id],
            }
            for comment in comments
        ],
        "earlier_erasures": [
            {"at": _iso(e.at), "mode": e.mode, "comment_count": e.comment_count}
            for e in erasures_of(normalized)
        ],
    }


# --- Erasing -------------------------------------------------------------------------------


def erase(email: str, mode: str, actor: User) -> Erasure:
    """Erase the commenter's comments, in one transaction, and record that it was done.

    "remove" deletes the comments with their moderation trail; "anonymize" keeps each
    comment's text and status but drops the author's name (ANONYMIZED_NAME stands in), the
    e-mail address and the wish to be e-mailed, the fingerprint and the link to the
    commenter. Mail queued or sent to the address is forgotten. Either way the
    commenter's record (address, fingerprints, standing and its history) is deleted: a ban
    ends with it. The kept tallies follow, and every affected
    article's cached page redraws, so no page shows the name again.
    """
    normalized = normalize_email(email)
    if mode not in {m.value for m in ErasureMode}:
        raise FieldError("Choose whether to remove the comments or anonymize them.", "mode")
    ids = [row.id for row in _matching(normalized)]
    if not ids:
        raise FieldError("No comments are stored for that e-mail address: nothing was erased.")
    affected = _remove(ids) if mode == ErasureMode.REMOVE else _anonymize(ids)
    # The commenter's record goes too: their address, fingerprints and standing.
    db.session.execute(
        sa.delete(Commenter)
        .where(Commenter.email == normalized)
        .execution_options(synchronize_session=False)
    )
    # Mail queued for the address, and its suppression, go too.
    outbox.forget_address(normalized)
    count = sum(affected.values())
    if not count:
        db.session.rollback()
        raise FieldError(
            "Those comments were erased a moment ago, by a colleague perhaps: nothing more "
            "was erased."
        )
    pagecache.touch_comments(affected.keys())
    erasure = Erasure(
        actor_id=actor.id,
        at=utcnow(),
        mode=mode,
        comment_count=count,
        email_digest=digest_of(normalized),
    )
    db.session.add(erasure)
    db.session.commit()
    return erasure


def _remove(ids: list[int]) -> Counter[int]:
    """Delete the comments and their trail; how many went, per article."""
    per_article: Counter[int] = Counter()
    for chunk in _chunks(ids):
        for (article_id, _commenter_id, _status), total in moderation.remove_comments(
            Comment.id.in_(chunk)
        ).items():
            per_article[article_id] += total
    return per_article


def _anonymize(ids: list[int]) -> Counter[int]:
    """Keep the comments without their author: how many were changed, per article."""
    changed: Counter[int] = Counter()
    for chunk in _chunks(ids):
        rows = db.session.execute(
            sa.update(Comment)
            .where(Comment.id.in_(chunk))
            .values(
                author_name=ANONYMIZED_NAME,
                author_email="",
                client_fingerprint=None,
                commenter_id=None,
                notify_author=False,
            )
            .returning(Comment.article_id)
            .execution_options(synchronize_session=False)
        )
        changed.update(article_id for (article_id,) in rows)
    return changed


# --- The record ----------------------------------------------------------------------------

HISTORY_SIZE = 50


def history(limit: int = HISTORY_SIZE) -> tuple[list[Erasure], int]:
    """The latest erasures, newest first, and how many there are in all."""
    erasures = db.session.scalars(
        sa.select(Erasure)
        .options(sa.orm.joinedload(Erasure.actor))
        .order_by(Erasure.at.desc(), Erasure.id.desc())
        .limit(limit)
    ).all()
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Erasure))
    return list(erasures), total
