"""imports: where articles and comments came from, bylines, and old paths that redirect

An import from WordPress or Disqus keeps each row's id there (`source_key`), so running it
again adds nothing; the indexes are partial, so what is written here keeps no entry in
them. An imported article shows its writer's name (`byline`). Old addresses of the site an
article came from ("?p=12", "2013/03/02/hello") redirect like old slugs do: a redirect
holds an old slug or an old path.

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_NOT_NULL = "source_key IS NOT NULL"


def upgrade():
    # ALTER TABLE ... ADD COLUMN, never a copy of articles or comments: with foreign keys
    # on, dropping the old table would delete what refers to it (ON DELETE CASCADE).
    with op.batch_alter_table("articles", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("byline", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("source_key", sa.String(length=300), nullable=True))
    with op.batch_alter_table("comments", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("source_key", sa.String(length=300), nullable=True))
    for table in ("articles", "comments"):
        op.create_index(
            f"ix_{table}_source_key",
            table,
            ["source_key"],
            unique=True,
            sqlite_where=sa.text(_NOT_NULL),
            postgresql_where=sa.text(_NOT_NULL),
        )
    # Nothing refers to article_redirects: SQLite may copy it to loosen old_slug.
    with op.batch_alter_table("article_redirects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("old_path", sa.String(length=300), nullable=True))
        batch_op.alter_column("old_slug", existing_type=sa.String(length=200), nullable=True)
        batch_op.create_unique_constraint(op.f("uq_article_redirects_old_path"), ["old_path"])
        batch_op.create_check_constraint(
            "an_address", "old_slug IS NOT NULL OR old_path IS NOT NULL"
        )


def downgrade():
    # An old path has no slug to keep: those redirects go.
    op.execute("DELETE FROM article_redirects WHERE old_slug IS NULL")
    with op.batch_alter_table("article_redirects", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_article_redirects_an_address"), type_="check")
        batch_op.drop_constraint(op.f("uq_article_redirects_old_path"), type_="unique")
        batch_op.alter_column("old_slug", existing_type=sa.String(length=200), nullable=False)
        batch_op.drop_column("old_path")
    for table in ("articles", "comments"):
        op.drop_index(f"ix_{table}_source_key", table_name=table)
    with op.batch_alter_table("comments", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("source_key")
    with op.batch_alter_table("articles", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("source_key")
        batch_op.drop_column("byline")
