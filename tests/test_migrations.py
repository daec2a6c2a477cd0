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


def _seed_article(
    connection: sa.Connection, approved: int = 0, *, after_0018: bool = False
) -> None:
    """Section 1 and its draft article 1 (`approved`: its kept count), as the schema stood
    from 0001 to 0017, or (`after_0018`) without the pending count 0018 dropped."""
    connection.execute(
        sa.text(
            "INSERT INTO sections (id, name, slug, description, position)"
            " VALUES (1, 'News', 'news', '', 0)"
        )
    )
    pending = ("", "") if after_0018 else (" pending_comment_count,", " 0,")
    connection.execute(
        sa.text(
            "INSERT INTO articles (id, section_id, title, slug, summary,"
            " body_markdown, body_html, status, created_at, updated_at, comments_open,"
            f" approved_comment_count,{pending[0]} comments_version)"
            " VALUES (1, 1, 'T', 't', '', '', '', 'draft', CURRENT_TIMESTAMP,"
            f" CURRENT_TIMESTAMP, true, :approved,{pending[1]} 0)"
        ),
        {"approved": approved},
    )


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


def test_0008_makes_a_commenter_of_each_address_and_links_every_comment(tmp_path):
    with _scratch_database(tmp_path):
        upgrade(revision="0007")
        with db.engine.begin() as connection:
            _seed_article(connection)
            comments = [
                # id, e-mail as typed, status, day, fingerprint
                (1, "Dana@Example.com", "approved", 1, "f1"),
                (2, " dana@example.com ", "rejected", 3, "f2"),
                (3, "dana@example.com", "pending", 2, "f1"),
                (4, "ÉLODIE@Example.com", "spam", 4, None),
                (5, "élodie@example.com\t", "approved", 5, "f3"),
                (6, "", "approved", 6, None),  # anonymized at a reader's request
            ]
            for number, email, status, day, fingerprint in comments:
                connection.execute(
                    sa.text(
                        "INSERT INTO comments (id, article_id, author_name, author_email, body,"
                        " status, created_at, client_fingerprint, held_reasons)"
                        " VALUES (:id, 1, 'N', :email, 'B', :status, :at, :fingerprint, '')"
                    ),
                    {
                        "id": number,
                        "email": email,
                        "status": status,
                        "at": f"2026-03-0{day} 10:00:00",
                        "fingerprint": fingerprint,
                    },
                )

        upgrade(revision="0008")

        commenters = _rows(
            "SELECT email, approved_count, rejected_count, spam_count, reported_count, standing"
            " FROM commenters ORDER BY email"
        )
        assert commenters == [
            ("dana@example.com", 1, 1, 0, 0, "normal"),
            ("élodie@example.com", 1, 0, 1, 0, "normal"),
        ]
        links = dict(
            _rows(
                "SELECT comments.id, commenters.email FROM comments"
                " LEFT JOIN commenters ON commenters.id = comments.commenter_id"
            )
        )
        assert links == {
            1: "dana@example.com",
            2: "dana@example.com",
            3: "dana@example.com",
            4: "élodie@example.com",
            5: "élodie@example.com",
            6: None,
        }
        seen = _rows(
            "SELECT first_seen_at, last_seen_at FROM commenters WHERE email = 'dana@example.com'"
        )
        assert [str(moment)[:10] for moment in seen[0]] == ["2026-03-01", "2026-03-03"]
        fingerprints = _rows(
            "SELECT commenters.email, fingerprint FROM commenter_fingerprints"
            " JOIN commenters ON commenters.id = commenter_id ORDER BY fingerprint"
        )
        assert fingerprints == [
            ("dana@example.com", "f1"),
            ("dana@example.com", "f2"),
            ("élodie@example.com", "f3"),
        ]
        assert _rows("SELECT count(*) FROM moderation_events WHERE rule IS NOT NULL") == [(0,)]

        downgrade(revision="0007")

        inspector = sa.inspect(db.engine)
        assert "commenter_id" not in {c["name"] for c in inspector.get_columns("comments")}
        assert "commenters" not in inspector.get_table_names()
        assert _rows("SELECT count(*) FROM comments") == [(6,)]
        upgrade()
        assert len(_rows("SELECT id FROM commenters")) == 2


def test_0013_spreads_the_tallies_over_shards_and_keeps_every_count(tmp_path):
    with _scratch_database(tmp_path):
        upgrade(revision="0008")
        with db.engine.begin() as connection:
            for status, total in (("pending", 7), ("approved", 1234), ("spam", 3)):
                connection.execute(
                    sa.text("UPDATE comment_tallies SET total = :total WHERE status = :status"),
                    {"status": status, "total": total},
                )

        upgrade(revision="0013")

        summed = "SELECT status, SUM(total), COUNT(*) FROM comment_tallies GROUP BY status"
        assert sorted(_rows(summed)) == [
            ("approved", 1234, 16),
            ("pending", 7, 16),
            ("rejected", 0, 16),
            ("spam", 3, 16),
        ]
        # Counts moved on other shards are summed when going back.
        with db.engine.begin() as connection:
            connection.execute(
                sa.text("UPDATE comment_tallies SET total = total + 2 WHERE shard = 5")
            )

        downgrade(revision="0008")

        assert sorted(_rows("SELECT status, total FROM comment_tallies")) == [
            ("approved", 1236),
            ("pending", 9),
            ("rejected", 2),
            ("spam", 5),
        ]


def test_0014_keeps_every_event_and_lets_a_deletion_keep_none_of_the_comment(tmp_path):
    with _scratch_database(tmp_path):
        upgrade(revision="0013")
        with db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO users (id, email, display_name, password_hash, role, is_active,"
                    " created_at, session_key) VALUES (1, 'ana@x.example', 'Ana', 'h',"
                    " 'moderator', true, CURRENT_TIMESTAMP, 'k')"
                )
            )
            _seed_article(connection, approved=1)
            connection.execute(
                sa.text(
                    "INSERT INTO comments (id, article_id, author_name, author_email, body,"
                    " status, created_at, held_reasons) VALUES (1, 1, 'N', 'n@x.example', 'B',"
                    " 'approved', CURRENT_TIMESTAMP, '')"
                )
            )
            connection.execute(
                sa.text(
                    "INSERT INTO moderation_events (id, comment_id, actor_id, from_status,"
                    " to_status, at, note) VALUES (7, 1, 1, 'pending', 'approved',"
                    " CURRENT_TIMESTAMP, '')"
                )
            )

        upgrade(revision="0014")

        assert _rows("SELECT id, comment_id, actor_id, action FROM moderation_events") == [
            (7, 1, 1, "decision")
        ]
        assert _rows("SELECT text_version, edited_at, by_organization FROM comments") == [
            (0, None, False)
        ]
        with db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO moderation_events (id, comment_id, actor_id, from_status,"
                    " to_status, at, note, action) VALUES (8, NULL, 1, 'spam', 'spam',"
                    " CURRENT_TIMESTAMP, 'deleted comment #2', 'deletion')"
                )
            )
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO moderation_events (comment_id, from_status, to_status, at,"
                    " note, action) VALUES (1, 'a', 'a', CURRENT_TIMESTAMP, '', 'nonsense')"
                )
            )
        # The events still follow their comment, as before.
        with db.engine.begin() as connection:
            if connection.dialect.name == "sqlite":
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.execute(sa.text("DELETE FROM comments WHERE id = 1"))
        assert _rows("SELECT id FROM moderation_events") == [(8,)]

        downgrade(revision="0013")

        assert _rows("SELECT count(*) FROM moderation_events") == [(0,)]
        assert "comment_edits" not in sa.inspect(db.engine).get_table_names()
        upgrade()


def test_0015_keeps_every_comment_and_dates_each_commenters_last_rejection(tmp_path):
    with _scratch_database(tmp_path):
        upgrade(revision="0014")
        with db.engine.begin() as connection:
            for statement in (
                "INSERT INTO sections (id, name, slug, description, position)"
                " VALUES (1, 'News', 'news', '', 0)",
                "INSERT INTO site_settings (id, organization_name, tagline, contact_email,"
                " street_address, telephone, fax, footer_text, timezone, comment_policy,"
                " comments_open_by_default, updated_at) VALUES (1, 'O', '', '', '', '', '', '',"
                " 'UTC', '', true, CURRENT_TIMESTAMP)",
                "INSERT INTO articles (id, section_id, title, slug, summary, body_markdown,"
                " body_html, status, created_at, updated_at, comments_open,"
                " approved_comment_count, pending_comment_count, comments_version)"
                " VALUES (1, 1, 'T', 't', '', '', '', 'draft', CURRENT_TIMESTAMP,"
                " CURRENT_TIMESTAMP, true, 1, 0, 0)",
                "INSERT INTO commenters (id, email, first_seen_at, last_seen_at, approved_count,"
                " rejected_count, spam_count, reported_count, standing, ban_reason,"
                " standing_version) VALUES (1, 'dana@example.com', CURRENT_TIMESTAMP,"
                " CURRENT_TIMESTAMP, 1, 1, 0, 0, 'normal', '', 0), (2, 'lee@example.com',"
                " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 0, 0, 0, 0, 'normal', '', 0)",
                "INSERT INTO comments (id, article_id, author_name, author_email, body, status,"
                " created_at, held_reasons, commenter_id) VALUES"
                " (1, 1, 'Dana', 'dana@example.com', 'Yes', 'approved', CURRENT_TIMESTAMP, '', 1),"
                " (2, 1, 'Dana', 'dana@example.com', 'No', 'rejected', CURRENT_TIMESTAMP, '', 1),"
                " (3, 1, 'Lee', 'lee@example.com', 'Hm', 'pending', CURRENT_TIMESTAMP, '', 2)",
                "INSERT INTO moderation_events (id, comment_id, from_status, to_status, at, note)"
                " VALUES (1, 2, 'pending', 'rejected', '2026-03-04 10:00:00', ''),"
                " (2, 1, 'pending', 'approved', '2026-03-05 10:00:00', '')",
            ):
                connection.execute(sa.text(statement))

        upgrade(revision="0015")

        assert _rows("SELECT id, status, unreviewed, body_hash FROM comments ORDER BY id") == [
            (1, "approved", False, None),
            (2, "rejected", False, None),
            (3, "pending", False, None),
        ]
        rejected = dict(_rows("SELECT email, last_rejected_at FROM commenters"))
        assert str(rejected["dana@example.com"])[:10] == "2026-03-04"
        assert rejected["lee@example.com"] is None
        assert _rows(
            "SELECT moderation_policy, trusted_after_approved, comments_close_after_days"
            " FROM site_settings"
        ) == [("hold_all", 2, None)]
        assert _rows("SELECT moderation_policy, comments_close_after_days FROM articles") == [
            (None, None)
        ]
        assert _rows(
            "SELECT count(*), sum(total) FROM comment_tallies WHERE status = 'unreviewed'"
        ) == [(16, 0)]
        assert _rows("SELECT count(*) FROM moderation_events") == [(2,)]
        indexes = {index["name"] for index in sa.inspect(db.engine).get_indexes("comments")}
        assert {"ix_comments_body_hash_commenter", "ix_comments_unreviewed_created_at"} <= indexes

        downgrade(revision="0014")

        inspector = sa.inspect(db.engine)
        assert "unreviewed" not in {c["name"] for c in inspector.get_columns("comments")}
        assert "moderation_rules" not in inspector.get_table_names()
        assert _rows("SELECT count(*) FROM comments") == [(3,)]
        assert _rows("SELECT count(*) FROM moderation_events") == [(2,)]
        assert _rows("SELECT count(*) FROM comment_tallies WHERE status = 'unreviewed'") == [(0,)]
        upgrade()
        assert _rows("SELECT count(*) FROM comment_tallies WHERE status = 'unreviewed'") == [(16,)]


def test_0016_adds_reports_and_reasons_and_keeps_every_comment_and_decision(tmp_path):
    with _scratch_database(tmp_path):
        upgrade(revision="0015")
        with db.engine.begin() as connection:
            _seed_article(connection, approved=1)
            connection.execute(
                sa.text(
                    "INSERT INTO comments (id, article_id, author_name, author_email, body,"
                    " status, created_at, held_reasons)"
                    " VALUES (1, 1, 'N', 'n@example.com', 'B', 'approved', CURRENT_TIMESTAMP, '')"
                )
            )
            connection.execute(
                sa.text(
                    "INSERT INTO moderation_events (id, comment_id, from_status, to_status, at,"
                    " note) VALUES (1, 1, 'pending', 'approved', CURRENT_TIMESTAMP, '')"
                )
            )
            connection.execute(
                sa.text(
                    "INSERT INTO site_settings (id, organization_name, tagline, contact_email,"
                    " street_address, telephone, fax, footer_text, timezone, comment_policy,"
                    " comments_open_by_default, updated_at) VALUES (1, 'O', '', '', '', '', '',"
                    " '', 'UTC', '', true, CURRENT_TIMESTAMP)"
                )
            )

        upgrade(revision="0016")

        assert _rows("SELECT id, open_reports, report_round FROM comments") == [(1, 0, 0)]
        assert _rows("SELECT count(*) FROM comments WHERE hidden_by_reports") == [(0,)]
        assert _rows("SELECT id, reason FROM moderation_events") == [(1, "")]
        assert _rows("SELECT report_threshold FROM site_settings") == [(3,)]
        assert _rows("SELECT count(*) FROM comment_reports") == [(0,)]
        assert _rows("SELECT count(*) FROM rejection_reasons") == [(0,)]
        indexes = {index["name"] for index in sa.inspect(db.engine).get_indexes("comments")}
        assert "ix_comments_reported_created_at" in indexes

        downgrade(revision="0015")

        inspector = sa.inspect(db.engine)
        assert "open_reports" not in {c["name"] for c in inspector.get_columns("comments")}
        assert "reason" not in {c["name"] for c in inspector.get_columns("moderation_events")}
        assert "comment_reports" not in inspector.get_table_names()
        assert _rows("SELECT count(*) FROM comments") == [(1,)]
        assert _rows("SELECT count(*) FROM moderation_events") == [(1,)]
        upgrade()
        assert _rows("SELECT count(*) FROM moderation_events") == [(1,)]


def test_0017_drops_the_fingerprint_index_and_keeps_every_comment(tmp_path):
    with _scratch_database(tmp_path):
        upgrade(revision="0016")
        with db.engine.begin() as connection:
            _seed_article(connection)
            connection.execute(
                sa.text(
                    "INSERT INTO comments (id, article_id, author_name, author_email, body,"
                    " status, created_at, client_fingerprint, held_reasons)"
                    " VALUES (1, 1, 'N', 'n@example.com', 'B', 'approved', CURRENT_TIMESTAMP,"
                    " 'f1', '')"
                )
            )

        upgrade(revision="0017")

        def indexes() -> set[str]:
            return {index["name"] for index in sa.inspect(db.engine).get_indexes("comments")}

        assert "ix_comments_client_fingerprint_status" not in indexes()
        assert _rows("SELECT id, client_fingerprint FROM comments") == [(1, "f1")]
        downgrade(revision="0016")
        assert "ix_comments_client_fingerprint_status" in indexes()
        assert _rows("SELECT id, client_fingerprint FROM comments") == [(1, "f1")]


def test_0018_drops_the_pending_count_and_going_back_recounts_it(tmp_path):
    with _scratch_database(tmp_path):
        upgrade(revision="0017")
        with db.engine.begin() as connection:
            _seed_article(connection)
            for number, status in ((1, "pending"), (2, "pending"), (3, "approved")):
                connection.execute(
                    sa.text(
                        "INSERT INTO comments (id, article_id, author_name, author_email, body,"
                        " status, created_at, held_reasons)"
                        " VALUES (:id, 1, 'N', 'n@example.com', 'B', :status,"
                        " CURRENT_TIMESTAMP, '')"
                    ),
                    {"id": number, "status": status},
                )

        upgrade(revision="0018")

        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("articles")}
        assert "pending_comment_count" not in columns
        assert _rows("SELECT count(*) FROM comments") == [(3,)]
        downgrade(revision="0017")
        assert _rows("SELECT pending_comment_count FROM articles") == [(2,)]


def test_0019_adds_source_keys_and_old_paths_and_going_back_keeps_the_old_slugs(tmp_path):
    with _scratch_database(tmp_path):
        upgrade(revision="0018")
        with db.engine.begin() as connection:
            _seed_article(connection, after_0018=True)
            connection.execute(
                sa.text(
                    "INSERT INTO article_redirects (id, old_slug, article_id) VALUES (1, 'old', 1)"
                )
            )

        upgrade(revision="0019")

        assert _rows("SELECT old_slug, old_path, article_id FROM article_redirects") == [
            ("old", None, 1)
        ]
        assert _rows("SELECT byline, source_key FROM articles") == [(None, None)]
        with db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO article_redirects (id, old_path, article_id) VALUES (2, '?p=1', 1)"
                )
            )
        # A redirect names an address; and an old path leads to one article only.
        for values in ("(3, NULL, NULL, 1)", "(4, NULL, '?p=1', 1)"):
            with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as connection:
                connection.execute(
                    sa.text(
                        "INSERT INTO article_redirects (id, old_slug, old_path, article_id)"
                        f" VALUES {values}"
                    )
                )
        indexes = {index["name"] for index in sa.inspect(db.engine).get_indexes("comments")}
        assert "ix_comments_source_key" in indexes

        downgrade(revision="0018")

        assert _rows("SELECT id, old_slug, article_id FROM article_redirects") == [(1, "old", 1)]
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("articles")}
        assert "source_key" not in columns and "byline" not in columns
        assert _rows("SELECT count(*) FROM articles") == [(1,)]


def test_0020_adds_the_mail_outbox_and_keeps_every_comment_and_account(tmp_path):
    with _scratch_database(tmp_path):
        upgrade(revision="0019")
        with db.engine.begin() as connection:
            _seed_article(connection, after_0018=True)
            connection.execute(
                sa.text(
                    "INSERT INTO comments (id, article_id, author_name, author_email, body,"
                    " status, created_at, held_reasons)"
                    " VALUES (1, 1, 'N', 'n@example.com', 'B', 'approved', CURRENT_TIMESTAMP, '')"
                )
            )
            connection.execute(
                sa.text(
                    "INSERT INTO users (id, email, display_name, password_hash, role, is_active,"
                    " created_at, session_key)"
                    " VALUES (1, 'a@example.com', 'A', 'x', 'moderator', true, CURRENT_TIMESTAMP,"
                    " 'k')"
                )
            )

        upgrade(revision="0020")

        assert _rows("SELECT id, notify_author FROM comments") == [(1, False)]
        assert _rows("SELECT id, digest_opt_in, digest_queued_at FROM users") == [(1, False, None)]
        tables = set(sa.inspect(db.engine).get_table_names())
        assert {"mail_outbox", "mail_suppressions", "used_mail_links"} <= tables
        with db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO mail_outbox (kind, recipient, comment_id, dedupe_key, status,"
                    " attempts, next_attempt_at, created_at, last_error)"
                    " VALUES ('published', 'n@example.com', 1, 'published:1', 'queued', 0,"
                    " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, '')"
                )
            )
        downgrade(revision="0019")
        tables = set(sa.inspect(db.engine).get_table_names())
        assert not {"mail_outbox", "mail_suppressions", "used_mail_links"} & tables
        assert "notify_author" not in {
            c["name"] for c in sa.inspect(db.engine).get_columns("comments")
        }
        assert _rows("SELECT id, author_email FROM comments") == [(1, "n@example.com")]
        assert _rows("SELECT id, email FROM users") == [(1, "a@example.com")]


def test_0022_indexes_what_is_there_and_0023_to_0025_keep_it_found_and_all_go_back(tmp_path):
    from newsroom import moderation, search

    with _scratch_database(tmp_path):
        upgrade(revision="0020")
        with db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO sections (id, name, slug, description, position)"
                    " VALUES (1, 'News', 'news', '', 0)"
                )
            )
            connection.execute(
                sa.text(
                    "INSERT INTO articles (id, section_id, title, slug, summary, body_markdown,"
                    " body_html, status, published_at, created_at, updated_at, comments_open,"
                    " approved_comment_count, comments_version) VALUES (1, 1, 'Flood warning',"
                    " 'flood', 'Rain', '', '<p>The <em>river</em> &amp; lake</p>', 'published',"
                    " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, true, 0, 0)"
                )
            )
            connection.execute(
                sa.text(
                    "INSERT INTO articles (id, section_id, title, slug, summary, body_markdown,"
                    " body_html, status, published_at, created_at, updated_at, comments_open,"
                    " approved_comment_count, comments_version) VALUES (2, 1, 'Flood draft',"
                    " 'flood-draft', 'Rain', '', '<p>The river and the lake</p>', 'draft',"
                    " NULL, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, true, 0, 0)"
                )
            )
            connection.execute(
                sa.text(
                    "INSERT INTO comments (id, article_id, author_name, author_email, body,"
                    " status, created_at, held_reasons) VALUES (1, 1, 'Noor', 'n@example.com',"
                    " 'Sandbags are ready', 'pending', CURRENT_TIMESTAMP, '')"
                )
            )

        upgrade(revision="0025")

        # The draft is indexed too, and found by no reader.
        assert _rows("SELECT count(*) FROM article_search") == [(2,)]
        found = search.search_articles("rivers lake")
        assert [hit.article.slug for hit in found.hits] == ["flood"]
        assert "<em>" not in found.hits[0].snippet
        rows, _ = moderation.queue_page(moderation.QueueFilter(search="sandbag"))
        assert [c.id for c in rows] == [1]
        db.session.rollback()
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("articles")}
        assert {"image_name", "image_alt", "image_width", "image_height"} <= columns

        downgrade(revision="0020")

        tables = sa.inspect(db.engine).get_table_names()
        assert "article_search" not in tables and "comment_search" not in tables
        assert "image_name" not in {
            c["name"] for c in sa.inspect(db.engine).get_columns("articles")
        }
        assert _rows("SELECT count(*) FROM comments") == [(1,)]
        with db.engine.begin() as connection:  # comments are written as before: no trigger left
            connection.execute(sa.text("UPDATE comments SET body = 'Changed' WHERE id = 1"))
        upgrade()
        rows, _ = moderation.queue_page(moderation.QueueFilter(search="changed"))
        assert [c.id for c in rows] == [1]
        db.session.rollback()


def test_0026_marks_the_banned_commenters_addresses_and_goes_back(tmp_path):
    """Each link gets its commenter's ban, the partial index holds those alone, and a
    downgrade restores the index of every fingerprint with every link kept."""
    with _scratch_database(tmp_path):
        upgrade(revision="0025")
        with db.engine.begin() as connection:
            for id_, email, standing in (
                (1, "dana@example.com", "banned"),
                (2, "lee@x.org", "normal"),
            ):
                connection.execute(
                    sa.text(
                        "INSERT INTO commenters (id, email, first_seen_at, last_seen_at,"
                        " approved_count, rejected_count, spam_count, reported_count, standing,"
                        " ban_reason, standing_version) VALUES (:id, :email, CURRENT_TIMESTAMP,"
                        " CURRENT_TIMESTAMP, 0, 0, 0, 0, :standing, '', 0)"
                    ),
                    {"id": id_, "email": email, "standing": standing},
                )
            for commenter_id, fingerprint in ((1, "a" * 32), (1, "b" * 32), (2, "a" * 32)):
                connection.execute(
                    sa.text("INSERT INTO commenter_fingerprints VALUES (:id, :fingerprint)"),
                    {"id": commenter_id, "fingerprint": fingerprint},
                )

        upgrade(revision="0026")
        links = "SELECT commenter_id, fingerprint, banned FROM commenter_fingerprints"
        assert sorted(_rows(links)) == [
            (1, "a" * 32, True),
            (1, "b" * 32, True),
            (2, "a" * 32, False),
        ]
        indexes = {
            index["name"] for index in sa.inspect(db.engine).get_indexes("commenter_fingerprints")
        }
        assert "ix_commenter_fingerprints_banned" in indexes
        assert "ix_commenter_fingerprints_fingerprint" not in indexes

        downgrade(revision="0025")
        assert sorted(_rows("SELECT commenter_id, fingerprint FROM commenter_fingerprints")) == [
            (1, "a" * 32),
            (1, "b" * 32),
            (2, "a" * 32),
        ]
        indexes = {
            index["name"] for index in sa.inspect(db.engine).get_indexes("commenter_fingerprints")
        }
        assert indexes == {"ix_commenter_fingerprints_fingerprint"}
