"""`flask export FILE` and `flask import-json FILE` (newsroom/backup/portable.py), and the
admins' download: every row of every table out as JSON and back into an empty database,
on SQLite and PostgreSQL.

Exports read on a connection of their own, and loads go into a database apart (the
`other_site` fixture), so these tests commit for real.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from newsroom import moderation, privacy
from newsroom.backup import portable
from newsroom.extensions import db
from newsroom.mail import outbox
from newsroom.models import (
    Comment,
    CommentStatus,
    ErasureMode,
    MailKind,
    Standing,
    UsedMailLink,
    User,
    utcnow,
)
from tests.conftest import STAFF_PASSWORD, log_in, page

pytestmark = pytest.mark.commits

DATA = Path(__file__).parent / "data"


def _invoke(site: Flask, *args: str):
    with site.app_context():
        return site.test_cli_runner().invoke(args=list(args))


def _refused(result, *phrases: str) -> None:
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    for phrase in phrases:
        assert phrase in result.output, result.output


def _every_row() -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order."""
    return {
        table.name: [
            tuple(row)
            for row in db.session.execute(
                sa.select(table).order_by(*table.primary_key.columns)
            ).all()
        ]
        for table in db.metadata.sorted_tables
    }


@pytest.fixture
def full_site(app, runner, admin, moderator):
    """A site with something in every table: the demo, an import from WordPress and
    Disqus (old addresses, bylines, source keys), decisions, an edit, a report, a standing,
    rules, a rejection reason, a failed login."""
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    for command in ("import-wordpress", "import-disqus"):
        name = "wordpress.xml" if command == "import-wordpress" else "disqus.xml"
        result = runner.invoke(args=[command, str(DATA / name)])
        assert result.exit_code == 0, result.output
    pending = db.session.scalars(
        sa.select(Comment).where(Comment.status == CommentStatus.PENDING).order_by(Comment.id)
    ).all()
    assert moderation.decide(pending[0].id, CommentStatus.APPROVED, moderator).ok
    moderation.add_rejection_reason("Off topic")
    assert moderation.decide(
        pending[1].id, CommentStatus.REJECTED, moderator, reason="Off topic"
    ).ok
    approved = db.session.get(Comment, pending[0].id)
    moderation.edit_comment(
        approved.id,
        "Edited by a moderator.",
        moderator,
        expected_status=approved.status,
        expected_version=approved.text_version,
    )
    moderation.report_comment(
        approved.id, approved.article_id, fingerprint="f" * 32, reason="other", threshold=3
    )
    commenter = approved.commenter
    moderation.change_standing(
        commenter.id,
        Standing.BANNED,
        admin,
        seen_version=commenter.standing_version,
        reason="Too many links",
        banned_until=utcnow() + timedelta(days=30),
    )
    moderation.save_rules({"blocked_spam": "casino", "min_length": 3}, admin)
    privacy.erase("rude@example.com", ErasureMode.ANONYMIZE, admin)
    log_in(app.test_client(), admin, password="not the password")
    # The mail: a notice waiting in the outbox, an address that bounced, a used digest link.
    assert outbox.queue(
        MailKind.PUBLISHED, "reader@example.com", dedupe_key="published:1", comment_id=approved.id
    )
    outbox.suppress("bounced@example.com", "550 no such mailbox")
    db.session.add(UsedMailLink(nonce="n" * 32, user_id=moderator.id))
    db.session.commit()
    empty = [name for name, rows in _every_row().items() if not rows]
    assert not empty, empty
    return app


def test_an_export_loads_into_an_empty_database_row_for_row(
    full_site, runner, other_site, tmp_path
):
    file = tmp_path / "site.json"
    result = runner.invoke(args=["export", str(file), "--with-secrets"])
    assert result.exit_code == 0, result.output
    assert file.stat().st_mode & 0o077 == 0  # readers' e-mail addresses: owner only
    before = _every_row()

    with other_site.app_context():
        from flask_migrate import upgrade

        upgrade()
    loaded = _invoke(other_site, "import-json", str(file))

    assert loaded.exit_code == 0, loaded.output
    assert f"Loaded {sum(len(rows) for rows in before.values()):,} rows" in loaded.output
    with other_site.app_context():
        after = _every_row()
        # New rows get new ids on PostgreSQL too (its sequences start after the loaded ids).
        db.session.add(User(email="new@example.com", display_name="New", password_hash="x"))
        db.session.commit()
    for table, rows in before.items():
        assert after[table] == rows, table

    # And the staff log in there with their passwords.
    admin = before["users"][0]
    client = other_site.test_client()
    with other_site.app_context():
        user = db.session.get(User, admin[0])
        assert log_in(client, user).status_code == 303


def test_without_secrets_staff_come_without_passwords(full_site, runner, other_site, tmp_path):
    file = tmp_path / "site.json"
    assert runner.invoke(args=["export", str(file)]).exit_code == 0
    users = json.loads(file.read_text())["tables"]["users"]
    assert users and all(u["password_hash"] is None and u["session_key"] is None for u in users)
    assert STAFF_PASSWORD not in file.read_text()

    with other_site.app_context():
        from flask_migrate import upgrade

        upgrade()
    assert _invoke(other_site, "import-json", str(file)).exit_code == 0

    with other_site.app_context():
        for user in db.session.scalars(sa.select(User)):
            assert not user.check_password(STAFF_PASSWORD)
            assert user.session_key


def test_a_database_with_anything_in_it_is_refused(full_site, runner, tmp_path):
    file = tmp_path / "site.json"
    assert runner.invoke(args=["export", str(file)]).exit_code == 0
    before = _every_row()

    result = runner.invoke(args=["import-json", str(file)])

    _refused(result, "This database is not empty", "Nothing was loaded")
    assert _every_row() == before


def _mutated(file: Path, table: str, change) -> str:
    """The export's text with the first row of `table` changed."""
    lines = file.read_text().splitlines(keepends=True)
    start = next(n for n, line in enumerate(lines) if line.startswith(f'"{table}": ['))
    row = json.loads(lines[start + 1].rstrip().rstrip(","))
    ending = "," if lines[start + 1].rstrip().endswith(",") else ""
    lines[start + 1] = change(row) + ending + "\n"
    return "".join(lines)


def _with(**values):
    return lambda row: json.dumps({**row, **values})


@pytest.mark.parametrize(
    ("change", "phrase"),
    [
        (("sections", _with(name="A \x00 NUL")), "sections: a value holds a NUL character"),
        (("articles", _with(id=2**63)), "beyond what the database holds"),
        (("articles", _with(published_at="2013-03-02 10:00:00")), "has no timezone"),
        (("articles", _with(published_at="March 2nd")), "is not a date"),
        (("articles", _with(comments_open="yes")), "is not true or false"),
        (("articles", _with(title="x" * 201)), "is longer than 200 characters"),
        (("articles", lambda row: json.dumps({"id": row["id"]})), "does not have this release's"),
        (("articles", lambda row: "{not json"), "not JSON"),
        (("articles", _with(section_id=99999)), "The database refused a row"),
    ],
    ids=["nul", "huge", "naive", "date", "bool", "long", "columns", "json", "foreign-key"],
)
def test_a_bad_file_is_refused_with_where_and_why(
    full_site, runner, other_site, tmp_path, change, phrase
):
    good = tmp_path / "site.json"
    assert runner.invoke(args=["export", str(good)]).exit_code == 0
    bad = tmp_path / "bad.json"
    bad.write_text(_mutated(good, *change))
    with other_site.app_context():
        from flask_migrate import upgrade

        upgrade()

    result = _invoke(other_site, "import-json", str(bad))

    _refused(result, phrase, "Nothing was loaded")
    with other_site.app_context():
        assert all(not rows for name, rows in _every_row().items() if name != "comment_tallies")


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        (b"", "is not a newsroom export"),
        (b'{"format": "something else", "tables": {\n', "is not a newsroom export"),
        (
            b'{"format": "newsroom export", "version": 1, "revision": "0001", "tables": {\n',
            "was exported at schema revision '0001'",
        ),
        (b'{"format": "newsroom export", "version": 7, "tables": {\n', "version 7"),
        (
            b'{"format": "newsroom export", "version": 1, "revision": "REV", "tables": {\n'
            b'"sections": [\n',
            "ends before the export does",
        ),
        (
            b'{"format": "newsroom export", "version": 1, "revision": "REV", "tables": {\n'
            b'"no_such_table": [\n]}}\n',
            "no table 'no_such_table'",
        ),
        (
            b'{"format": "newsroom export", "version": 1, "revision": "REV", "tables": {\n'
            b'"sections": [\n{"name": "\xff\xfe"}\n]}}\n',
            "is not UTF-8",
        ),
    ],
    ids=["empty", "other-format", "old-revision", "version", "cut-short", "table", "utf8"],
)
def test_files_that_are_not_exports_are_refused(other_site, tmp_path, text, phrase):
    with other_site.app_context():
        from flask_migrate import upgrade

        upgrade()
        revision = portable.current_revision()
    file = tmp_path / "other.json"
    file.write_bytes(text.replace(b"REV", revision.encode()))

    _refused(_invoke(other_site, "import-json", str(file)), phrase)


def test_admins_download_the_export_from_the_admin_area(full_site, client, admin, moderator):
    assert log_in(client, moderator).status_code == 303
    assert client.get("/admin/export/newsroom-export.json").status_code == 403
    client.post("/logout", data={})
    client = full_site.test_client()
    assert log_in(client, admin).status_code == 303

    overview = page(client.get("/admin/"))
    link = overview.find("a", string="Export")
    export_page = page(client.get(link["href"]))
    download = export_page.find("a", string="Download the export")
    response = client.get(download["href"])

    assert response.status_code == 200
    assert response.is_streamed
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert "no-store" in response.headers["Cache-Control"]
    exported = json.loads(response.get_data(as_text=True))
    tables = exported["tables"]
    assert {a["slug"] for a in tables["articles"]} >= {"hello-lake", "ete-au-lac"}
    assert any(r["old_path"] == "?p=12" for r in tables["article_redirects"])
    assert all(u["password_hash"] is None for u in tables["users"])
    assert exported["with_secrets"] is False
