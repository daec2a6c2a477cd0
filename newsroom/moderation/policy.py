"""The terms an article takes comments on: the moderation policy in force (the site's,
overridden by its section's, overridden by its own) and when its comments close (its own
switch, and a number of days after publication: the site's, or its own).

Plain values in, plain values out: the comment POST reads them with the article in one
query (submission.find_commentable), the article page from the article it shows, and the
page cache from its version query, so every reader is told the same terms the POST
applies. Screening (screening.py) applies the policy; the words readers are told about it
are here, next to it, so the notice can't drift from what happens.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from newsroom.models import Policy

# The approved comments a commenter needs under Policy.HOLD_NEW, at most.
TRUSTED_AFTER_MAX = 1000
# How long after publication comments may be left open, at most (a hundred years).
CLOSE_AFTER_MAX_DAYS = 36_500
# Under Policy.HOLD_NEW, a rejection within this long holds a commenter's comments again.
RECENT_REJECTION = timedelta(days=30)

POLICY_LABELS = {
    Policy.HOLD_ALL: "Hold every comment until a moderator approves it",
    Policy.HOLD_NEW: "Hold first-time commenters; publish regular commenters at once",
    Policy.PUBLISH_FIRST: "Publish at once, then review (post-moderation)",
}

# The notice under the comment form: the same for every reader (the page is shared), so
# it says what happens to anyone's comment, and never promises more than screening does.
NOTICES = {
    Policy.HOLD_ALL: "Your comment will show once it has been approved.",
    Policy.HOLD_NEW: (
        "Comments from readers whose earlier comments were approved show at once. A first "
        "comment, or one that needs a closer look, will show once it has been approved."
    ),
    Policy.PUBLISH_FIRST: (
        "Most comments show at once; moderators then review every comment and remove any "
        "that break the rules. A comment that needs a closer look will show once it has "
        "been approved."
    ),
}

# After posting: what became of the reader's comment, in the policy's words. A comment the
# rules rejected is answered like one held, so a banned reader learns nothing.
PUBLISHED = "Thank you. Your comment is published."
PUBLISHED_FOR_REVIEW = "Thank you. Your comment is published; a moderator will review it."
HELD = "Thank you. Your comment will show once it has been approved."


class CommentPolicy(NamedTuple):
    """The policy screening applies to one new comment."""

    mode: str = Policy.HOLD_ALL
    # Under Policy.HOLD_NEW: the approved comments that let a commenter through.
    trusted_after: int = 2


# What a new comment is screened by when its article's terms are not known: the default.
HOLD_EVERYTHING = CommentPolicy()


def effective_policy(
    article_policy: str | None, section_policy: str | None, site_policy: str | None
) -> str:
    """The policy in force: the article's, else its section's, else the site's (anything
    not a known policy counts as unset, and nothing set at all holds every comment)."""
    for chosen in (article_policy, section_policy, site_policy):
        if chosen in POLICY_LABELS:
            return chosen
    return Policy.HOLD_ALL


def comments_close_at(
    published_at: datetime | None, article_days: int | None, site_days: int | None
) -> datetime | None:
    """When an article's comments close by time, or None for never: `article_days` after
    publication, else `site_days` (None for the article: as the site says; 0: never)."""
    days = site_days if article_days is None else article_days
    if not days or published_at is None:
        return None
    return published_at + timedelta(days=min(days, CLOSE_AFTER_MAX_DAYS))


def accepting_comments(comments_open: bool, close_at: datetime | None, now: datetime) -> bool:
    """Whether a reader may comment now: the article's switch is on and its time has not run
    out."""
    return comments_open and (close_at is None or now < close_at)


def notice(policy: str) -> str:
    return NOTICES.get(policy, NOTICES[Policy.HOLD_ALL])


def answer(status: str, unreviewed: bool) -> str:
    """The message after posting, from how the comment was stored."""
    if status == "approved":
        return PUBLISHED_FOR_REVIEW if unreviewed else PUBLISHED
    return HELD
