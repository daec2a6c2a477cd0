"""full-text search: readers search the articles, moderators the comments

Articles: `article_search` holds each article's title, summary and body as plain text (the
body from its sanitized HTML, without markup), kept by the service that saves an article
(newsroom/search.py, called from newsroom/articles.py). On SQLite it is an FTS5 table
whose rowid is the article's id; on PostgreSQL a table with a generated, weighted tsvector
(title A, summary B, body C) and a GIN index on it, removed with its article (ON DELETE
CASCADE).

Comments: on SQLite `comment_search`, an FTS5 index over comments' body and author name
that stores no text of its own (content='comments'), kept by triggers: comments are
written in many places (the form, staff replies, edits, privacy erasure, bulk loads), and
a trigger misses none. On PostgreSQL a GIN index on the same tsvector expression the
queue's search uses (newsroom/search.py, COMMENT_DOCUMENT): nothing to keep in sync.

Both index English text (stemming: "protests" finds "protest").

Revision ID: 0022
Revises: 0020
"""

import html
import re

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0020"
branch_labels = None
depends_on = None

# As newsroom/search.py (a migration never imports the application).
SQLITE_TOKENIZER = "porter unicode61 remove_diacritics 2"
COMMENT_DOCUMENT = "to_tsvector('english'::regconfig, author_name || ' ' || body)"
_TAG = re.compile(r"<[^>]*>")
_MARKERS = re.compile("[\x02\x03]")


def _plain(markup: str | None) -> str:
    """As newsroom/content.py plain_text: the words of sanitized HTML."""
    text = html.unescape(_TAG.sub(" ", markup or ""))
    return " ".join(_MARKERS.sub(" ", text).split())


def _fill_articles(bind) -> None:
    rows = bind.execute(sa.text("SELECT id, title, summary, body_html FROM articles")).all()
    if rows:
        bind.execute(
            sa.text(
                "INSERT INTO article_search (rowid, title, summary, body)"
                " VALUES (:id, :title, :summary, :body)"
                if bind.dialect.name == "sqlite"
                else "INSERT INTO article_search (article_id, title, summary, body)"
                " VALUES (:id, :title, :summary, :body)"
            ),
            [
                {
                    "id": row.id,
                    "title": _MARKERS.sub(" ", row.title or ""),
                    "summary": _MARKERS.sub(" ", row.summary or ""),
                    "body": _plain(row.body_html),
                }
                for row in rows
            ],
        )


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE article_search USING fts5("
            f"title, summary, body, tokenize='{SQLITE_TOKENIZER}')"
        )
        op.execute(
            "CREATE VIRTUAL TABLE comment_search USING fts5(body, author_name,"
            f" content='comments', content_rowid='id', tokenize='{SQLITE_TOKENIZER}')"
        )
        op.execute(
            "CREATE TRIGGER comment_search_insert AFTER INSERT ON comments BEGIN"
            " INSERT INTO comment_search (rowid, body, author_name)"
            " VALUES (new.id, new.body, new.author_name); END"
        )
        op.execute(
            "CREATE TRIGGER comment_search_delete AFTER DELETE ON comments BEGIN"
            " INSERT INTO comment_search (comment_search, rowid, body, author_name)"
            " VALUES ('delete', old.id, old.body, old.author_name); END"
        )
        op.execute(
            "CREATE TRIGGER comment_search_update AFTER UPDATE OF body, author_name ON comments"
            " BEGIN"
            " INSERT INTO comment_search (comment_search, rowid, body, author_name)"
            " VALUES ('delete', old.id, old.body, old.author_name);"
            " INSERT INTO comment_search (rowid, body, author_name)"
            " VALUES (new.id, new.body, new.author_name); END"
        )
        # The comments already there, read from the table the index points at.
        op.execute("INSERT INTO comment_search (comment_search) VALUES ('rebuild')")
    else:
        op.create_table(
            "article_search",
            sa.Column(
                "article_id",
                sa.Integer(),
                sa.ForeignKey("articles.id", ondelete="CASCADE"),
                primary_key=True,
            ),
            sa.Column("title", sa.Text(), nullable=False),
            sa.Column("summary", sa.Text(), nullable=False),
            sa.Column("body", sa.Text(), nullable=False),
        )
        op.execute(
            "ALTER TABLE article_search ADD COLUMN document tsvector GENERATED ALWAYS AS ("
            "setweight(to_tsvector('english'::regconfig, title), 'A') || "
            "setweight(to_tsvector('english'::regconfig, summary), 'B') || "
            "setweight(to_tsvector('english'::regconfig, body), 'C')) STORED"
        )
        op.execute("CREATE INDEX ix_article_search_document ON article_search USING gin (document)")
        op.execute(f"CREATE INDEX ix_comments_search ON comments USING gin (({COMMENT_DOCUMENT}))")
    _fill_articles(bind)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER comment_search_{trigger}")
        op.execute("DROP TABLE comment_search")
        op.execute("DROP TABLE article_search")
    else:
        op.execute("DROP INDEX ix_comments_search")
        op.drop_table("article_search")
