"""What happens to a new comment before a moderator sees it: the reader's fingerprint, the
status it is stored in, the rule that decided, and the reasons it is held for a closer look.

`screen` is the one place that decides, in this order: a bot that gave itself away is
spam; a banned commenter's comment is rejected; blocked words reject it or make it spam,
and so does the same text sent again within a day; a watched commenter, suspect words, too
many links or too few characters hold it whatever the policy; then the policy (policy.py):
hold everything; or approve a trusted or regular commenter at once; or publish at once and
queue for review ("unreviewed"), trusted commenters needing no review. Every outcome not
left to a person names its rule, recorded as an event by "the rules" (submission.py).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import NamedTuple

from newsroom.models import UNREVIEWED, CommentStatus, Policy, Standing
from newsroom.moderation.commenters import Arrival
from newsroom.moderation.policy import HOLD_EVERYTHING, RECENT_REJECTION, CommentPolicy
from newsroom.moderation.rules import NO_RULES, CompiledRules

# The rule named on the event of a comment the rules decided, and its held reason.
BANNED = "banned"
BOT = "honeypot"
BLOCKED = "blocked word"
BLOCKED_SPAM = "blocked word (spam)"
DUPLICATE = "duplicate text"
TRUSTED = "trusted commenter"
APPROVED_BEFORE = "approved commenter"
PUBLISH_FIRST = "publish then review"
HONEYPOT = "filled the hidden honeypot field"
FIRST_COMMENT = "first comment from this commenter"
NONE_APPROVED = "no approved comment from this commenter yet"
WATCHED = "watched commenter"
SAME_TEXT = "the same text from this commenter within a day"
# held_reasons' column holds this many characters.
REASONS_MAX = 255


def client_fingerprint(address: str | None, secret_key: str) -> str | None:
    """HMAC of the client address: comparable between comments, useless to anyone else."""
    if not address:
        return None
    digest = hmac.new(secret_key.encode(), address.encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


class Screening(NamedTuple):
    """How a new comment is stored: its status, why, the rule that decided (None when it
    waits for a person), and whether it was published before review."""

    status: str
    reasons: list[str]
    rule: str | None = None
    unreviewed: bool = False

    @property
    def state(self) -> str:
        """As the lifecycle names it (models.Comment.state)."""
        return UNREVIEWED if self.unreviewed else self.status

    @property
    def held_reasons(self) -> str:
        return "; ".join(self.reasons)[:REASONS_MAX]


def _quoted(words: list[str]) -> str:
    return ", ".join(f"“{word}”" for word in words)


def screen(
    body: str,
    commenter: Arrival,
    *,
    is_spam: bool,
    now: datetime,
    policy: CommentPolicy = HOLD_EVERYTHING,
    rules: CompiledRules = NO_RULES,
    duplicate: bool = False,
) -> Screening:
    """What becomes of a new comment, from its text, what is known of its commenter, the
    policy of its article and the rules. `duplicate`: the commenter sent the same text
    within a day (looked up by the caller, only when rules.duplicates_are_spam)."""
    if is_spam:
        return Screening(CommentStatus.SPAM, [HONEYPOT], rule=BOT)
    if commenter.is_banned(now):
        # Stored and counted like any rejection; the reader is answered as for any comment.
        return Screening(CommentStatus.REJECTED, [BANNED], rule=BANNED)
    found = rules.examine(body)
    if found.blocked_spam:
        reason = f"blocked word (spam): {_quoted(found.blocked_spam)}"
        return Screening(CommentStatus.SPAM, [reason], rule=BLOCKED_SPAM)
    if found.blocked_rejected:
        reason = f"blocked word: {_quoted(found.blocked_rejected)}"
        return Screening(CommentStatus.REJECTED, [reason], rule=BLOCKED)
    if duplicate:
        return Screening(CommentStatus.SPAM, [SAME_TEXT], rule=DUPLICATE)

    # Reasons that hold a comment whatever the policy.
    holding = []
    if commenter.standing == Standing.WATCHED:
        holding.append(WATCHED)
    if found.suspect:
        holding.append(f"suspect words: {_quoted(found.suspect)}")
    if found.too_many_links:
        holding.append(f"more than {rules.max_links} links")
    if found.too_short:
        holding.append(f"shorter than {rules.min_length} characters")
    notes = held_reasons_for(commenter, links=bool(found.links) and not found.too_many_links)
    if holding or policy.mode == Policy.HOLD_ALL:
        return Screening(CommentStatus.PENDING, holding + notes)
    if commenter.standing == Standing.TRUSTED:
        return Screening(CommentStatus.APPROVED, [], rule=TRUSTED)
    if policy.mode == Policy.PUBLISH_FIRST:
        return Screening(CommentStatus.APPROVED, notes, rule=PUBLISH_FIRST, unreviewed=True)
    rejected_lately = (
        commenter.last_rejected_at is not None
        and commenter.last_rejected_at > now - RECENT_REJECTION
    )
    if commenter.approved_count >= policy.trusted_after and not rejected_lately:
        return Screening(CommentStatus.APPROVED, [], rule=APPROVED_BEFORE)
    if rejected_lately:
        notes.append("rejected in the last 30 days")
    return Screening(CommentStatus.PENDING, notes)


def held_reasons_for(commenter: Arrival, *, links: bool) -> list[str]:
    """Where the system thinks a moderator should look closer (not reasons to hold)."""
    reasons = []
    if links:
        reasons.append("contains a link")
    if commenter.is_new:
        reasons.append(FIRST_COMMENT)
    elif commenter.approved_count == 0:
        reasons.append(NONE_APPROVED)
    return reasons
