"""the mail outbox: notices to commenters, digests to moderators

mail_outbox holds each message to send, written in the same transaction as what causes it
and sent by `flask mail-worker`; mail_suppressions the addresses refused for good;
used_mail_links the digest's approve and reject links already used. comments.notify_author
is the commenter's "e-mail me"; users.digest_opt_in and digest_queued_at a moderator's wish
for digests and the last one; site_settings says when a digest goes out.

Columns are added in place, never by copying a table: SQLite copies a table by dropping the
old one, and with foreign keys on that drop deletes every moderation event (ON DELETE
CASCADE). Each keeps its server default, so rows written without it get the model's value.

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

KINDS = "'published', 'reply', 'digest'"
STATUSES = "'queued', 'sending', 'sent', 'bounced', 'failed', 'dropped'"


def upgrade():
    with op.batch_alter_table("comments", schema=None, recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column("notify_author", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("users", schema=None, recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column("digest_opt_in", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("digest_queued_at", sa.DateTime(timezone=True)))
    with op.batch_alter_table("site_settings", schema=None, recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column("digest_after_minutes", sa.Integer(), nullable=True, server_default="60")
        )
        batch_op.add_column(
            sa.Column("digest_queue_size", sa.Integer(), nullable=True, server_default="20")
        )
    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=True),
        sa.Column("reply_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("dedupe_key", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=255), nullable=False),
        sa.CheckConstraint(f"kind IN ({KINDS})", name=op.f("ck_mail_outbox_kind_valid")),
        sa.CheckConstraint(f"status IN ({STATUSES})", name=op.f("ck_mail_outbox_status_valid")),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comments.id"],
            name=op.f("fk_mail_outbox_comment_id_comments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reply_id"],
            ["comments.id"],
            name=op.f("fk_mail_outbox_reply_id_comments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_mail_outbox_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_outbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_mail_outbox_dedupe_key")),
    )
    with op.batch_alter_table("mail_outbox", schema=None, recreate="never") as batch_op:
        batch_op.create_index(
            "ix_mail_outbox_status_next_attempt_at", ["status", "next_attempt_at"]
        )
        batch_op.create_index("ix_mail_outbox_recipient_created_at", ["recipient", "created_at"])
        batch_op.create_index("ix_mail_outbox_comment_id", ["comment_id"])
        batch_op.create_index("ix_mail_outbox_reply_id", ["reply_id"])
        batch_op.create_index("ix_mail_outbox_user_id", ["user_id"])
    op.create_table(
        "mail_suppressions",
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("reason", sa.String(length=255), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("email", name=op.f("pk_mail_suppressions")),
    )
    op.create_table(
        "used_mail_links",
        sa.Column("nonce", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_used_mail_links_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("nonce", name=op.f("pk_used_mail_links")),
    )
    with op.batch_alter_table("used_mail_links", schema=None, recreate="never") as batch_op:
        batch_op.create_index("ix_used_mail_links_used_at", ["used_at"])


def downgrade():
    op.drop_table("used_mail_links")
    op.drop_table("mail_suppressions")
    op.drop_table("mail_outbox")
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+), not a copy of the table: see above.
    with op.batch_alter_table("site_settings", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("digest_queue_size")
        batch_op.drop_column("digest_after_minutes")
    with op.batch_alter_table("users", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("digest_queued_at")
        batch_op.drop_column("digest_opt_in")
    with op.batch_alter_table("comments", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("notify_author")
