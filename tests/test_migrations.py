"""Migrations that change tables holding data keep the data: run from the revision before,
on a database of their own (a SQLite file; on PostgreSQL, a schema of its own)."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from newsroom import create_app
from newsroom.extensions import db
from tests.conftest import app_config

pytestmark = pytest.mark.commits  # migrations commit; nothing here joins the test's transaction


@contextlib.contextmanager
def _scratch_database(tmp_path) -> Iterator[None]:
    """An app context on an empty database nothing else uses."""
    url = os.environ.get("TEST_DATABASE_URL")
    config = app_config(url or f"sqlite:///{tmp_path / 'migrations.db'}")
    schema = None
    if url and url.startswith("postgresql"):
        schema = f"migrations_{secrets.token_hex(4)}"
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "connect_args": {"options": f"-csearch_path={schema}"}
        }
    app = create_app(config)
    try:
        with app.app_context():
            yield
            db.engine.dispose()
    finally:
        if schema is not None:
            with engine.begin() as connection:
                connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
            engine.dispose()


def _rows(sql: str) -> list[tuple]:
    with db.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(sa.text(sql))]


def test_0007_gives_every_account_a_key_and_loses_no_author(tmp_path):
    with _scratch_database(tmp_path):
        upgrade(revision="0006")
        with db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO users (id, email, display_name, password_hash, role, is_active,"
                    " created_at) VALUES (1, 'ana@x.example', 'Ana', 'h', 'moderator', true,"
                    " CURRENT_TIMESTAMP), (2, 'bo@x.example', 'Bo', 'h', 'admin', true,"
                    " CURRENT_TIMESTAMP)"
                )
            )
            connection.execute(
                sa.text(
                    "INSERT INTO sections (id, name, slug, description, position)"
                    " VALUES (1, 'News', 'news', '', 0)"
                )
            )
            connection.execute(
                sa.text(
                    "INSERT INTO articles (id, section_id, author_id, title, slug, summary,"
                    " body_markdown, body_html, status, created_at, updated_at, comments_open,"
                    " approved_comment_count, pending_comment_count, comments_version)"
                    " VALUES (1, 1, 2, 'T', 't', '', '', '', 'draft', CURRENT_TIMESTAMP,"
                    " CURRENT_TIMESTAMP, true, 0, 0, 0)"
                )
            )

        upgrade(revision="0007")

        keys = _rows("SELECT id, session_key FROM users ORDER BY id")
        assert [user_id for user_id, _ in keys] == [1, 2]
        assert all(len(key) >= 32 for _, key in keys)
        assert keys[0][1] != keys[1][1]
        assert _rows("SELECT author_id FROM articles") == [(2,)]
        assert _rows("SELECT count(*) FROM failed_logins") == [(0,)]

        downgrade(revision="0006")

        assert _rows("SELECT author_id FROM articles") == [(2,)]
        assert "session_key" not in {c["name"] for c in sa.inspect(db.engine).get_columns("users")}
        assert "failed_logins" not in sa.inspect(db.engine).get_table_names()
        upgrade()
        assert len(_rows("SELECT session_key FROM users WHERE session_key <> ''")) == 2
