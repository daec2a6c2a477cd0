"""index comments by (client_fingerprint, status) for the first-comment check

The check asks "has a comment from this address been approved?". With an index on the
fingerprint alone SQLite, lacking statistics, walked the status index instead: every
approved comment, for every new comment.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_comments_client_fingerprint_status", ["client_fingerprint", "status"], unique=False
        )
        batch_op.drop_index("ix_comments_client_fingerprint")


def downgrade():
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.create_index("ix_comments_client_fingerprint", ["client_fingerprint"], unique=False)
        batch_op.drop_index("ix_comments_client_fingerprint_status")
