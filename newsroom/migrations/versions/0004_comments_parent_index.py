"""index comments.parent_id

Deleting a comment sets its replies' parent_id to NULL: without an index PostgreSQL
looks for those replies by reading the whole comments table, once per deleted comment.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.create_index("ix_comments_parent_id", ["parent_id"], unique=False)


def downgrade():
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index("ix_comments_parent_id")
