"""drop articles.pending_comment_count: a waiting comment moves no article row

Every new comment added one to its article's pending count, so every comment on a busy
story updated that story's row. On PostgreSQL each update leaves a dead row version in the
chain that every later read of the row walks until vacuum prunes it: after a few thousand
comments, finding the article by its slug took 1.5 ms, and so did the foreign-key check of
each new comment, and comment POSTs fell to a third of SQLite's rate. The one page that
showed the count, the admin's article list, counts its page's pending comments instead.

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+), never a copy of articles: with foreign
    # keys on, dropping the old table would delete every comment (ON DELETE CASCADE).
    with op.batch_alter_table("articles", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("pending_comment_count")


def downgrade():
    with op.batch_alter_table("articles", schema=None, recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column("pending_comment_count", sa.Integer(), nullable=False, server_default="0")
        )
    op.execute(
        "UPDATE articles SET pending_comment_count = (SELECT count(*) FROM comments"
        " WHERE comments.article_id = articles.id AND comments.status = 'pending')"
    )
