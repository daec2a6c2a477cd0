"""moderators' search on PostgreSQL: each comment keeps its tsvector in a stored column

The dashboard's search of a word found in too many comments to list checks each comment it
walks in the queue's order (newsroom/search.py, `comments_matching`), and a GIN match is
rechecked on the row: both made the comment's tsvector anew (`to_tsvector` parses and stems
the whole text, tens of microseconds a comment): 7-14 ms for a page of a word in half of a
million comments. Stored, it is made once, when the comment is written or its text or
author's name changes; the GIN index moves from the expression to the column. SQLite's
FTS5 index (comment_search) is unchanged.

Every comment is written again: on a million comments this takes a few minutes, with the
table locked.

Revision ID: 0025
Revises: 0024
"""

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

# The tsvector migration 0022 indexed, now stored.
COMMENT_DOCUMENT = "to_tsvector('english'::regconfig, author_name || ' ' || body)"


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute("DROP INDEX ix_comments_search")
    op.execute(
        "ALTER TABLE comments ADD COLUMN search_document tsvector"
        f" GENERATED ALWAYS AS ({COMMENT_DOCUMENT}) STORED"
    )
    op.execute("CREATE INDEX ix_comments_search ON comments USING gin (search_document)")


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute("DROP INDEX ix_comments_search")
    op.execute("ALTER TABLE comments DROP COLUMN search_document")
    op.execute(f"CREATE INDEX ix_comments_search ON comments USING gin (({COMMENT_DOCUMENT}))")
