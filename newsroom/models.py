"""The data: staff, sections, articles, comments, moderation events and site settings."""

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
    source_name: Mapped[str | None] = mapped_column(sa.String(200))
    source_url: Mapped[str | None] = mapped_column(sa.String(500))
    # Maintained by moderation/counters.py in the same transaction as each change, so pages never
    # count comments; comments_version keys cached comment lists across workers.
    approved_comment_count: Mapped[int] = mapped_column(default=0)
    pending_comment_count: Mapped[int] = mapped_column(default=0)
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

    def is_public(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return (
            self.status == ArticleStatus.PUBLISHED
            and self.published_at is not None
            and self.published_at <= now
        )

    def __repr__(self) -> str:
        return f"<Article {self.slug}>"


class ArticleRedirect(db.Model):
    """An address an article used to answer at, kept so old links get a 301."""

    __tablename__ = "article_redirects"

    id: Mapped[int] = mapped_column(primary_key=True)
    old_slug: Mapped[str] = mapped_column(sa.String(200), unique=True)
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("articles.id", ondelete="CASCADE"))

    article: Mapped[Article] = relationship()


class Comment(db.Model):
    __tablename__ = "comments"
    __table_args__ = (
        _check_in("status", CommentStatus),
        sa.Index("ix_comments_status_created_at", "status", "created_at", "id"),
        sa.Index("ix_comments_article_status_created_at", "article_id", "status", "created_at"),
        sa.Index("ix_comments_client_fingerprint_status", "client_fingerprint", "status"),
        # Deleting a comment looks for its replies (ON DELETE SET NULL).
        sa.Index("ix_comments_parent_id", "parent_id"),
        # One comment per submission of the form, however often its POST arrives.
        sa.Index("ix_comments_submission_id", "submission_id", unique=True),
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
    # The comment form's one-time id (moderation/lifecycle.py, submit_comment): a POST sent
    # again, its answer lost, is known by it and stored once. None when a client sent none.
    submission_id: Mapped[str | None] = mapped_column(sa.String(64))

    article: Mapped[Article] = relationship()

    def __repr__(self) -> str:
        return f"<Comment {self.id} {self.status}>"


class ModerationEvent(db.Model):
    """One decision on one comment. Append-only: never updated, never deleted alone."""

    __tablename__ = "moderation_events"
    __table_args__ = (
        sa.Index("ix_moderation_events_comment_at", "comment_id", "at"),
        sa.Index("ix_moderation_events_at", "at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(sa.ForeignKey("comments.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    from_status: Mapped[str] = mapped_column(sa.String(16))
    to_status: Mapped[str] = mapped_column(sa.String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(sa.String(255), default="")

    comment: Mapped[Comment] = relationship()
    actor: Mapped[User | None] = relationship()


class CommentTally(db.Model):
    """How many comments are in each status, kept in step by moderation/counters.py.

    Tab counts and the pending badge read four rows instead of counting a million.
    """

    __tablename__ = "comment_tallies"

    status: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
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
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
