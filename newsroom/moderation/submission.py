"""Submitting a comment: the article's terms and what is known of the commenter read in
one lookup, the form's submission id, and storing what screening decides, with its event
when the rules decided and the counters, in one transaction.

A new comment costs one read before anything is written: the article, its policy and
closing time, the rules' version, and the commenter (commenters.ARRIVAL_COLUMNS: standing,
counts, a ban on the fingerprint, the same text sent lately), run alone. Then, for a comment
held for a moderator on PostgreSQL, one statement that is its own transaction
(counters.store_held_alone); otherwise a transaction of the commenter's upsert, the
INSERT, the counters and an event when the rules decided. The lists of the rules come
compiled from this process's copy (rules.py), keyed by the version read with the article.
No Flask request in here: views pass in what they know.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa

from newsroom.extensions import db
from newsroom.models import (
    Article,
    Comment,
    CommentStatus,
    ModerationEvent,
    ModerationRules,
    Section,
    SiteSettings,
    UTCDateTime,
    utcnow,
)
from newsroom.moderation import policy as terms
from newsroom.moderation.commenters import (
    ARRIVAL_COLUMNS,
    ARRIVAL_PARAMETERS,
    Arrival,
    arrival,
    arrival_values,
    arriving_from,
    make_known,
)
from newsroom.moderation.counters import insert_counted, store_held_alone
from newsroom.moderation.policy import HOLD_EVERYTHING, CommentPolicy
from newsroom.moderation.rules import NO_RULES, RULES_ID, CompiledRules, body_digest
from newsroom.moderation.screening import screen
from newsroom.plainsql import PlainStatement, reading

PENDING = CommentStatus.PENDING


class Commentable(NamedTuple):
    """What posting a comment needs to know of its article, and the terms it takes
    comments on (policy.py)."""

    id: int
    slug: str
    comments_open: bool
    close_at: datetime | None
    policy: CommentPolicy
    # The version of the rules now (rules.compiled gives them); "" when none were saved.
    rules_version: str
    # What is known of the commenter whose address was given (none given: nobody's).
    commenter: Arrival

    def accepting(self, now: datetime) -> bool:
        return terms.accepting_comments(self.comments_open, self.close_at, now)


def find_commentable(
    slug: str, *, email: str = "", fingerprint: str | None = None, body: str = ""
) -> Commentable | None:
    """The public article at `slug`, as little of it as a comment POST needs, with its
    policy, its closing time and the rules' version, and what is known of the commenter
    who sends `body` from `email` and `fingerprint`: one lookup, run alone unless the
    session has a transaction open (plainsql.reading)."""
    now = utcnow()
    row = _COMMENTABLE.first(
        reading(db.session()),
        slug=slug,
        **arrival_values(email, fingerprint, now, body_digest(body.strip())),
    )
    if row is None:
        return None
    return Commentable(
        id=row.id,
        slug=row.slug,
        comments_open=row.comments_open,
        close_at=terms.comments_close_at(
            row.published_at, row.comments_close_after_days, row.site_close_after_days
        ),
        policy=CommentPolicy(
            terms.effective_policy(row.moderation_policy, row.section_policy, row.site_policy),
            row.trusted_after_approved if row.trusted_after_approved is not None else 2,
        ),
        rules_version=row.rules_version or "",
        commenter=Arrival.of(row),
    )


def submission_id(secret_key: str, form_token: str, fingerprint: str | None, *parts: object) -> str:
    """The identity of one submission of the comment form: the same when the same reader
    (fingerprint) sends the same form (its token) with the same comment (`parts`: the
    article and what the reader wrote) again, as a browser does when the answer to the first
    was lost. Derived, so the form needs no per-reader value and every reader can be sent
    the same page; an HMAC, so nobody can make another reader's submission collide."""
    message = "\0".join(map(str, (form_token, fingerprint or "", *parts)))
    return hmac.new(secret_key.encode(), message.encode(), hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True)
class Submitted:
    """A stored comment, as the reader's answer needs it. `repeated`: the same submission
    had been stored before, and nothing new was."""

    id: int
    status: str
    repeated: bool = False
    # Published at once, waiting for review.
    unreviewed: bool = False


def submit_comment(
    article_id: int,
    *,
    author_name: str,
    author_email: str,
    body: str,
    fingerprint: str | None,
    is_spam: bool = False,
    submission_id: str | None = None,
    policy: CommentPolicy = HOLD_EVERYTHING,
    rules: CompiledRules = NO_RULES,
    notify_author: bool = False,
    parent_id: int | None = None,
    commenter: Arrival | None = None,
) -> Submitted:
    """Store a reader's comment as screening decides under the article's `policy` and the
    `rules` (held as pending; approved at once, perhaps unreviewed; rejected or spam by a
    rule; spam when a bot gave itself away), its commenter made known and their fingerprint
    linked, in one transaction. An outcome the rules decided is an event by "the rules",
    naming the rule, that a moderator can overturn like any decision.

    `submission_id` (see submission_id(); None: no repeats are recognised) is the same for
    a POST sent again: it stores nothing and gets the first comment back, marked
    `repeated`, also when both arrive at once, as the unique index lets only one in. The
    insert comes first and the lookup only when it is refused: a new comment costs no
    query more than it did without the id.

    `notify_author`: the reader asked to be e-mailed when a moderator publishes it and when
    a reply to it is published (mail/notices.py).

    `parent_id`: the comment this one replies to, which the caller has checked readers see
    on the same article (threads.reply_target). A reply goes through the same screening
    and waits for the same decision as any comment.

    `commenter`: what find_commentable read of them with the article; None: read here.
    """
    now = utcnow()
    body = body.strip()
    digest = body_digest(body)
    if commenter is None:
        commenter = arrival(author_email, fingerprint, now, digest)
    duplicate = rules.duplicates_are_spam and commenter.sent_same_text
    screening = screen(
        body,
        commenter,
        is_spam=is_spam,
        now=now,
        policy=policy,
        rules=rules,
        duplicate=duplicate,
    )
    status = screening.status
    comment = {
        "article_id": article_id,
        "parent_id": parent_id,
        "author_name": author_name.strip(),
        "author_email": author_email.strip(),
        "body": body,
        "status": status,
        "created_at": now,
        "client_fingerprint": fingerprint,
        "held_reasons": screening.held_reasons,
        "submission_id": submission_id,
        "unreviewed": screening.unreviewed,
        "body_hash": digest,
        "notify_author": notify_author,
    }
    alone = status == PENDING and db.session.get_bind().dialect.name == "postgresql"
    try:
        if alone:
            # Nothing but the comment, its commenter and its count moves: one statement.
            linked = commenter.fingerprint_linked
            comment_id = store_held_alone(
                comment, email=author_email, now=now, fingerprint=fingerprint, link=not linked
            )
        else:
            comment["commenter_id"] = make_known(author_email, fingerprint, now, commenter)
            comment_id = insert_counted(comment, review=1 if screening.unreviewed else 0)
    except sa.exc.IntegrityError:
        db.session.rollback()
        first = _submitted_before(submission_id) if submission_id is not None else None
        if first is None:
            raise  # not the submission id's refusal (the article was deleted meanwhile)
        return Submitted(first.id, first.status, repeated=True, unreviewed=first.unreviewed)
    submitted = Submitted(comment_id, status, unreviewed=screening.unreviewed)
    if alone:
        if db.session().in_transaction():
            # What the session read before (a reply's parent) ends here, as it does with
            # the other way's commit.
            db.session.commit()
        return submitted
    if screening.rule is not None:
        # Decided by the rules, not held: the audit trail says which rule, and a moderator
        # can overturn it like any decision.
        db.session.connection().execute(
            _RULED,
            {
                "comment_id": submitted.id,
                "from_status": PENDING,
                "to_status": screening.state,
                "at": now,
                "note": "",
                "rule": screening.rule,
            },
        )
    db.session.commit()
    return submitted


def _submitted_before(submission_id: str) -> sa.Row | None:
    row = db.session.connection().execute(_BY_SUBMISSION, {"submission_id": submission_id})
    first = row.first()
    db.session.commit()
    return first


# Built once, like the lifecycle's statements: every reader's comment runs them.
_comments = Comment.__table__
_site = SiteSettings.__table__
_COMMENTABLE = PlainStatement(
    sa.select(
        Article.id,
        Article.slug,
        Article.comments_open,
        Article.published_at,
        Article.comments_close_after_days,
        Article.moderation_policy,
        Section.moderation_policy.label("section_policy"),
        _site.c.moderation_policy.label("site_policy"),
        _site.c.trusted_after_approved,
        _site.c.comments_close_after_days.label("site_close_after_days"),
        # Bounded by the rules' primary key: their one row.
        sa.select(ModerationRules.version)
        .where(ModerationRules.id == RULES_ID)
        .scalar_subquery()
        .label("rules_version"),
        *ARRIVAL_COLUMNS,
    )
    .select_from(
        arriving_from(
            sa.join(Article, Section, Section.id == Article.section_id)
            # The site's one settings row (the first, as site_settings.stored_settings
            # reads it).
            .outerjoin(_site, _site.c.id == sa.select(sa.func.min(_site.c.id)).scalar_subquery())
        )
    )
    .where(
        Article.slug == sa.bindparam("slug"),
        Article.public_filter(sa.bindparam("now", type_=UTCDateTime)),
    ),
    ("slug", *ARRIVAL_PARAMETERS),
)
_RULED = sa.insert(ModerationEvent.__table__)
# Bounded by ix_comments_submission_id (unique); run only when a submission comes again.
_BY_SUBMISSION = sa.select(_comments.c.id, _comments.c.status, _comments.c.unreviewed).where(
    _comments.c.submission_id == sa.bindparam("submission_id")
)
