"""drop ix_comments_client_fingerprint_status: nothing reads comments by address any more

It served "has a comment from this address been approved?", asked of every new comment
until commenters were known by their e-mail (0008): that question now goes to the
commenters and their linked fingerprints. No query filters comments by fingerprint, and the
index cost every new comment one more index entry to write.

Revision ID: 0017
Revises: 0016
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("comments", schema=None, recreate="never") as batch_op:
        batch_op.drop_index("ix_comments_client_fingerprint_status")


def downgrade():
    with op.batch_alter_table("comments", schema=None, recreate="never") as batch_op:
        batch_op.create_index(
            "ix_comments_client_fingerprint_status", ["client_fingerprint", "status"], unique=False
        )
