"""A moderator's decision from a digest's link: the link names the moderator, the comment
and the decision (links.py); following it is the lifecycle's conflict-safe decision, as
that moderator's, audited like one taken in the dashboard. A link works once and for 24
hours, and only while its moderator's account is active. Reading one changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from newsroom import moderation
from newsroom.extensions import db
from newsroom.mail.links import DecisionLink, LinkRefused, read_decision_token
from newsroom.models import Article, Comment, CommentStatus, UsedMailLink, User, utcnow

USED = "This link has been used: each link in a digest works once."
INACTIVE = "The account this link was sent to is no longer active."
GONE = "That comment no longer exists."


@dataclass
class FollowedLink:
    """What a link asks, of whom, about what; `used`: it was followed before."""

    link: DecisionLink
    user: User
    comment: Comment
    article: Article
    used: bool

    @property
    def waiting(self) -> bool:
        """The comment is still where the digest showed it: pending."""
        return self.comment.status == CommentStatus.PENDING


def read_link(token: str) -> FollowedLink:
    """The link's request and where things stand; LinkRefused when it can't be followed
    (expired, not this site's, its account inactive, the comment gone)."""
    link = read_decision_token(token)
    user = db.session.get(User, link.user_id)
    if user is None or not user.is_active:
        raise LinkRefused(INACTIVE)
    comment = db.session.get(Comment, link.comment_id)
    if comment is None:
        raise LinkRefused(GONE)
    used = db.session.get(UsedMailLink, link.nonce) is not None
    return FollowedLink(link, user, comment, comment.article, used)


def follow(token: str, *, zone: str = "UTC") -> moderation.Decision:
    """Take the link's decision as its moderator, if the comment is still pending and the
    link unused: the link is marked used in the decision's transaction. LinkRefused when
    it can't be followed; a Decision with an error when a colleague decided first."""
    found = read_link(token)
    if found.used:
        raise LinkRefused(USED)
    db.session.add(UsedMailLink(nonce=found.link.nonce, user_id=found.user.id, used_at=utcnow()))
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        # The same link followed twice at once: the first one in decides.
        db.session.rollback()
        raise LinkRefused(USED) from None
    decision = moderation.decide(
        found.comment.id,
        found.link.to_status,
        found.user,
        expected_status=CommentStatus.PENDING,
        note="from the e-mail digest",
        zone=zone,
    )
    if not decision.ok:
        db.session.rollback()  # nothing was decided: the link keeps its one use
    return decision


def standing(found: FollowedLink, zone: str = "UTC") -> str:
    """Where the comment stands, in words, when it no longer waits: who decided and when."""
    return moderation.already_decided(found.comment, zone)
