"""Fixtures: one app on a migrated database (SQLite, or PostgreSQL when TEST_DATABASE_URL
is set) with a transaction per test, a client, and factories for the things tests talk
about."""

from __future__ import annotations

import contextlib
import io
import os
import socket
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from urllib.parse import urljoin

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_sqlalchemy.session import Session as FlaskSQLAlchemySession

from newsroom import create_app, moderation, search
from newsroom.content import render_markdown
from newsroom.extensions import cache, db, limiter
from newsroom.models import (
    Article,
    ArticleStatus,
    Comment,
    CommentTally,
    Role,
    Section,
    SiteSettings,
    User,
    utcnow,
)
from newsroom.plainsql import PlainStatement

STAFF_PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        url = "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")
    app = create_app(app_config(url))
    with app.app_context():
        # The search indexes are no tables of the models (migration 0022).
        for index in ("article_search", "comment_search"):
            db.session.execute(sa.text(f"DROP TABLE IF EXISTS {index}"))
        db.session.commit()
        db.drop_all()
        db.session.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        # The schema the tests use is the one the migrations build.
        upgrade()
        db.session.remove()
        db.engine.dispose()
    return url


def app_config(url: str) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test-secret-key",
        # Hashing stays real, at a thousandth of the production cost: scrypt was half the
        # time of the suite.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }


class _TestSession(FlaskSQLAlchemySession):
    """A session that joins the test's transaction, when the test has one."""

    joined: sa.Connection | None = None

    def get_bind(self, *args, **kwargs):
        return self.joined or super().get_bind(*args, **kwargs)


class Client(FlaskClient):
    """A test client whose every request runs in its own application context, as in
    production: its own `g` (logged-in user, site settings) and its own database session."""

    def open(self, *args, **kwargs):
        # What the test wrote goes to the database before the request reads it, and objects
        # the test holds are read again after the request changed them.
        db.session.commit()
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def _app(database_url):
    app = create_app(app_config(database_url))
    app.test_client_class = Client
    db.session.session_factory.class_ = _TestSession
    db.session.session_factory.kw["join_transaction_mode"] = "create_savepoint"
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(request, _app, tmp_path):
    """One application for the whole run, and one database transaction per test, rolled
    back at its end: every commit inside the test is a savepoint. A test marked `commits`
    (other threads, processes or applications must see its writes) commits for real and
    has the tables emptied after it."""
    config = dict(_app.config)
    _app.instance_path = str(tmp_path)
    committing = request.node.get_closest_marker("commits") is not None
    with _app.app_context():
        if committing:
            yield _app
            db.session.rollback()
            _empty_tables()
        else:
            with db.engine.connect() as connection, _outer_transaction(connection):
                _TestSession.joined = connection
                try:
                    yield _app
                finally:
                    db.session.remove()
                    _TestSession.joined = None
        db.session.remove()
        # Inside the app's context: outside it the cache clears the app made last, which
        # after a test that made an app of its own is not this one.
        cache.clear()
        # The planner's estimates kept per process were made from this test's rows.
        search._asked_estimate.cache_clear()
    limiter.reset()
    _app.config.clear()
    _app.config.update(config)


@contextlib.contextmanager
def _outer_transaction(connection: sa.Connection):
    """A transaction around the whole test, rolled back after it."""
    sqlite = connection.dialect.name == "sqlite"
    driver = connection.connection.driver_connection
    if sqlite:
        # Python's sqlite3 module begins transactions itself, and not before a SAVEPOINT:
        # the test's commits would be real. Left to us, BEGIN comes first.
        driver.isolation_level = None
    transaction = connection.begin()
    if sqlite:
        connection.exec_driver_sql("BEGIN")
    try:
        yield
    finally:
        transaction.rollback()
        if sqlite:
            driver.isolation_level = ""  # back to the module's default for the next user


@contextlib.contextmanager
def undone():
    """Everything the application writes inside the block is undone after it (a savepoint
    in the test's transaction): for a test that sends many requests, each to the same data."""
    savepoint = _TestSession.joined.begin_nested()
    try:
        yield
    finally:
        if savepoint.is_active:
            savepoint.rollback()


def _empty_tables() -> None:
    # The article index is no table of the models (an FTS5 table on SQLite).
    db.session.execute(sa.text("DELETE FROM article_search"))
    for table in reversed(db.metadata.sorted_tables):
        if table.name == "comment_tallies":
            db.session.execute(sa.update(CommentTally).values(total=0))
        else:
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def other_url(database_url, tmp_path):
    """A new, empty database beside the suite's (to restore or load into), dropped
    afterwards."""
    url = sa.make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    name = f"{url.database}_restored"
    server = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.dispose()


@pytest.fixture
def other_site(other_url, tmp_path) -> Flask:
    """A second site on that database, as another deployment (or the same after a disaster)."""
    site = create_app(app_config(other_url))
    site.instance_path = str(tmp_path)
    site.test_client_class = Client
    yield site
    with site.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# The test's transaction stands in for the application's: the application's BEGIN and
# COMMIT arrive as these.
_SAVEPOINTS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


@contextlib.contextmanager
def statements_sent():
    """Every statement the application sent to the database inside the block, with its
    parameters (the savepoints that stand in for its transactions left out): those the
    engine's listeners see, and those run alone on a connection the pool lent
    (plainsql.PlainStatement.first and .alone), which no listener sees."""
    sent: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if not statement.startswith(_SAVEPOINTS):
            sent.append((statement, parameters))

    execute = PlainStatement._execute

    def record_lent(compiled, connection, parameters, listened=None, every=False):
        if listened is None:
            sent.append((compiled.sql, parameters))
        return execute(compiled, connection, parameters, listened, every)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    PlainStatement._execute = staticmethod(record_lent)
    try:
        yield sent
    finally:
        PlainStatement._execute = staticmethod(execute)
        sa.event.remove(db.engine, "before_cursor_execute", record)


# --- Parsing pages as a reader would ---------------------------------------------------


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def text_of(node) -> str:
    return " ".join(node.get_text(" ").split()) if node is not None else ""


def form_fields(form) -> dict[str, str]:
    """What a browser would send for this form before the user types anything."""
    data = {}
    for field in form.find_all(["input", "textarea", "select"]):
        name = field.get("name")
        if not name or field.get("type") in {"submit", "button"}:
            continue
        if field.get("type") == "checkbox":
            if field.has_attr("checked"):
                data[name] = field.get("value", "y")
            continue
        if field.name == "textarea":
            data[name] = field.get_text()
        elif field.name == "select":
            chosen = field.find("option", selected=True) or field.find("option")
            data[name] = chosen.get("value", chosen.get_text()) if chosen else ""
        else:
            data[name] = field.get("value", "")
    return data


def csrf_token(client, url: str) -> str:
    """The CSRF token a page's form carries for this client's session."""
    return page(client.get(url)).select_one("input[name=csrf_token]")["value"]


def submit_form(client, url: str, data: dict, selector: str = "form", **kwargs):
    """Open `url`, fill the form found by `selector` with `data`, and send it as a browser would."""
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    form = page(response).select_one(selector)
    assert form is not None, f"no {selector!r} on {url}"
    fields = form_fields(form)
    fields.update(data)
    action = urljoin(url, form.get("action") or url)
    return client.post(action, data=fields, **kwargs)


# --- Things the tests talk about -------------------------------------------------------


@pytest.fixture
def site(app) -> SiteSettings:
    settings = SiteSettings(
        organization_name="Riverside Tenants Union",
        tagline="Fair homes for every neighbor",
        contact_email="desk@riverside.example",
        street_address="12 Mill Road, Suite 4, Riverside",
        telephone="+1 555.0100",
        fax="+1 555.0101",
        footer_text="Riverside Tenants Union",
        timezone="UTC",
        comment_policy="Be kind. Stay on topic.",
    )
    db.session.add(settings)
    db.session.commit()
    return settings


@pytest.fixture
def section(app) -> Section:
    section = Section(name="In the News", slug="in-the-news", description="Coverage of us.")
    db.session.add(section)
    db.session.commit()
    return section


@pytest.fixture
def make_article(app, section):
    counter = iter(range(1, 10_000))

    def make(
        title: str | None = None,
        *,
        status: str = ArticleStatus.PUBLISHED,
        published_at=None,
        body: str = "A first paragraph.\n\nA second paragraph.",
        section: Section = section,
        comments_open: bool = True,
        **fields,
    ) -> Article:
        number = next(counter)
        title = title or f"Article number {number}"
        article = Article(
            section=section,
            title=title,
            slug=fields.pop("slug", f"article-{number}"),
            summary=fields.pop("summary", f"Summary of {title}."),
            body_markdown=body,
            body_html=render_markdown(body),
            status=status,
            published_at=published_at or utcnow() - timedelta(days=number),
            comments_open=comments_open,
            **fields,
        )
        db.session.add(article)
        search.index_article(article)  # as articles.save_article does
        db.session.commit()
        return article

    return make


@pytest.fixture
def article(make_article) -> Article:
    return make_article("Council Hears Tenants on Repairs", slug="council-hears-tenants")


@pytest.fixture
def make_comment(app):
    def make(article: Article, status: str = "pending", **fields) -> Comment:
        submitted = moderation.submit_comment(
            article.id,
            author_name=fields.pop("author_name", "Dana Reader"),
            author_email=fields.pop("author_email", "dana@example.com"),
            body=fields.pop("body", "A thoughtful remark."),
            fingerprint=fields.pop("fingerprint", None),
        )
        comment = db.session.get(Comment, submitted.id)
        if status != "pending":
            db.session.execute(
                sa.update(Comment).where(Comment.id == comment.id).values(status=status)
            )
            db.session.commit()
            moderation.recount()
            db.session.refresh(comment)
        for name, value in fields.items():
            setattr(comment, name, value)
        db.session.commit()
        return comment

    return make


def _make_user(email: str, name: str, role: str, active: bool = True) -> User:
    user = User(email=email, display_name=name, role=role, is_active=active)
    user.set_password(STAFF_PASSWORD)
    db.session.add(user)
    db.session.commit()
    return user


@pytest.fixture
def moderator(app) -> User:
    return _make_user("ana@newsroom.example", "Ana Moderator", Role.MODERATOR)


@pytest.fixture
def second_moderator(app) -> User:
    return _make_user("ben@newsroom.example", "Ben Moderator", Role.MODERATOR)


@pytest.fixture
def admin(app) -> User:
    return _make_user("ada@newsroom.example", "Ada Admin", Role.ADMIN)


@pytest.fixture
def inactive_moderator(app) -> User:
    return _make_user("gone@newsroom.example", "Gone Moderator", Role.MODERATOR, active=False)


def log_in(client, user: User, password: str = STAFF_PASSWORD):
    return submit_form(
        client, "/login", {"email": user.email, "password": password}, "form.login-form"
    )


def give_picture(app, article: Article, alt: str) -> None:
    """Store a photo-sized JPEG as `article`'s lead picture, as the editor's upload does."""
    from PIL import Image

    from newsroom import images

    out = io.BytesIO()
    Image.new("RGB", (900, 600), (200, 120, 40)).save(out, "JPEG")
    stored = images.store_upload(out.getvalue(), images.upload_folder(app.instance_path), 10**6)
    article.image_name, article.image_width, article.image_height = (
        stored.name,
        stored.width,
        stored.height,
    )
    article.image_alt = alt


@pytest.fixture
def staff(client, moderator):
    """The test client, logged in as a moderator."""
    log_in(client, moderator)
    return client


@pytest.fixture
def nothing_kept(app):
    """No queue rows or pages kept, as in a newly started worker (dashboard/rows.py, pages.py)."""
    from newsroom.dashboard import pages, rows

    rows.row_store().entries.clear()
    pages.page_store().entries.clear()


@pytest.fixture
def admin_client(client, admin):
    """A client logged in as the `admin` fixture."""
    assert log_in(client, admin).status_code == 303
    return client


# --- A real SMTP server (aiosmtpd), for the mail worker to send to ------------------------


@dataclass
class Received:
    """One message the test server accepted: its envelope and the parsed message."""

    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        """As a mail program shows it: Flask-Mailman folds an encoded subject onto the next
        line, which leaves a space in front once unfolded."""
        return str(self.message["Subject"]).strip()

    def part(self, subtype: str) -> str:
        found = self.message.get_body(preferencelist=(subtype,))
        return found.get_content() if found is not None else ""


@dataclass
class MailServer:
    """What the test server received, and how it answers: `refuse` maps an address to the
    reply its RCPT gets ("450 ..." try later, "550 ..." for good)."""

    host: str
    port: int
    received: list[Received] = dataclass_field(default_factory=list)
    refuse: dict[str, str] = dataclass_field(default_factory=dict)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        refusal = self.refuse.get(address.lower())
        if refusal is not None:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = BytesParser(policy=policy.default).parsebytes(envelope.content)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.recipients]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(app):
    """An SMTP server on a free loopback port, and the app set to send to it."""
    from aiosmtpd.controller import Controller

    server = MailServer("127.0.0.1", _free_port())
    controller = Controller(server, hostname=server.host, port=server.port)
    controller.start()
    app.config.update(
        MAIL_BACKEND="smtp",
        MAIL_SERVER=server.host,
        MAIL_PORT=server.port,
        MAIL_TIMEOUT=10,
        MAIL_DEFAULT_SENDER="news@riverside.example",
        PUBLIC_URL="http://news.riverside.example",
    )
    try:
        yield server
    finally:
        controller.stop()
