"""an article's lead image: the name its stored sizes share, its alt text and proportions

The files live under instance/uploads/ (newsroom/images.py); the row names them, says what
the picture shows, and keeps the large size's width and height so the page reserves its
space before the picture arrives. Added in place (never a copy of articles: with foreign
keys on, dropping the old table would delete every comment).

Revision ID: 0023
Revises: 0022
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("articles", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("image_name", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("image_alt", sa.String(length=300), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("image_width", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("image_height", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("articles", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("image_height")
        batch_op.drop_column("image_width")
        batch_op.drop_column("image_alt")
        batch_op.drop_column("image_name")
