"""Flask commands: demo content, staff accounts, planner statistics, backups, the mail
worker, imports and exports."""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import signal
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.exc import SQLAlchemyError

from newsroom import backup, content, imports, moderation, planner, search
from newsroom.accounts import create_staff
from newsroom.backup import portable
from newsroom.extensions import db
from newsroom.imports import disqus, wordpress
from newsroom.models import Article, Comment, Role, Section, SiteSettings, User

DEMO_LOGINS_FILE = "demo-logins.txt"


def register_commands(app: Flask) -> None:
    from newsroom.benchdata import bench_data

    app.cli.add_command(seed_demo)
    app.cli.add_command(create_user)
    app.cli.add_command(bench_data)
    app.cli.add_command(analyze)
    app.cli.add_command(search_reindex)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(mail_worker)
    app.cli.add_command(import_wordpress)
    app.cli.add_command(import_disqus)
    app.cli.add_command(export_command)
    app.cli.add_command(import_json)


@click.command("export")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--with-secrets", is_flag=True, help="Include staff password hashes and session keys."
)
@click.option("--replace", is_flag=True, help="Replace FILE if it exists.")
def export_command(file: Path, with_secrets: bool, replace: bool) -> None:
    """Write every row of every table to FILE as JSON (see `import-json`)."""
    try:
        portable.write_export(file, with_secrets=with_secrets, replace=replace)
    except backup.BackupError as error:
        raise click.ClickException(f"{error}\nNo export was written.") from None
    click.echo(f"Exported everything to {file}.")
    if not with_secrets:
        click.echo(
            "Staff accounts are in it without their passwords: after loading it, give each "
            "a new one (or export again with --with-secrets)."
        )


@click.command("import-json")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_json(file: Path) -> None:
    """Load an export (FILE, from `flask export`) into this empty database."""
    try:
        loaded = portable.import_export(file)
    except backup.BackupError as error:
        raise click.ClickException(f"{error}\nNothing was loaded.") from None
    total = sum(loaded.values())
    click.echo(f"Loaded {total:,} rows from {file}:")
    for name, count in loaded.items():
        click.echo(f"  {name}: {count:,}")
    planner.refresh_statistics()


@contextlib.contextmanager
def _import_progress(file: Path) -> Iterator[imports.Progress]:
    """A progress bar on standard error: the share of the file read, what was imported so
    far and how fast."""
    started = time.monotonic()
    shown = {"text": ""}

    def describe(_item: object) -> str:
        return shown["text"]

    with click.progressbar(
        length=max(file.stat().st_size, 1),
        label=f"Reading {file.name}",
        file=sys.stderr,
        item_show_func=describe,
    ) as bar:

        def progress(position: int, summary: imports.Summary) -> None:
            done = summary.imported + summary.already
            rate = done["comments"] / max(time.monotonic() - started, 1e-3)
            shown["text"] = (
                f"{done['articles']:,} articles, {done['comments']:,} comments, "
                f"{rate:,.0f} comments/s"
            )
            bar.update(position - bar.pos, shown["text"])

        yield progress


def _run_import(file: Path, run) -> None:
    try:
        with _import_progress(file) as progress:
            summary = run(progress)
    except imports.ImportRefused as error:
        raise click.ClickException(str(error)) from None
    except OSError as error:
        raise click.ClickException(f"{file} could not be read: {error.strerror}.") from None
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        raise click.ClickException(
            f"The database refused the import ({reason}). Nothing was imported."
        ) from None
    for line in summary.lines():
        click.echo(line)


@click.command("import-wordpress")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--pages", is_flag=True, help="Import pages too (as articles in a Pages section).")
def import_wordpress(file: Path, pages: bool) -> None:
    """Import posts, categories and comments from a WordPress export (WXR) FILE."""
    _run_import(
        file, lambda progress: wordpress.import_wordpress(file, pages=pages, progress=progress)
    )


@click.command("import-disqus")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_disqus(file: Path) -> None:
    """Import the comments of a Disqus export FILE onto the articles they were made on."""
    _run_import(file, lambda progress: disqus.import_disqus(file, progress=progress))


@click.command("mail-worker")
@click.option("--once", is_flag=True, help="Send what is due, check the digest, and stop.")
@click.option(
    "--poll", type=click.FloatRange(0.1, 3600), default=2.0, help="Seconds between looks."
)
def mail_worker(once: bool, poll: float) -> None:
    """Send the e-mail the outbox holds, until stopped (Ctrl+C or SIGTERM)."""
    from newsroom.mail.worker import Worker

    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("newsroom.mail").setLevel(logging.INFO)
    worker = Worker(current_app._get_current_object(), poll_seconds=poll)
    if once:
        outcomes = worker.send_due()
        worker.queue_digests()
        outcomes += worker.send_due()
        done = ", ".join(f"{count} {what}" for what, count in sorted(outcomes.items()))
        click.echo(f"Mail: {done or 'nothing to send'}.")
        return

    def stop(signum, frame) -> None:
        worker.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    backend = current_app.config["MAIL_BACKEND"]
    where = current_app.config["MAIL_FILE_PATH"] if backend == "folder" else backend
    click.echo(f"Mail worker started: sending with {where} (Ctrl+C to stop).")
    worker.run()
    click.echo("Mail worker stopped.")


@click.command("backup")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--replace", is_flag=True, help="Replace FILE if it exists.")
def backup_command(file: Path, replace: bool) -> None:
    """Write a snapshot of the database, with the articles' pictures, to FILE; the site may
    go on running meanwhile."""
    try:
        pictures = backup.backup_database(file, replace=replace)
    except backup.BackupError as error:
        raise click.ClickException(f"{error}\nNo backup was written.") from None
    click.echo(
        f"Backed up the {backup.database_kind()} database and {_pictures(pictures)} to {file}."
    )


def _pictures(count: int) -> str:
    return f"{count:,} picture{'' if count == 1 else 's'}"


@click.command("restore")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--yes", is_flag=True, help="Don't ask before replacing the database.")
def restore_command(file: Path, yes: bool) -> None:
    """Replace the whole database with the backup in FILE, and put back its pictures."""
    try:
        target = backup.describe_database()
        if not yes and not click.confirm(
            f"Whatever was written since the backup will be lost. "
            f"Replace everything in {target} with {file}?"
        ):
            click.echo("Nothing was restored.")
            raise click.exceptions.Exit(1)
        restored = backup.restore_database(file)
    except backup.BackupError as error:
        raise click.ClickException(f"{error}\nNothing was restored.") from None
    click.echo(
        f"Restored {target} from {file}: {restored.articles} articles, "
        f"{restored.comments} comments."
    )
    if restored.pictures is None:
        click.echo(
            f"The backup holds no pictures (a release before backups held them): "
            f"{backup.uploads_folder()} was left as it was."
        )
    else:
        click.echo(
            f"Pictures put back in {backup.uploads_folder()}: {restored.pictures:,} "
            "(those already there were kept)."
        )
    if restored.needs_upgrade:
        click.echo(
            f"The backup's schema is at revision {restored.revision}, this release's at "
            f"{restored.head}: run `flask --app newsroom db upgrade` before serving the site."
        )


@click.command("analyze")
def analyze() -> None:
    """Refresh the query planner's statistics (after a bulk load; see newsroom/planner.py)."""
    planner.refresh_statistics()
    click.echo("Planner statistics refreshed.")


@click.command("search-reindex")
def search_reindex() -> None:
    """Index every article for readers' search afresh (after articles were written to the
    database by anything but the admin's editor, such as an import)."""
    count = search.reindex_articles()
    click.echo(f"Indexed {count:,} articles.")


@click.command("create-user")
@click.argument("email")
@click.option("--name", required=True, help="The name colleagues see.")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.MODERATOR.value)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user(email: str, name: str, role: str, password_stdin: bool) -> None:
    """Add a staff account (moderator or admin)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_staff(email, name, role, password)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Created {user.role} {user.email}.")


@click.command("seed-demo")
def seed_demo() -> None:
    """Fill an empty database with the demo organization; does nothing if it has content."""
    from newsroom import demo

    logins_file = Path(current_app.instance_path) / DEMO_LOGINS_FILE
    if db.session.scalar(sa.select(Article.id).limit(1)) is not None:
        click.echo("The database already has content; demo content not loaded.")
        if logins_file.exists():
            click.echo(logins_file.read_text(), nl=False)
        return
    try:
        demo_content = demo.load()
    except demo.DemoContentError as error:
        raise click.ClickException(str(error)) from None

    db.session.add(SiteSettings(**demo_content.identity))
    sections = {}
    for position, spec in enumerate(demo_content.sections):
        sections[spec.slug] = Section(
            position=position, name=spec.name, slug=spec.slug, description=spec.description
        )
    db.session.add_all(sections.values())

    logins = {
        "admin": ("admin@lakeshore-watershed.example", "Rosa Admin", Role.ADMIN),
        "moderator": ("moderator@lakeshore-watershed.example", "Theo Moderator", Role.MODERATOR),
    }
    passwords = {}
    for key, (email, name, role) in logins.items():
        passwords[key] = secrets.token_urlsafe(12)
        user = User(email=email, display_name=name, role=role)
        user.set_password(passwords[key])
        db.session.add(user)
    db.session.flush()

    articles = {}
    for spec in demo_content.articles:
        article = Article(
            section=sections[spec.section],
            title=spec.title,
            slug=spec.slug,
            summary=spec.summary,
            body_markdown=spec.body_markdown,
            body_html=content.render_markdown(spec.body_markdown),
            status=spec.status,
            published_at=spec.published_at,
            created_at=spec.published_at - timedelta(hours=3),
            updated_at=spec.published_at,
            comments_open=spec.comments_open,
            source_name=spec.source_name,
            source_url=spec.source_url,
        )
        articles[spec.slug] = article
    db.session.add_all(articles.values())
    db.session.flush()
    for article in articles.values():
        search.index_article(article)

    comments = []
    for number, spec in enumerate(demo_content.comments):
        article = articles[spec.article]
        comments.append(
            Comment(
                article_id=article.id,
                author_name=spec.author_name,
                author_email=spec.author_email,
                body=spec.body,
                status=spec.status,
                created_at=article.published_at + timedelta(minutes=spec.minutes_after),
                held_reasons=spec.held_reasons,
                client_fingerprint=f"demo{number % 7:028d}",
            )
        )
    db.session.add_all(comments)
    db.session.flush()
    for comment, spec in zip(comments, demo_content.comments, strict=True):
        if spec.reply_to is not None:
            comment.parent_id = comments[spec.reply_to - 1].id
    db.session.commit()
    moderation.recount()

    lines = [
        f"  {role.value:<9}  {email}  password: {passwords[key]}"
        for key, (email, _name, role) in logins.items()
    ]
    # Kept beside the demo database (owner-only) so `make run` can show them every time.
    fd = os.open(logins_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("Demo staff logins:\n" + "\n".join(lines) + "\n")
    click.echo("Demo content loaded.")
    click.echo(logins_file.read_text(), nl=False)
