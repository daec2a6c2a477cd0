"""comment edits: moderators' edits with their history, replies as the organization, deletions

comments gets text_version (grows with each edit: a stale edit is refused), edited_at
(readers see "edited by the moderators") and by_organization (a staff reply), in place.
comment_edits keeps each edit's text before and after, for staff only; it goes with its
comment. moderation_events gets `action` (decision, edit, reply, deletion), and its
comment_id may be empty: a deletion keeps who and when, and nothing of the comment.

SQLite can't make a column nullable in place: moderation_events is copied (nothing refers
to it, so dropping the old copy deletes nothing else). comments is never copied: with
foreign keys on, dropping it would delete every moderation event (ON DELETE CASCADE).

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

ACTIONS = "'decision', 'edit', 'reply', 'deletion'"


def upgrade():
    with op.batch_alter_table("comments", schema=None, recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column("text_version", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("by_organization", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("moderation_events", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("action", sa.String(length=16), server_default="decision", nullable=False)
        )
        batch_op.alter_column("comment_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_check_constraint(
            op.f("ck_moderation_events_action_valid"), f"action IN ({ACTIONS})"
        )
    op.create_table(
        "comment_edits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("body_before", sa.Text(), nullable=False),
        sa.Column("body_after", sa.Text(), nullable=False),
        sa.Column("edited_at_before", sa.DateTime(timezone=True), nullable=True),
        sa.Column("text_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comments.id"],
            name=op.f("fk_comment_edits_comment_id_comments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["moderation_events.id"],
            name=op.f("fk_comment_edits_event_id_moderation_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment_edits")),
        sa.UniqueConstraint("event_id", name=op.f("uq_comment_edits_event_id")),
    )
    with op.batch_alter_table("comment_edits", schema=None) as batch_op:
        batch_op.create_index("ix_comment_edits_comment_id", ["comment_id", "id"], unique=False)


def downgrade():
    op.drop_table("comment_edits")
    # Deletions answer for no comment: before this revision every event had one.
    op.execute("DELETE FROM moderation_events WHERE comment_id IS NULL")
    with op.batch_alter_table("moderation_events", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_moderation_events_action_valid"), type_="check")
        batch_op.alter_column("comment_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("action")
    with op.batch_alter_table("comments", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("by_organization")
        batch_op.drop_column("edited_at")
        batch_op.drop_column("text_version")
