"""readers' reports and rejection reasons

comment_reports holds each reader's report of a comment (one per comment and client
fingerprint); comments gets its open report count, whether the reports hide it, and the
round its open reports belong to, with a partial index for the dashboard's Reported tab.
rejection_reasons is the admins' short list; moderation_events.reason keeps the one a
moderator picked; site_settings.report_threshold says how many open reports hide a comment.

Columns are added in place, never by copying a table: SQLite copies a table by dropping the
old one, and with foreign keys on that drop deletes every moderation event (ON DELETE
CASCADE). Each keeps its server default, so rows written without it get the model's value.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

REASONS = "'abusive', 'spam', 'off-topic', 'other'"


def upgrade():
    with op.batch_alter_table("comments", schema=None, recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column("open_reports", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column(
                "hidden_by_reports", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch_op.add_column(
            sa.Column("report_round", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.create_index(
            "ix_comments_reported_created_at",
            ["created_at", "id"],
            unique=False,
            sqlite_where=sa.text("open_reports > 0"),
            postgresql_where=sa.text("open_reports > 0"),
        )
    with op.batch_alter_table("moderation_events", schema=None, recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column("reason", sa.String(length=80), nullable=False, server_default="")
        )
    with op.batch_alter_table("site_settings", schema=None, recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column("report_threshold", sa.Integer(), nullable=False, server_default="3")
        )
    op.create_table(
        "comment_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.String(length=200), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"reason IN ({REASONS})", name=op.f("ck_comment_reports_reason_valid")),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comments.id"],
            name=op.f("fk_comment_reports_comment_id_comments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment_reports")),
        sa.UniqueConstraint(
            "comment_id", "fingerprint", name=op.f("uq_comment_reports_comment_id")
        ),
    )
    op.create_table(
        "rejection_reasons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rejection_reasons")),
        sa.UniqueConstraint("label", name=op.f("uq_rejection_reasons_label")),
    )
    # The new columns have no statistics, and PostgreSQL's autovacuum analyzes a table only
    # after a tenth of its rows change: without them the planner guessed a third of a
    # million comments matched a partial index's condition and scanned the table.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ANALYZE comments")


def downgrade():
    op.drop_table("rejection_reasons")
    op.drop_table("comment_reports")
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+), not a copy of the table: see above.
    with op.batch_alter_table("site_settings", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("report_threshold")
    with op.batch_alter_table("moderation_events", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("reason")
    with op.batch_alter_table("comments", schema=None, recreate="never") as batch_op:
        batch_op.drop_index("ix_comments_reported_created_at")
        batch_op.drop_column("report_round")
        batch_op.drop_column("hidden_by_reports")
        batch_op.drop_column("open_reports")
