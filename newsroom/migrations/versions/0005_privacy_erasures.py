"""privacy_erasures: the record of each commenter's data erased at their request

Who erased, when, how (comments removed or anonymized) and how many; the commenter only as
an HMAC digest of their normalized e-mail address, never the address itself.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "privacy_erasures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("comment_count", sa.Integer(), nullable=False),
        sa.Column("email_digest", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "mode IN ('remove', 'anonymize')", name=op.f("ck_privacy_erasures_mode_valid")
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_privacy_erasures_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_erasures")),
    )
    with op.batch_alter_table("privacy_erasures", schema=None) as batch_op:
        batch_op.create_index("ix_privacy_erasures_email_digest", ["email_digest"], unique=False)


def downgrade():
    with op.batch_alter_table("privacy_erasures", schema=None) as batch_op:
        batch_op.drop_index("ix_privacy_erasures_email_digest")

    op.drop_table("privacy_erasures")
