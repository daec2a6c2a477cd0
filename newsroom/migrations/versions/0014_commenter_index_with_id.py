"""ix_comments_commenter_created_at ends with the id, as the queue's index does

A commenter's page reads their comments newest first by keyset, (created_at, id) below
the last row shown. With the id in the index the whole position is an index condition;
without it PostgreSQL could prefer another index's range and sort what it found.

Revision ID: 0014
Revises: 0013
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index("ix_comments_commenter_created_at")
        batch_op.create_index(
            "ix_comments_commenter_created_at", ["commenter_id", "created_at", "id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index("ix_comments_commenter_created_at")
        batch_op.create_index(
            "ix_comments_commenter_created_at", ["commenter_id", "created_at"], unique=False
        )
