"""`flask backup FILE` and `flask restore FILE` (newsroom/backup.py), on the suite's database:
SQLite's online backup API, or pg_dump and pg_restore on PostgreSQL.

Backups are taken from the suite's database; restores go into a database apart, made for
each test (a file on SQLite, a database created on the test server on PostgreSQL), so
nothing here replaces the database the other tests use.
"""

from __future__ import annotations

import io
import os
import sqlite3
import stat
import tarfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import Flask
from PIL import Image
from psycopg.conninfo import conninfo_to_dict

from newsroom import images, moderation
from newsroom.backup import libpq_conninfo
from newsroom.extensions import db
from newsroom.models import Article, Comment, CommentStatus, User
from tests.conftest import STAFF_PASSWORD, form_fields, page, text_of

# Backups and restores read and write through connections of their own.
pytestmark = pytest.mark.commits

POSTGRES = bool(os.environ.get("TEST_DATABASE_URL"))


def _invoke(site: Flask, *args: str, **kwargs):
    # Commands run in the app context they find: the test's own would be the suite's app.
    with site.app_context():
        return site.test_cli_runner().invoke(args=list(args), **kwargs)


def _refused(result, *phrases: str) -> None:
    """Exit status 1, the reason said plainly, and no traceback."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    for phrase in phrases:
        assert phrase in result.output, result.output


def _bodies() -> set[str]:
    return set(db.session.scalars(sa.select(Comment.body)))


def _assert_counters_match_the_comments() -> None:
    """The kept tallies (site-wide and on each article) agree with the comments table."""
    counted = dict(
        db.session.execute(
            sa.select(Comment.status, sa.func.count()).group_by(Comment.status)
        ).all()
    )
    assert moderation.tally() == {status.value: counted.get(status, 0) for status in CommentStatus}
    for article in db.session.scalars(sa.select(Article)):
        per_status = dict(
            db.session.execute(
                sa.select(Comment.status, sa.func.count())
                .where(Comment.article_id == article.id)
                .group_by(Comment.status)
            ).all()
        )
        assert article.approved_comment_count == per_status.get(CommentStatus.APPROVED, 0)
        pending = per_status.get(CommentStatus.PENDING, 0)
        assert moderation.pending_on([article.id]).get(article.id, 0) == pending


def _public_bodies(site: Flask, slug: str) -> list[str]:
    html = page(site.test_client().get(f"/articles/{slug}"))
    return [text_of(c.select_one(":scope > div")) for c in html.select(".comment")]


@dataclass(frozen=True)
class Posted:
    body: str
    sent: float
    answered: float


class Reader(threading.Thread):
    """A reader sending comments through the article's comment form, one after another,
    until told to stop; every fifth is a bot's, with the hidden field filled in (spam)."""

    def __init__(self, site: Flask, slug: str) -> None:
        super().__init__(name="commenting-reader", daemon=True)
        self.site, self.slug = site, slug
        self.posted: list[Posted] = []
        self.errors: list[BaseException] = []
        self.stop = threading.Event()

    def run(self) -> None:
        try:
            with self.site.app_context():
                client = self.site.test_client()
                url = f"/articles/{self.slug}"
                number = 0
                while not self.stop.is_set():
                    number += 1
                    # A new page view for each comment: each form has its own submission id.
                    form = page(client.get(url)).select_one("form.comment-form")
                    fields, action = form_fields(form), urljoin(url, form["action"])
                    body = f"Comment number {number}, sent while the backup may be running."
                    sent = time.monotonic()
                    response = client.post(
                        action,
                        data={
                            **fields,
                            "author_name": "Quinn Reader",
                            "author_email": "quinn@example.com",
                            "body": body,
                            "website": "https://spam.example" if number % 5 == 0 else "",
                        },
                    )
                    assert response.status_code == 303, response.status_code
                    self.posted.append(Posted(body, sent, time.monotonic()))
                db.session.remove()
        except BaseException as error:  # surfaced by the test
            self.errors.append(error)

    def wait_for(self, count: int) -> None:
        deadline = time.monotonic() + 30
        while len(self.posted) < count and not self.errors and time.monotonic() < deadline:
            time.sleep(0.005)
        assert not self.errors, self.errors
        assert len(self.posted) >= count


def test_a_backup_taken_while_readers_comment_restores_whole_and_consistent(
    app, site, article, make_comment, moderator, other_site, tmp_path
):
    # Plain values: an object of this app's session, read in the other site's context,
    # would be loaded again from the other site's database.
    slug, moderator_email = article.slug, moderator.email
    make_comment(article, status=CommentStatus.APPROVED, body="Approved before the backup.")
    app.config["COMMENT_RATE_LIMIT"] = "100000 per minute"
    reader = Reader(app, slug)
    reader.start()
    try:
        reader.wait_for(5)
        # A SQLite backup takes milliseconds: take one until a comment was on its way in
        # while it ran (nearly always the first).
        for attempt in range(20):
            backup_file = tmp_path / f"newsroom-{attempt}.backup"
            acknowledged_before = {posted.body for posted in list(reader.posted)}
            backup_started = time.monotonic()
            result = _invoke(app, "backup", str(backup_file))
            backup_ended = time.monotonic()
            reader.wait_for(len(reader.posted) + 3)
            if result.exit_code != 0 or any(
                p.sent < backup_ended and p.answered > backup_started for p in reader.posted
            ):
                break
    finally:
        reader.stop.set()
        reader.join(timeout=30)
    assert reader.errors == []
    assert result.exit_code == 0, result.output
    kind = "PostgreSQL" if POSTGRES else "SQLite"
    assert result.output == f"Backed up the {kind} database and 0 pictures to {backup_file}.\n"
    # Comments were on their way in while the backup ran.
    assert any(p.sent < backup_ended and p.answered > backup_started for p in reader.posted)
    # Only its owner may read it: it holds e-mail addresses and password hashes.
    assert stat.S_IMODE(backup_file.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if "partial" in p.name] == []
    db.session.expire_all()
    stored = _bodies()
    assert {p.body for p in reader.posted} <= stored  # the site lost nothing meanwhile

    restored = _invoke(other_site, "restore", str(backup_file), "--yes")

    assert restored.exit_code == 0, restored.output
    with other_site.app_context():
        restored_bodies = _bodies()
        comments = len(restored_bodies)
        assert f": 1 articles, {comments} comments." in restored.output
        assert "db upgrade" not in restored.output
        # Every comment acknowledged before the backup began is there; nothing else is.
        assert acknowledged_before | {"Approved before the backup."} <= restored_bodies
        assert restored_bodies <= stored
        # One moment's snapshot: each comment came with its counters, or neither did.
        _assert_counters_match_the_comments()
        statuses = set(db.session.scalars(sa.select(Comment.status)))
        assert statuses == {CommentStatus.APPROVED, CommentStatus.PENDING, CommentStatus.SPAM}
        restored_moderator = db.session.scalar(sa.select(User).where(User.email == moderator_email))
        assert restored_moderator.check_password(STAFF_PASSWORD)
    assert _public_bodies(other_site, slug) == ["Approved before the backup."]


def test_pages_cached_before_a_restore_are_not_served_after_it(
    app, site, article, make_comment, moderator, other_site, tmp_path
):
    """A restore takes comments_version back, so versions seen before come again: the
    site is dated anew, and no worker serves a page it kept from before the restore."""
    slug, moderator_email = article.slug, moderator.email
    make_comment(article, status=CommentStatus.APPROVED, body="Kept in the backup.")
    second = make_comment(article, body="Approved after the backup.").id
    third = make_comment(article, body="Approved after the restore.").id
    backup_file = tmp_path / "newsroom.backup"
    assert _invoke(app, "backup", str(backup_file)).exit_code == 0
    assert _invoke(other_site, "restore", str(backup_file), "--yes").exit_code == 0

    def approve(comment_id: int) -> None:
        with other_site.app_context():
            actor = db.session.scalar(sa.select(User).where(User.email == moderator_email))
            assert moderation.decide(comment_id, CommentStatus.APPROVED, actor).ok

    approve(second)
    assert _public_bodies(other_site, slug) == [
        "Kept in the backup.",
        "Approved after the backup.",
    ]  # and now in the cache, under the article's next comments_version

    assert _invoke(other_site, "restore", str(backup_file), "--yes").exit_code == 0
    assert _public_bodies(other_site, slug) == ["Kept in the backup."]
    approve(third)  # the same comments_version as the cached page's
    assert _public_bodies(other_site, slug) == [
        "Kept in the backup.",
        "Approved after the restore.",
    ]


def test_a_restore_refuses_anything_but_an_intact_newsroom_backup_and_changes_nothing(
    app, site, article, make_comment, other_site, tmp_path
):
    slug = article.slug
    make_comment(article, status=CommentStatus.APPROVED, body="Still here.")
    good = tmp_path / "good.backup"
    assert _invoke(app, "backup", str(good)).exit_code == 0
    assert _invoke(other_site, "restore", str(good), "--yes").exit_code == 0

    text = tmp_path / "notes.txt"
    text.write_text("Not a backup at all.\n")
    other_sqlite = tmp_path / "other.db"
    with sqlite3.connect(other_sqlite) as connection:
        connection.execute("CREATE TABLE recipes (name TEXT)")
    connection.close()
    truncated = tmp_path / "truncated.backup"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size * 4 // 5])
    kind = "PostgreSQL" if POSTGRES else "SQLite"
    refusals = {
        tmp_path / "missing.backup": ["missing.backup: no such file."],
        text: ["is not a newsroom backup: neither a SQLite database nor a pg_dump archive."],
        other_sqlite: (
            ["is a SQLite backup, and this site's database is PostgreSQL."]
            if POSTGRES
            else ["is a SQLite database but not a newsroom one"]
        ),
        truncated: ["truncated.backup is cut short or damaged"],
    }
    for file, phrases in refusals.items():
        result = _invoke(other_site, "restore", str(file), "--yes")

        _refused(result, *phrases, "Nothing was restored.")
        with other_site.app_context():
            assert _bodies() == {"Still here."}, file
            assert db.session.scalar(sa.select(Article.slug)) == slug
        assert _public_bodies(other_site, slug) == ["Still here."]
    assert kind in _invoke(other_site, "restore", str(good), "--yes").output


@pytest.mark.skipif(not POSTGRES, reason="SQLite's backup API writes the file in one step")
def test_a_restore_that_fails_part_way_leaves_the_database_as_it_was(
    app, site, article, make_comment, other_site, tmp_path
):
    slug = article.slug
    make_comment(article, status=CommentStatus.APPROVED, body="Still here.")
    backup_file = tmp_path / "newsroom.backup"
    assert _invoke(app, "backup", str(backup_file)).exit_code == 0
    assert _invoke(other_site, "restore", str(backup_file), "--yes").exit_code == 0
    with other_site.app_context():
        # Something the backup doesn't know depends on the comments table: the restore
        # drops foreign keys and indexes, then fails to drop the table.
        db.session.execute(
            sa.text(
                "CREATE VIEW approved_bodies AS SELECT body FROM comments WHERE status = 'approved'"
            )
        )
        db.session.commit()
        inspector = sa.inspect(db.engine)
        schema_before = {
            table: (inspector.get_indexes(table), inspector.get_foreign_keys(table))
            for table in inspector.get_table_names()
        }

    result = _invoke(other_site, "restore", str(backup_file), "--yes")

    _refused(result, "pg_restore failed:", "depend", "Nothing was restored.")
    with other_site.app_context():
        inspector = sa.inspect(db.engine)
        assert {
            table: (inspector.get_indexes(table), inspector.get_foreign_keys(table))
            for table in inspector.get_table_names()
        } == schema_before
        assert _bodies() == {"Still here."}
        assert db.session.scalar(sa.text("SELECT count(*) FROM approved_bodies")) == 1
    assert _public_bodies(other_site, slug) == ["Still here."]


def test_restore_asks_first(app, site, article, other_site, tmp_path):
    slug = article.slug
    backup_file = tmp_path / "newsroom.backup"
    assert _invoke(app, "backup", str(backup_file)).exit_code == 0

    declined = _invoke(other_site, "restore", str(backup_file), input="n\n")

    assert declined.exit_code == 1
    assert "Whatever was written since the backup will be lost." in declined.output
    assert "Nothing was restored." in declined.output
    with other_site.app_context():
        assert not sa.inspect(db.engine).has_table("articles")

    accepted = _invoke(other_site, "restore", str(backup_file), input="y\n")
    assert accepted.exit_code == 0, accepted.output
    with other_site.app_context():
        assert db.session.scalar(sa.select(Article.slug)) == slug


def test_a_backup_from_another_release(app, site, article, other_site, tmp_path):
    """An older schema is restored with a word to upgrade it; one this release doesn't
    know is refused."""
    backup_file = tmp_path / "newsroom.backup"
    assert _invoke(app, "backup", str(backup_file)).exit_code == 0
    assert _invoke(other_site, "restore", str(backup_file), "--yes").exit_code == 0

    head = ScriptDirectory(app.extensions["migrate"].directory).get_revision("head")
    older_revision = head.down_revision  # the schema one release ago, say
    for revision in (older_revision, "9999_from_the_future"):
        with other_site.app_context():
            db.session.execute(
                sa.text("UPDATE alembic_version SET version_num = :r"), {"r": revision}
            )
            db.session.commit()
        older = tmp_path / f"at-{revision}.backup"
        assert _invoke(other_site, "backup", str(older)).exit_code == 0

        result = _invoke(other_site, "restore", str(older), "--yes")

        if revision == older_revision:
            assert result.exit_code == 0, result.output
            assert (
                f"The backup's schema is at revision {older_revision}, this release's at "
                f"{head.revision}: run `flask --app newsroom db upgrade`" in result.output
            )
        else:
            _refused(result, "schema revision '9999_from_the_future'", "Nothing was restored.")


def test_backup_never_overwrites_unless_asked(app, site, article, tmp_path):
    backup_file = tmp_path / "newsroom.backup"
    backup_file.write_text("last week's backup")

    _refused(
        _invoke(app, "backup", str(backup_file)),
        "already exists; choose a new name, or pass --replace.",
        "No backup was written.",
    )
    assert backup_file.read_text() == "last week's backup"

    replaced = _invoke(app, "backup", str(backup_file), "--replace")
    assert replaced.exit_code == 0, replaced.output
    with tarfile.open(backup_file) as archive:
        assert archive.getnames() == ["database.pgdump" if POSTGRES else "database.sqlite"]
    assert stat.S_IMODE(backup_file.stat().st_mode) == 0o600

    _refused(
        _invoke(app, "backup", str(tmp_path / "no-such-folder" / "x.backup")),
        "no-such-folder is not a folder; create it first.",
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["newsroom.backup"]


@pytest.mark.skipif(POSTGRES, reason="the site's own file is SQLite's")
def test_backup_refuses_to_write_over_the_live_database(app, site, article):
    live = Path(db.engine.url.database)
    before = live.stat().st_size

    result = _invoke(app, "backup", str(live), "--replace")

    _refused(result, "is the site's own database; back up elsewhere.")
    assert live.stat().st_size == before
    assert db.session.scalar(sa.select(Article.slug)) == article.slug


@pytest.mark.skipif(not POSTGRES, reason="pg_dump is PostgreSQL's")
def test_without_pg_dump_the_backup_says_what_to_install(app, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))

    result = _invoke(app, "backup", str(tmp_path / "newsroom.backup"))

    _refused(result, "pg_dump was not found on PATH", "postgresql-client", "No backup was written.")
    assert list(tmp_path.iterdir()) == []


def test_pg_tools_get_libpq_parameters_and_the_password_apart():
    url = sa.make_url(
        "postgresql+psycopg://news%40desk:s3cr%2Ft%20pw@db.example:5433/news%20room?sslmode=require"
    )

    conninfo, password = libpq_conninfo(url)

    assert password == "s3cr/t pw"
    assert "s3cr" not in conninfo
    assert conninfo_to_dict(conninfo) == {
        "host": "db.example",
        "port": "5433",
        "user": "news@desk",
        "dbname": "news room",
        "sslmode": "require",
    }
    socket = sa.make_url("postgresql+psycopg:///newsroom?host=/run/postgresql")
    assert conninfo_to_dict(libpq_conninfo(socket)[0]) == {
        "dbname": "newsroom",
        "host": "/run/postgresql",
    }
    assert libpq_conninfo(socket)[1] is None


# --- Pictures ------------------------------------------------------------------------------


def _png_of(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (900, 600), colour).save(out, "PNG")
    return out.getvalue()


def _picture(article: Article, colour: tuple[int, int, int], folder: Path) -> str:
    """A lead picture for `article`, stored as the editor stores an upload."""
    stored = images.store_upload(_png_of(colour), folder, 1_000_000)
    article.image_name, article.image_width, article.image_height = (
        stored.name,
        stored.width,
        stored.height,
    )
    article.image_alt = "A picture"
    db.session.commit()
    return stored.name


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()} if folder.is_dir() else {}


def test_a_backup_holds_the_pictures_and_a_restore_puts_back_those_missing(
    app, site, article, make_article, other_site, tmp_path
):
    uploads = Path(app.instance_path) / "uploads"
    slug = article.slug
    name = _picture(article, (200, 120, 40), uploads)
    _picture(make_article("Ferry stops"), (20, 120, 140), uploads)
    backup_file = tmp_path / "newsroom.backup"

    result = _invoke(app, "backup", str(backup_file))

    assert result.exit_code == 0, result.output
    kind = "PostgreSQL" if POSTGRES else "SQLite"
    assert result.output == f"Backed up the {kind} database and 2 pictures to {backup_file}.\n"
    assert stat.S_IMODE(backup_file.stat().st_mode) == 0o600

    other_site.instance_path = str(tmp_path / "elsewhere")  # another machine, say
    restored = _invoke(other_site, "restore", str(backup_file), "--yes")

    assert restored.exit_code == 0, restored.output
    other_uploads = tmp_path / "elsewhere" / "uploads"
    assert f"Pictures put back in {other_uploads}: 2 (those already there were kept)." in (
        restored.output
    )
    assert _files(other_uploads) == _files(uploads)
    assert [p.name for p in (tmp_path / "elsewhere").iterdir()] == ["uploads"]  # no leftovers
    with other_site.app_context():
        reader = other_site.test_client()
        img = page(reader.get(f"/articles/{slug}")).select_one(".lead-image img")
        assert img["src"] == f"/uploads/{name}-640.webp"
        served = reader.get(img["src"])
        assert served.status_code == 200
        assert served.get_data() == (uploads / f"{name}-640.webp").read_bytes()
        served.close()

    # Again, over a picture of the other site's own and one of the two missing.
    (other_uploads / f"{name}-640.webp").unlink()
    own = other_uploads / "0123456789abcdef01234567-640.webp"
    own.write_bytes(b"the other site's own")
    again = _invoke(other_site, "restore", str(backup_file), "--yes")
    assert "Pictures put back in" in again.output and ": 1 (those already" in again.output
    assert _files(other_uploads) == {**_files(uploads), own.name: b"the other site's own"}


def test_pictures_replaced_or_added_while_the_backup_runs(
    app, site, article, tmp_path, monkeypatch
):
    """A picture whose article let go of it (its files removed) while the snapshot was being
    taken is still in the backup, since the snapshot shows it; one stored meanwhile too."""
    from newsroom.backup import postgres, sqlite_files

    uploads = Path(app.instance_path) / "uploads"
    replaced = _picture(article, (200, 120, 40), uploads)

    def while_the_snapshot_is_taken(take_snapshot):
        def snapshot(*args) -> None:
            take_snapshot(*args)
            images.remove_stored(replaced, uploads)
            images.store_upload(_png_of((20, 120, 140)), uploads, 1_000_000)

        return snapshot

    monkeypatch.setattr(
        sqlite_files, "snapshot", while_the_snapshot_is_taken(sqlite_files.snapshot)
    )
    monkeypatch.setattr(postgres, "dump", while_the_snapshot_is_taken(postgres.dump))
    backup_file = tmp_path / "newsroom.backup"

    result = _invoke(app, "backup", str(backup_file))

    assert "database and 2 pictures" in result.output, result.output
    with tarfile.open(backup_file) as archive:
        pictures = sorted(n for n in archive.getnames() if n.startswith("uploads/"))
    added = images.store_upload(_png_of((20, 120, 140)), uploads, 1_000_000).name
    assert pictures == sorted(
        f"uploads/{name}-{width}.webp" for name in (replaced, added) for width in (640, 1280)
    )


def test_a_backup_of_an_earlier_release_restores_the_database_and_leaves_the_pictures(
    app, site, article, other_site, tmp_path
):
    """Before backups held pictures, a backup was the bare database file."""
    from newsroom.backup import postgres, sqlite_files

    slug = article.slug
    bare = tmp_path / "bare.backup"
    bare.touch(mode=0o600)
    with app.app_context():
        if POSTGRES:
            postgres.dump(db.engine.url, bare)
        else:
            sqlite_files.snapshot(Path(db.engine.url.database), bare)
    other_site.instance_path = str(tmp_path / "elsewhere")
    own = tmp_path / "elsewhere" / "uploads" / "0123456789abcdef01234567-640.webp"
    own.parent.mkdir(parents=True)
    own.write_bytes(b"the other site's own")

    result = _invoke(other_site, "restore", str(bare), "--yes")

    assert result.exit_code == 0, result.output
    assert (
        "The backup holds no pictures (a release before backups held them): "
        f"{own.parent} was left as it was."
    ) in result.output
    assert own.read_bytes() == b"the other site's own"
    with other_site.app_context():
        assert db.session.scalar(sa.select(Article.slug)) == slug


def test_a_restore_writes_nothing_but_pictures_into_the_uploads_folder(
    app, site, article, other_site, tmp_path
):
    """An archive whose members would land outside the uploads folder, or are no pictures,
    or are links: only the pictures are put back."""
    name = _picture(article, (200, 120, 40), Path(app.instance_path) / "uploads")
    good = tmp_path / "good.backup"
    assert _invoke(app, "backup", str(good)).exit_code == 0
    tampered = tmp_path / "tampered.backup"
    with tarfile.open(good) as source, tarfile.open(tampered, "w") as target:
        for member in source.getmembers():
            target.addfile(member, source.extractfile(member))

        def add(member_name: str, data: bytes = b"x", kind: bytes = tarfile.REGTYPE) -> None:
            member = tarfile.TarInfo(member_name)
            member.type, member.size = kind, len(data) if kind == tarfile.REGTYPE else 0
            if kind == tarfile.SYMTYPE:
                member.linkname = "/etc/passwd"
            target.addfile(member, io.BytesIO(data) if kind == tarfile.REGTYPE else None)

        add("uploads/../secret_key")
        add("uploads/../../escaped-640.webp")
        add("uploads/notes.txt")
        add("../0123456789abcdef01234567-640.webp")
        add("uploads/fedcba9876543210fedcba98-640.webp", kind=tarfile.SYMTYPE)
    other_site.instance_path = str(tmp_path / "elsewhere" / "instance")

    result = _invoke(other_site, "restore", str(tampered), "--yes")

    assert result.exit_code == 0, result.output
    written = sorted(
        str(p.relative_to(tmp_path / "elsewhere")) for p in (tmp_path / "elsewhere").rglob("*")
    )
    assert written == [
        "instance",
        "instance/uploads",
        f"instance/uploads/{name}-1280.webp",
        f"instance/uploads/{name}-640.webp",
    ]
