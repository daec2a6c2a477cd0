"""policy and rules: how new comments are moderated, the rules they are screened by, and
comments closing by themselves

The moderation policy for the site (site_settings.moderation_policy, with the approved
comments a commenter needs under "hold first-time commenters"), overridable per section
and per article (NULL: as the level above says); comments closing a number of days after
publication (site_settings and articles.comments_close_after_days); the one row of
moderation_rules; on comments, `unreviewed` (published by the policy before review) and
`body_hash` (the normalized text's digest, for the duplicate rule), each with its index
(the unreviewed one partial: it holds those comments only);
on commenters, when one of their comments was last rejected; and the tally of unreviewed
comments beside the four statuses' (in as many shards as theirs, 0013).

Every new column is added in place, never by copying a table (a copy of articles or
comments on SQLite drops the old table, and with foreign keys on that deletes every
comment and moderation event by ON DELETE CASCADE); the NOT NULL ones keep their server
default, so bulk loads that name only the old columns still work. Existing comments keep
no digest (the duplicate rule looks back one day only) and none is unreviewed.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# As 0013_sharded_comment_tallies.SHARDS (a migration never imports models).
TALLY_SHARDS = 16


def upgrade():
    with op.batch_alter_table("site_settings", schema=None, recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column(
                "moderation_policy",
                sa.String(length=16),
                nullable=False,
                server_default="hold_all",
            )
        )
        batch_op.add_column(
            sa.Column(
                "trusted_after_approved", sa.Integer(), nullable=False, server_default="2"
            )
        )
        batch_op.add_column(sa.Column("comments_close_after_days", sa.Integer(), nullable=True))
    with op.batch_alter_table("sections", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("moderation_policy", sa.String(length=16), nullable=True))
    with op.batch_alter_table("articles", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("moderation_policy", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("comments_close_after_days", sa.Integer(), nullable=True))
    with op.batch_alter_table("comments", schema=None, recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column("unreviewed", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("body_hash", sa.String(length=32), nullable=True))
    with op.batch_alter_table("commenters", schema=None, recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column("last_rejected_at", sa.DateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "moderation_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("blocked_rejected", sa.Text(), nullable=False),
        sa.Column("blocked_spam", sa.Text(), nullable=False),
        sa.Column("suspect", sa.Text(), nullable=False),
        sa.Column("max_links", sa.Integer(), nullable=True),
        sa.Column("min_length", sa.Integer(), nullable=False),
        sa.Column("duplicates_are_spam", sa.Boolean(), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_moderation_rules_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_rules")),
    )
    op.bulk_insert(
        sa.table(
            "comment_tallies",
            sa.column("status", sa.String),
            sa.column("shard", sa.Integer),
            sa.column("total", sa.Integer),
        ),
        [{"status": "unreviewed", "shard": shard, "total": 0} for shard in range(TALLY_SHARDS)],
    )
    # A commenter rejected lately, as the moderation trail knows it.
    op.execute(
        "UPDATE commenters SET last_rejected_at = ("
        " SELECT max(moderation_events.at) FROM moderation_events"
        " JOIN comments ON comments.id = moderation_events.comment_id"
        " WHERE comments.commenter_id = commenters.id"
        " AND moderation_events.to_status IN ('rejected', 'spam'))"
    )
    with op.batch_alter_table("comments", schema=None, recreate="never") as batch_op:
        batch_op.create_index(
            "ix_comments_body_hash_commenter",
            ["body_hash", "commenter_id", "created_at"],
            unique=False,
        )
        # Partial: it holds the unreviewed only, and no other comment's insert touches it.
        batch_op.create_index(
            "ix_comments_unreviewed_created_at",
            ["created_at", "id"],
            unique=False,
            sqlite_where=sa.text("unreviewed = 1"),
            postgresql_where=sa.text("unreviewed"),
        )
    # The new columns have no statistics, and PostgreSQL's autovacuum analyzes a table only
    # after a tenth of its rows change: without them the planner guessed a third of a
    # million comments matched a partial index's condition and scanned the table.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ANALYZE comments")


def downgrade():
    with op.batch_alter_table("comments", schema=None, recreate="never") as batch_op:
        batch_op.drop_index("ix_comments_unreviewed_created_at")
        batch_op.drop_index("ix_comments_body_hash_commenter")
    op.execute("DELETE FROM comment_tallies WHERE status = 'unreviewed'")
    op.drop_table("moderation_rules")
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+), not a copy of the table: see above.
    with op.batch_alter_table("commenters", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("last_rejected_at")
    with op.batch_alter_table("comments", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("body_hash")
        batch_op.drop_column("unreviewed")
    with op.batch_alter_table("articles", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("comments_close_after_days")
        batch_op.drop_column("moderation_policy")
    with op.batch_alter_table("sections", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("moderation_policy")
    with op.batch_alter_table("site_settings", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("comments_close_after_days")
        batch_op.drop_column("trusted_after_approved")
        batch_op.drop_column("moderation_policy")
