"""The data: staff, sections, articles, comments, readers' reports, commenters, moderation
events, rejection reasons, site settings and the mail outbox."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from enum import StrEnum

import sqlalchemy as sa
from flask import current_app
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from newsroom.extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp that is always timezone-aware UTC in Python, whatever the database keeps.

    Naive datetimes are refused rather than guessed at: a naive value is a bug upstream.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: give it a timezone")
        value = value.astimezone(UTC)
        # SQLite has no timezone type; keep naive UTC text so values sort and compare.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Role(StrEnum):
    MODERATOR = "moderator"
    ADMIN = "admin"


class ArticleStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class CommentStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SPAM = "spam"


# The lifecycle's name for an approved comment that waits for review (Comment.state): a
# state of its own in moderation events and the queue's tabs, never a stored status.
UNREVIEWED = "unreviewed"


class ReportReason(StrEnum):
    """Why a reader reported a comment (moderation/reports.py)."""

    ABUSIVE = "abusive"
    SPAM = "spam"
    OFF_TOPIC = "off-topic"
    OTHER = "other"


class Standing(StrEnum):
    """What the moderators decided about a commenter (moderation/commenters.py)."""

    NORMAL = "normal"
    # Their comments may be approved at once, where the policy allows it.
    TRUSTED = "trusted"
    # Their comments are always held, whatever the policy.
    WATCHED = "watched"
    # Their comments are stored as rejected (by e-mail and by the addresses they used).
    BANNED = "banned"


def public_from(status: str, published_at: datetime | None) -> datetime | None:
    """From when readers see an article: its publication time once it is published (a time
    to come for a scheduled one), None for a draft."""
    return published_at if status == ArticleStatus.PUBLISHED else None


def is_public(status: str, published_at: datetime | None, now: datetime) -> bool:
    """Readers see an article once it is published and its time has come (Article.is_public,
    and a queue row read as plain values)."""
    visible = public_from(status, published_at)
    return visible is not None and visible <= now


def is_banned(standing: str, banned_until: datetime | None, now: datetime) -> bool:
    """Banned, and the ban has not ended (Commenter.is_banned, and a queue row's values)."""
    return standing == Standing.BANNED and (banned_until is None or banned_until > now)


class EventAction(StrEnum):
    """What a moderation event records (moderation/lifecycle.py, moderation/editing.py)."""

    # A move from one status to another (from_status -> to_status).
    DECISION = "decision"
    # The text changed; the status did not (from_status == to_status). Its CommentEdit holds
    # the text before and after.
    EDIT = "edit"
    # A reply written as the organization, published at once (on the reply itself).
    REPLY = "reply"
    # Deleted for good: who and when, nothing of the comment (comment_id is None).
    DELETION = "deletion"


class Policy(StrEnum):
    """How new comments are moderated (moderation/policy.py): set for the site, overridable
    per section and per article."""

    # Every comment waits for a moderator (the default).
    HOLD_ALL = "hold_all"
    # A commenter with enough approved comments and no recent rejection is approved at once.
    HOLD_NEW = "hold_new"
    # Comments show at once and wait in the queue as "published, unreviewed".
    PUBLISH_FIRST = "publish_first"


class ErasureMode(StrEnum):
    REMOVE = "remove"
    ANONYMIZE = "anonymize"


def new_session_key() -> str:
    return secrets.token_urlsafe(32)


def _check_in(column: str, values: type[StrEnum]) -> sa.CheckConstraint:
    allowed = ", ".join(f"'{v.value}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({allowed})", name=f"{column}_valid")


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (_check_in("role", Role),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(80))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(16), default=Role.MODERATOR)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of every session and remember cookie of this account (see get_id): a new key ends
    # them all at once, on every device and in every worker.
    session_key: Mapped[str] = mapped_column(sa.String(64), default=new_session_key)
    # Asked on their account page for a digest when comments wait too long (mail/digest.py).
    digest_opt_in: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # When their last digest was queued: at most one an hour.
    digest_queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and the remember cookie."""
        return f"{self.id}:{self.session_key}"

    def set_password(self, password: str) -> None:
        method = current_app.config["PASSWORD_HASH_METHOD"] if current_app else "scrypt"
        self.password_hash = generate_password_hash(password, method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class FailedLogin(db.Model):
    """One login attempt that did not log anyone in, counted by newsroom/accounts.py."""

    __tablename__ = "failed_logins"
    __table_args__ = (
        # The two counts a login attempt asks for, each read with a LIMIT (accounts.py).
        sa.Index("ix_failed_logins_email_fingerprint_at", "email", "client_fingerprint", "at"),
        sa.Index("ix_failed_logins_email_at", "email", "at"),
        # The admin's staff pages, and pruning the old rows.
        sa.Index("ix_failed_logins_user_id_at", "user_id", "at"),
        sa.Index("ix_failed_logins_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # As typed, after the normalization accounts are found by: attempts on an address that
    # is no account count the same way, so the limit tells nobody which addresses are staff.
    email: Mapped[str] = mapped_column(sa.String(254))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    # HMAC of the client's address (an IPv6 /64 network), never the address itself.
    client_fingerprint: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Section(db.Model):
    __tablename__ = "sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    # None: the site's policy (moderation/policy.py).
    moderation_policy: Mapped[str | None] = mapped_column(sa.String(16))

    articles: Mapped[list[Article]] = relationship(back_populates="section")

    def __repr__(self) -> str:
        return f"<Section {self.slug}>"


class Article(db.Model):
    __tablename__ = "articles"
    __table_args__ = (
        _check_in("status", ArticleStatus),
        sa.Index("ix_articles_status_published_at", "status", "published_at"),
        sa.Index("ix_articles_section_status_published_at", "section_id", "status", "published_at"),
        # Cached article lists are keyed by the latest edit: max(updated_at) must be cheap.
        sa.Index("ix_articles_updated_at", "updated_at"),
        # An import finds what it brought before (newsroom/imports): partial, so articles
        # written here keep no entry in it.
        sa.Index(
            "ix_articles_source_key",
            "source_key",
            unique=True,
            sqlite_where=sa.text("source_key IS NOT NULL"),
            postgresql_where=sa.text("source_key IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(sa.ForeignKey("sections.id"))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(sa.String(200))
    slug: Mapped[str] = mapped_column(sa.String(200), unique=True)
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    body_markdown: Mapped[str] = mapped_column(sa.Text, default="")
    # Rendered and sanitized when the article is saved, never at read time.
    body_html: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(16), default=ArticleStatus.DRAFT)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    comments_open: Mapped[bool] = mapped_column(default=True)
    # None: the section's policy, or the site's (moderation/policy.py).
    moderation_policy: Mapped[str | None] = mapped_column(sa.String(16))
    # Comments close this many days after publication; None: as the site says; 0: never.
    comments_close_after_days: Mapped[int | None] = mapped_column()
    source_name: Mapped[str | None] = mapped_column(sa.String(200))
    source_url: Mapped[str | None] = mapped_column(sa.String(500))
    # The writer's name as the article shows it ("By ..."), when it came from elsewhere
    # (an import); None: no byline.
    byline: Mapped[str | None] = mapped_column(sa.String(120))
    # Where an imported article came from ("wordpress:example.org:12"); None when written
    # here. Running an import again finds its articles by it and adds nothing.
    source_key: Mapped[str | None] = mapped_column(sa.String(300))
    # The lead image (newsroom/images.py): the name its stored sizes share, what it shows,
    # and the large size's proportions, so the page keeps its place before it loads.
    image_name: Mapped[str | None] = mapped_column(sa.String(64))
    image_alt: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    image_width: Mapped[int | None] = mapped_column()
    image_height: Mapped[int | None] = mapped_column()
    # Maintained by moderation/counters.py in the same transaction as each change, so pages never
    # count comments; comments_version keys cached comment lists across workers.
    approved_comment_count: Mapped[int] = mapped_column(default=0)
    comments_version: Mapped[int] = mapped_column(default=0)

    section: Mapped[Section] = relationship(back_populates="articles")
    author: Mapped[User | None] = relationship()

    @staticmethod
    def public_filter(
        now: datetime | sa.BindParameter[datetime] | None = None,
    ) -> sa.ColumnElement[bool]:
        """Readers see published articles whose time has come; scheduling needs no job.

        `now` may be a bound parameter, for statements built once and run many times."""
        return sa.and_(
            Article.status == ArticleStatus.PUBLISHED,
            Article.published_at <= (utcnow() if now is None else now),
        )

    @property
    def public_from(self) -> datetime | None:
        return public_from(self.status, self.published_at)

    def is_public(self, now: datetime | None = None) -> bool:
        return is_public(self.status, self.published_at, now or utcnow())

    def __repr__(self) -> str:
        return f"<Article {self.slug}>"


class ArticleRedirect(db.Model):
    """An address an article used to answer at, kept so old links get a 301: an old slug
    of /articles/<slug>, or a path of the site it was imported from (`old_path`, as
    articles.old_path_key spells it: "?p=12", "2013/03/02/hello")."""

    __tablename__ = "article_redirects"
    __table_args__ = (
        sa.CheckConstraint("old_slug IS NOT NULL OR old_path IS NOT NULL", name="an_address"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    old_slug: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    old_path: Mapped[str | None] = mapped_column(sa.String(300), unique=True)
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("articles.id", ondelete="CASCADE"))

    article: Mapped[Article] = relationship()


class Comment(db.Model):
    __tablename__ = "comments"
    __table_args__ = (
        _check_in("status", CommentStatus),
        sa.Index("ix_comments_status_created_at", "status", "created_at", "id"),
        sa.Index("ix_comments_article_status_created_at", "article_id", "status", "created_at"),
        # Deleting a comment looks for its replies (ON DELETE SET NULL).
        sa.Index("ix_comments_parent_id", "parent_id"),
        # One comment per submission of the form, however often its POST arrives.
        sa.Index("ix_comments_submission_id", "submission_id", unique=True),
        # A commenter's comments, newest first (the commenter page's keyset).
        sa.Index("ix_comments_commenter_created_at", "commenter_id", "created_at"),
        # "Has this commenter sent the same text within a day?" (moderation/submission.py).
        # The digest first: no other query starts there, so none wanders into this index
        # instead of ix_comments_commenter_created_at.
        sa.Index("ix_comments_body_hash_commenter", "body_hash", "commenter_id", "created_at"),
        # The queue of comments published before review, oldest first, by keyset: partial,
        # so it holds those few and no other comment's insert maintains it.
        sa.Index(
            "ix_comments_unreviewed_created_at",
            "created_at",
            "id",
            sqlite_where=sa.text("unreviewed = 1"),
            postgresql_where=sa.text("unreviewed"),
        ),
        # The Reported tab, oldest first: only the few comments with open reports are in it.
        sa.Index(
            "ix_comments_reported_created_at",
            "created_at",
            "id",
            sqlite_where=sa.text("open_reports > 0"),
            postgresql_where=sa.text("open_reports > 0"),
        ),
        # An import finds the comments it brought before: partial, so a reader's new
        # comment adds no entry to it.
        sa.Index(
            "ix_comments_source_key",
            "source_key",
            unique=True,
            sqlite_where=sa.text("source_key IS NOT NULL"),
            postgresql_where=sa.text("source_key IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("articles.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("comments.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(sa.String(80))
    author_email: Mapped[str] = mapped_column(sa.String(254))
    body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(16), default=CommentStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # HMAC of the client address with the secret key: lets moderators see that two
    # comments came from one address without ever storing the address.
    client_fingerprint: Mapped[str | None] = mapped_column(sa.String(64))
    held_reasons: Mapped[str] = mapped_column(sa.String(255), default="")
    # The comment form's one-time id (moderation/submission.py, submit_comment): a POST sent
    # again, its answer lost, is known by it and stored once. None when a client sent none.
    submission_id: Mapped[str | None] = mapped_column(sa.String(64))
    # Who wrote it, by normalized e-mail address; None once the author was erased.
    commenter_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("commenters.id", ondelete="SET NULL")
    )
    # Grows by one with each edit of the text (moderation/editing.py): an edit made on a
    # page that showed an older text is refused.
    text_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # When a moderator last changed the text; readers see "edited by the moderators".
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Written by staff as the organization (a reply), not by a reader.
    by_organization: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Published by the policy before any moderator saw it ("published, unreviewed"); only
    # ever set on an approved comment, cleared by the moderator's review.
    unreviewed: Mapped[bool] = mapped_column(default=False)
    # A digest of the normalized text (moderation/rules.py, body_digest): the same text
    # from the same commenter is found by index.
    body_hash: Mapped[str | None] = mapped_column(sa.String(32))
    # Readers' reports no moderator has answered yet (moderation/reports.py): moved in the
    # same statement as each report, and back to 0 by Keep or by any decision.
    open_reports: Mapped[int] = mapped_column(default=0, server_default="0")
    # Hidden from readers once open_reports reached the site's threshold, until a
    # moderator decides.
    hidden_by_reports: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Moves with each Keep and each decision: a report belongs to the round it came in, and
    # the open reports are those of the comment's current round.
    report_round: Mapped[int] = mapped_column(default=0, server_default="0")
    # Its author ticked "e-mail me" under the form: told once it is published and when a
    # reply to it is (mail/notices.py), until they unsubscribe.
    notify_author: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Where an imported comment came from ("wordpress:example.org:c5", "disqus:789");
    # None for comments written here.
    source_key: Mapped[str | None] = mapped_column(sa.String(300))

    article: Mapped[Article] = relationship()
    commenter: Mapped[Commenter | None] = relationship()

    @property
    def state(self) -> str:
        """Where the comment stands in the lifecycle: its status, or "unreviewed" for an
        approved comment that still waits for a moderator (moderation/lifecycle.py)."""
        return UNREVIEWED if self.unreviewed else self.status

    def __repr__(self) -> str:
        return f"<Comment {self.id} {self.status}>"


class ModerationEvent(db.Model):
    """One decision on one comment, or an edit, a reply or a deletion (`action`).
    Append-only: never updated, never deleted alone."""

    __tablename__ = "moderation_events"
    __table_args__ = (
        _check_in("action", EventAction),
        sa.Index("ix_moderation_events_comment_at", "comment_id", "at"),
        sa.Index("ix_moderation_events_at", "at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # None only for a deletion: the comment is gone, the event says who deleted it and when.
    comment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("comments.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(
        sa.String(16), default=EventAction.DECISION, server_default=EventAction.DECISION.value
    )
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    from_status: Mapped[str] = mapped_column(sa.String(16))
    to_status: Mapped[str] = mapped_column(sa.String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(sa.String(255), default="")
    # Set when no person decided: the rule that did ("banned"). A person's decision has
    # an actor (None only once their account was deleted) and no rule.
    rule: Mapped[str | None] = mapped_column(sa.String(64))
    # The rejection reason the moderator picked (its words as they were then), or "".
    reason: Mapped[str] = mapped_column(sa.String(80), default="", server_default="")

    comment: Mapped[Comment | None] = relationship()
    actor: Mapped[User | None] = relationship()

    @property
    def decided_by(self) -> str:
        """Who decided, in words: a moderator's name, "the rules", or a deleted account."""
        if self.rule is not None:
            return "the rules"
        return self.actor.display_name if self.actor is not None else "a former colleague"


class CommentEdit(db.Model):
    """One edit of a comment's text by a moderator: the text before and after, for staff
    only. Goes with its comment (a deletion or an erasure leaves none of the text)."""

    __tablename__ = "comment_edits"
    __table_args__ = (sa.Index("ix_comment_edits_comment_id", "comment_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(sa.ForeignKey("comments.id", ondelete="CASCADE"))
    # The edit's event (who and when); the event outlives nothing of the text.
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("moderation_events.id", ondelete="CASCADE"), unique=True
    )
    body_before: Mapped[str] = mapped_column(sa.Text)
    body_after: Mapped[str] = mapped_column(sa.Text)
    # The comment's edited_at before this edit (None: as its reader wrote it), so undoing
    # the edit gives the text back unmarked.
    edited_at_before: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The comment's text_version after this edit: undone only while it still holds.
    text_version: Mapped[int] = mapped_column()

    event: Mapped[ModerationEvent] = relationship()


class CommentReport(db.Model):
    """One reader's report of one approved comment. A reader (by client fingerprint) reports
    a comment once; a report stays open until a moderator keeps or decides the comment,
    which starts the comment's next round (Comment.report_round)."""

    __tablename__ = "comment_reports"
    __table_args__ = (
        _check_in("reason", ReportReason),
        sa.UniqueConstraint("comment_id", "fingerprint"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(sa.ForeignKey("comments.id", ondelete="CASCADE"))
    # HMAC of the reader's address (screening.client_fingerprint), never the address.
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    reason: Mapped[str] = mapped_column(sa.String(16))
    # The reader's few words ("other"), shown to staff only.
    detail: Mapped[str] = mapped_column(sa.String(200), default="")
    round: Mapped[int] = mapped_column()
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RejectionReason(db.Model):
    """One of the admins' short list of reasons a moderator can give when rejecting."""

    __tablename__ = "rejection_reasons"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(sa.String(80), unique=True)
    position: Mapped[int] = mapped_column(default=0)


class Commenter(db.Model):
    """One reader who comments, known by their normalized e-mail address (normalize_email
    in moderation/commenters.py), with kept counts of how their comments were decided.

    The counts move in the same transaction as each decision (moderation/counters.py), so
    the queue shows a commenter's record without counting their comments. Their standing
    changes only through moderation/commenters.py, each change a CommenterEvent; the
    version grows by one with each, so a change made on a stale page is refused.
    """

    __tablename__ = "commenters"
    __table_args__ = (_check_in("standing", Standing),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_count: Mapped[int] = mapped_column(default=0)
    rejected_count: Mapped[int] = mapped_column(default=0)
    spam_count: Mapped[int] = mapped_column(default=0)
    # How often readers brought one of their comments to the moderators (a comment's first
    # open report; moderation/reports.py).
    reported_count: Mapped[int] = mapped_column(default=0)
    standing: Mapped[str] = mapped_column(sa.String(16), default=Standing.NORMAL)
    # While banned: why (shown to staff only) and until when (None: until lifted).
    ban_reason: Mapped[str] = mapped_column(sa.String(255), default="")
    banned_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    standing_version: Mapped[int] = mapped_column(default=0)
    # When one of their comments was last rejected or marked as spam: a commenter rejected
    # lately is held again under the "hold first-time commenters" policy.
    last_rejected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def is_banned(self, now: datetime | None = None) -> bool:
        """Banned, and the ban has not ended: an expired ban no longer applies."""
        return is_banned(self.standing, self.banned_until, now or utcnow())

    @property
    def decided_total(self) -> int:
        return self.approved_count + self.rejected_count + self.spam_count + self.reported_count

    def __repr__(self) -> str:
        return f"<Commenter {self.id} {self.standing}>"


class CommenterFingerprint(db.Model):
    """A client fingerprint (the HMAC of an address, never the address) a commenter posted
    from. A ban reaches every fingerprint of the banned commenter, whatever e-mail address
    comes with it."""

    __tablename__ = "commenter_fingerprints"
    __table_args__ = (
        sa.PrimaryKeyConstraint("commenter_id", "fingerprint"),
        # "Is this address one a banned commenter used?", on every comment posted: only
        # the banned commenters' fingerprints are in it. An index of every fingerprint
        # walked all the commenters who share an address (an office, a mobile network's
        # gateway), and PostgreSQL's plan for any address chose it for the link lookup too.
        sa.Index(
            "ix_commenter_fingerprints_banned",
            "fingerprint",
            sqlite_where=sa.text("banned = 1"),
            postgresql_where=sa.text("banned"),
        ),
    )

    commenter_id: Mapped[int] = mapped_column(sa.ForeignKey("commenters.id", ondelete="CASCADE"))
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    # The commenter is banned: their standing, kept on each of their fingerprints by every
    # change of it (moderation/commenters.py), for the index above.
    banned: Mapped[bool] = mapped_column(default=False, server_default=sa.false())


class CommenterEvent(db.Model):
    """One change of a commenter's standing: who, when, why, and the standing it left.
    Append-only; an undo is a new event restoring the standing before. `version` is the
    commenter's standing_version after the change: unique per commenter, so two changes
    made from the same page can't both land."""

    __tablename__ = "commenter_events"
    __table_args__ = (
        _check_in("from_standing", Standing),
        _check_in("to_standing", Standing),
        sa.UniqueConstraint("commenter_id", "version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commenter_id: Mapped[int] = mapped_column(sa.ForeignKey("commenters.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    from_standing: Mapped[str] = mapped_column(sa.String(16))
    to_standing: Mapped[str] = mapped_column(sa.String(16))
    # Why, in the staff member's words (a ban's reason); "undo of #n" for an undo.
    reason: Mapped[str] = mapped_column(sa.String(255), default="")
    # The standing it left, in full: a ban's reason and end, so undoing the next change
    # can restore them.
    ban_reason: Mapped[str] = mapped_column(sa.String(255), default="")
    banned_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column()
    # The event this one undid, if it is an undo.
    undoes_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("commenter_events.id", ondelete="SET NULL")
    )

    actor: Mapped[User | None] = relationship()


class ModerationRules(db.Model):
    """The rules every new comment is screened by (moderation/rules.py): one row, id 1,
    edited by admins. `version` is new with each save, so every process knows its compiled
    copy is current from one value read with the article (no query for the lists)."""

    __tablename__ = "moderation_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    # One word or phrase a line.
    blocked_rejected: Mapped[str] = mapped_column(sa.Text, default="")
    blocked_spam: Mapped[str] = mapped_column(sa.Text, default="")
    suspect: Mapped[str] = mapped_column(sa.Text, default="")
    # More links than this hold a comment; None: any number.
    max_links: Mapped[int | None] = mapped_column()
    # Shorter comments (in characters) are held; 0: any length.
    min_length: Mapped[int] = mapped_column(default=0)
    # The same text from the same commenter within a day is spam.
    duplicates_are_spam: Mapped[bool] = mapped_column(default=False)
    version: Mapped[str] = mapped_column(sa.String(32), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    updated_by: Mapped[User | None] = relationship()


# Rows per status in comment_tallies: comments whose ids differ modulo this move different
# rows, so concurrent comments and decisions rarely wait for each other's row lock.
TALLY_SHARDS = 16


class CommentTally(db.Model):
    """How many comments are in each status, kept in step by moderation/counters.py: a
    status's count is the sum of its TALLY_SHARDS rows, and a comment moves the rows of shard
    `comment id % TALLY_SHARDS`.

    Tab counts and the pending badge read these rows instead of counting a million.
    """

    __tablename__ = "comment_tallies"

    status: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    shard: Mapped[int] = mapped_column(primary_key=True)
    total: Mapped[int] = mapped_column(default=0)


class Erasure(db.Model):
    """One commenter's data erased at their request (privacy.py): who did it, when, how and
    to how many comments. The commenter is kept only as a keyed digest of their e-mail
    address, so "did we erase this address?" has an answer without keeping the address."""

    __tablename__ = "privacy_erasures"
    __table_args__ = (
        _check_in("mode", ErasureMode),
        sa.Index("ix_privacy_erasures_email_digest", "email_digest"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    mode: Mapped[str] = mapped_column(sa.String(16))
    comment_count: Mapped[int] = mapped_column()
    email_digest: Mapped[str] = mapped_column(sa.String(64))

    actor: Mapped[User | None] = relationship()


class SiteSettings(db.Model):
    """The organization's identity and comment policy: one row, edited by admins."""

    __tablename__ = "site_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_name: Mapped[str] = mapped_column(sa.String(120), default="Newsroom")
    tagline: Mapped[str] = mapped_column(sa.String(200), default="")
    contact_email: Mapped[str] = mapped_column(sa.String(254), default="")
    street_address: Mapped[str] = mapped_column(sa.String(255), default="")
    telephone: Mapped[str] = mapped_column(sa.String(40), default="")
    fax: Mapped[str] = mapped_column(sa.String(40), default="")
    footer_text: Mapped[str] = mapped_column(sa.String(200), default="")
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    comment_policy: Mapped[str] = mapped_column(sa.Text, default="")
    comments_open_by_default: Mapped[bool] = mapped_column(default=True)
    # How new comments are moderated, where no section or article says otherwise.
    moderation_policy: Mapped[str] = mapped_column(sa.String(16), default=Policy.HOLD_ALL)
    # Under Policy.HOLD_NEW: the approved comments a commenter needs to skip the queue.
    trusted_after_approved: Mapped[int] = mapped_column(default=2)
    # Comments close this many days after an article's publication; None: never.
    comments_close_after_days: Mapped[int | None] = mapped_column()
    # Open reports that hide a comment from readers until a moderator decides.
    report_threshold: Mapped[int] = mapped_column(default=3, server_default="3")
    # The moderators' digest goes out when the oldest pending comment has waited longer than
    # this many minutes, or when more than this many comments wait; None: not for that.
    digest_after_minutes: Mapped[int | None] = mapped_column(default=60, server_default="60")
    digest_queue_size: Mapped[int | None] = mapped_column(default=20, server_default="20")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class MailKind(StrEnum):
    """What a message in the outbox says (newsroom/mail/)."""

    # To a commenter who asked: their comment is published.
    PUBLISHED = "published"
    # To a commenter who asked: a reply to their comment is published.
    REPLY = "reply"
    # To a moderator who asked: comments are waiting.
    DIGEST = "digest"


class MailStatus(StrEnum):
    QUEUED = "queued"
    # Claimed by a worker until lease_until; a worker that died leaves it to the next one.
    SENDING = "sending"
    SENT = "sent"
    # Refused for good by the recipient's server (5xx): the address is suppressed.
    BOUNCED = "bounced"
    # Refused for good for another reason (the message itself); kept, never retried.
    FAILED = "failed"
    # No longer wanted when its turn came: the comment was withdrawn or deleted, its author
    # unsubscribed, the address was suppressed since, or the backlog cleared.
    DROPPED = "dropped"


class OutboxMessage(db.Model):
    """One e-mail to send, written in the same transaction as the event that causes it and
    sent by the worker (`flask mail-worker`, newsroom/mail/worker.py). It holds what the
    message is about, not its text: the text is drawn when it is sent, from the comment as
    it stands then, so nothing goes out about a comment withdrawn in the meantime."""

    __tablename__ = "mail_outbox"
    __table_args__ = (
        _check_in("kind", MailKind),
        _check_in("status", MailStatus),
        # The worker's claim: queued messages whose time has come, and leases run out.
        sa.Index("ix_mail_outbox_status_next_attempt_at", "status", "next_attempt_at"),
        # What one address received lately (the daily limit), and erasing an address.
        sa.Index("ix_mail_outbox_recipient_created_at", "recipient", "created_at"),
        # Deleting a comment deletes its messages (ON DELETE CASCADE).
        sa.Index("ix_mail_outbox_comment_id", "comment_id"),
        sa.Index("ix_mail_outbox_reply_id", "reply_id"),
        sa.Index("ix_mail_outbox_user_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    recipient: Mapped[str] = mapped_column(sa.String(254))
    # The commenter's comment (published, reply), the reply (reply), the moderator (digest).
    comment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("comments.id", ondelete="CASCADE"))
    reply_id: Mapped[int | None] = mapped_column(sa.ForeignKey("comments.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    # One message per thing said ("published:12"): said twice, it is queued once.
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    status: Mapped[str] = mapped_column(sa.String(16), default=MailStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The worker holding it, and until when; a worker only marks what it still holds.
    claim_token: Mapped[str | None] = mapped_column(sa.String(32))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(sa.String(255), default="")


class MailSuppression(db.Model):
    """An address no message goes to any more: its server refused it for good (5xx)."""

    __tablename__ = "mail_suppressions"

    email: Mapped[str] = mapped_column(sa.String(254), primary_key=True)
    reason: Mapped[str] = mapped_column(sa.String(255), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class UsedMailLink(db.Model):
    """A signed link from a digest (approve or reject) that was used: each works once."""

    __tablename__ = "used_mail_links"
    __table_args__ = (sa.Index("ix_used_mail_links_used_at", "used_at"),)

    nonce: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
