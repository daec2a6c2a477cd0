"""A message drawn from its outbox row when its turn comes: subject, plain text, HTML and
headers, or why it is no longer wanted (the comment was withdrawn or deleted, its author
unsubscribed, the moderator stopped the digests, the backlog cleared).

Whatever came from people (names, titles) goes into a header on one line: line breaks and
other control characters become spaces before the library encodes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import formataddr

from flask import current_app, render_template

from newsroom.content import first_words
from newsroom.extensions import db
from newsroom.mail import digest, links, outbox
from newsroom.mail.outbox import Claimed
from newsroom.models import Article, Comment, CommentStatus, MailKind, User, utcnow
from newsroom.site_settings import stored_settings, unsaved_settings

SUBJECT_PART_MAX = 80
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")


def one_line(text: str, limit: int = SUBJECT_PART_MAX) -> str:
    """`text` safe for a header: no line breaks or control characters, spaces squeezed,
    at most `limit` characters."""
    flat = " ".join(_CONTROL.sub(" ", text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


@dataclass
class Drawn:
    """A message ready for the library: to one address."""

    to: str
    subject: str
    text: str
    html: str
    sender: str
    headers: dict[str, str] = field(default_factory=dict)


class Unwanted(Exception):
    """The message is no longer to be sent; the text says why (kept on its row)."""


def draw(message: Claimed, now: datetime | None = None) -> Drawn:
    """The message for an outbox row, as things stand now; Unwanted when it isn't."""
    if outbox.is_suppressed(message.recipient):
        raise Unwanted("the address is suppressed")
    drawer = {
        MailKind.PUBLISHED: _published,
        MailKind.REPLY: _reply,
        MailKind.DIGEST: _digest,
    }[message.kind]
    site = stored_settings() or unsaved_settings()
    subject, templates, context, headers = drawer(message, now or utcnow())
    context = {**context, "organization": site.organization_name}
    return Drawn(
        to=message.recipient,
        subject=one_line(subject, 200),
        text=render_template(f"mail/{templates}.txt", **context),
        html=render_template(f"mail/{templates}.html", **context),
        sender=formataddr(
            (one_line(site.organization_name), current_app.config["MAIL_DEFAULT_SENDER"])
        ),
        headers={
            "Message-ID": _message_id(message),
            # Out-of-office replies and the like should not answer it.
            "Auto-Submitted": "auto-generated",
            **headers,
        },
    )


def _message_id(message: Claimed) -> str:
    """The same for every try of one row: a server that got it twice can tell."""
    domain = current_app.config["MAIL_DEFAULT_SENDER"].rpartition("@")[2] or "localhost"
    return f"<newsroom.{message.id}.{int(message.created_at.timestamp())}@{domain}>"


def _commenters_comment(message: Claimed) -> tuple[Comment, Article]:
    comment = db.session.get(Comment, message.comment_id) if message.comment_id else None
    if comment is None:
        raise Unwanted("the comment was deleted")
    if comment.status != CommentStatus.APPROVED or comment.hidden_by_reports:
        raise Unwanted("the comment is no longer published")
    if not comment.notify_author:
        raise Unwanted("its author unsubscribed")
    if outbox.normalize_address(comment.author_email) != message.recipient:
        raise Unwanted("the comment no longer has that address")
    article = comment.article
    if not article.is_public():
        raise Unwanted("the article is no longer public")
    return comment, article


def _unsubscribe_headers(comment: Comment) -> tuple[str, dict[str, str]]:
    """The comment's unsubscribe link, and the headers that offer it (RFC 2369, RFC 8058:
    mail programs send the POST themselves, without a cookie or a form token)."""
    url = links.external_url("links.unsubscribe", token=links.unsubscribe_token(comment.id))
    return url, {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def _published(message: Claimed, now: datetime):
    comment, article = _commenters_comment(message)
    unsubscribe_url, headers = _unsubscribe_headers(comment)
    context = {
        "comment": comment,
        "article": article,
        "comment_url": _comment_url(article, comment),
        "unsubscribe_url": unsubscribe_url,
    }
    subject = f"Your comment on “{one_line(article.title)}” is published"
    return subject, "published", context, headers


def _reply(message: Claimed, now: datetime):
    comment, article = _commenters_comment(message)
    reply = db.session.get(Comment, message.reply_id) if message.reply_id else None
    if reply is None or reply.status != CommentStatus.APPROVED or reply.hidden_by_reports:
        raise Unwanted("the reply is no longer published")
    unsubscribe_url, headers = _unsubscribe_headers(comment)
    context = {
        "comment": comment,
        "reply": reply,
        "article": article,
        "comment_url": _comment_url(article, comment),
        "reply_url": _comment_url(article, reply),
        "unsubscribe_url": unsubscribe_url,
    }
    subject = (
        f"{one_line(reply.author_name, 60)} replied to your comment on “{one_line(article.title)}”"
    )
    return subject, "reply", context, headers


def _comment_url(article: Article, comment: Comment) -> str:
    return links.external_url("public.article", anchor=f"comment-{comment.id}", slug=article.slug)


def _digest(message: Claimed, now: datetime):
    user = db.session.get(User, message.user_id) if message.user_id else None
    if user is None or not user.is_active or not user.digest_opt_in:
        raise Unwanted("the moderator no longer asks for digests")
    if outbox.normalize_address(user.email) != message.recipient:
        raise Unwanted("the moderator's address changed")
    found = digest.backlog()
    if not found.pending:
        raise Unwanted("no comment is waiting any more")
    settings = stored_settings() or unsaved_settings()
    items = [
        {
            "comment": comment,
            "article": article,
            "opening": first_words(comment.body, 30),
            "waited": digest.waited(max(0, int((now - comment.created_at).total_seconds() // 60))),
            "approve_url": _decision_url(user, comment, CommentStatus.APPROVED),
            "reject_url": _decision_url(user, comment, CommentStatus.REJECTED),
        }
        for comment, article in digest.waiting_comments()
    ]
    context = {
        "user": user,
        "items": items,
        "pending": found.pending,
        "reason": digest.due_because(settings, found, now) or "",
        "queue_url": links.external_url("dashboard.queue"),
        "account_url": links.external_url("auth.account"),
    }
    waiting = f"{found.pending:,} comment{'' if found.pending == 1 else 's'}"
    subject = f"{waiting} waiting for moderation"
    return subject, "digest", context, {}


def _decision_url(user: User, comment: Comment, to_status: str) -> str:
    token = links.decision_token(user.id, comment.id, to_status)
    return links.external_url("links.decision", token=token)
