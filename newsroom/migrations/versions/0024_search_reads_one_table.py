"""readers' search reads one table on PostgreSQL: when each article is public, and its
tsvector kept in the row

`article_search.visible_from` is the article's publication time when it is published, NULL
for a draft: the search takes its candidates from `article_search` alone, walking it
newest first, instead of joining `articles` (whose rows hold the body twice) for each. It is
written with the rest of the row by newsroom/search.py's `index_article`, which the one
service that changes an article's status or time calls in the same transaction.

The tsvector (`document`) is stored in the row (STORAGE MAIN) instead of beside it: with
the compressed body it made most rows too long to keep whole, and PostgreSQL moved the
tsvector out of line, so every candidate's match and rank read it through the TOAST index.
The body, read only for a page's ten snippets, goes out of line instead. Every row is
written again so both take effect (the generated tsvector is computed anew).

SQLite's FTS5 table is unchanged: it needs neither.

Revision ID: 0024
Revises: 0023
"""

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute("ALTER TABLE article_search ALTER COLUMN document SET STORAGE MAIN")
    op.execute("ALTER TABLE article_search ADD COLUMN visible_from timestamp with time zone")
    op.execute(
        "UPDATE article_search SET visible_from = CASE WHEN articles.status = 'published'"
        " THEN articles.published_at END FROM articles WHERE articles.id = article_search.article_id"
    )


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute("ALTER TABLE article_search DROP COLUMN visible_from")
    op.execute("ALTER TABLE article_search ALTER COLUMN document SET STORAGE EXTENDED")
