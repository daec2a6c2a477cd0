"""What happens to a new comment before a moderator sees it: the reader's fingerprint, the
status it is stored in, and the reasons it is held for a closer look.

`screen` is the one place that decides: a bot that gave itself away is spam; a banned
commenter's comment is rejected by the rules; everything else is held as pending, with
the reasons that tell the moderator where to look. New rules about new comments (the
policy for trusted commenters, word lists) belong here.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime
from typing import NamedTuple

from newsroom.models import CommentStatus, Standing
from newsroom.moderation.commenters import Arrival

_LINK = re.compile(r"https?://|www\.", re.IGNORECASE)

# The rule named on the event of a comment the rules decided, and its held reason.
BANNED = "banned"
HONEYPOT = "filled the hidden honeypot field"
FIRST_COMMENT = "first comment from this commenter"
NONE_APPROVED = "no approved comment from this commenter yet"
WATCHED = "watched commenter"


def client_fingerprint(address: str | None, secret_key: str) -> str | None:
    """HMAC of the client address: comparable between comments, useless to anyone else."""
    if not address:
        return None
    digest = hmac.new(secret_key.encode(), address.encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


class Screening(NamedTuple):
    """How a new comment is stored: its status, why, and the rule that decided (None when
    it waits for a person)."""

    status: str
    reasons: list[str]
    rule: str | None = None


def screen(body: str, commenter: Arrival, *, is_spam: bool, now: datetime) -> Screening:
    """What becomes of a new comment, from its text and what is known of its commenter."""
    if is_spam:
        return Screening(CommentStatus.SPAM, [HONEYPOT])
    if commenter.is_banned(now):
        # Stored and counted like any rejection; the reader is answered as for any comment.
        return Screening(CommentStatus.REJECTED, [BANNED], rule=BANNED)
    reasons = held_reasons_for(body, commenter)
    # Trusted commenters are held like anyone until the policy that lets them through lands:
    # the policy decides here, from commenter.standing == Standing.TRUSTED.
    return Screening(CommentStatus.PENDING, reasons)


def held_reasons_for(body: str, commenter: Arrival) -> list[str]:
    """Why the system thinks a moderator should look closer (every comment is held anyway)."""
    reasons = []
    if commenter.standing == Standing.WATCHED:
        reasons.append(WATCHED)
    if _LINK.search(body):
        reasons.append("contains a link")
    if commenter.is_new:
        reasons.append(FIRST_COMMENT)
    elif commenter.approved_count == 0:
        reasons.append(NONE_APPROVED)
    return reasons
