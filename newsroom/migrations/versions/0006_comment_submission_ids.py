"""comments.submission_id: the comment form's one-time id, unique

A reader's browser sends the comment form again when the answer to the first POST was
lost (the server was killed after storing it, the network dropped). The form carries an id
drawn for each page view; the unique index makes a second POST with the same id store
nothing, and lets the server answer it like the first. Comments stored before have none
(NULL), as do POSTs from clients that send none: NULLs never collide.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    # SQLite adds a nullable column and an index in place: no copy of the table.
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("submission_id", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_comments_submission_id", ["submission_id"], unique=True)


def downgrade():
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index("ix_comments_submission_id")
        batch_op.drop_column("submission_id")
