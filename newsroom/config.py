"""Configuration: defaults here <- instance/config.py <- NEWSROOM_* environment variables.

`DATABASE_URL` and `REDIS_URL` are read without the prefix, as hosting platforms set them.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask


class Defaults:
    # No ping at every checkout: newsroom/postgres.py checks a connection that sat idle.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # a reader may take an hour over a comment
    # The largest request body read, in bytes; anything larger is refused (413) before it
    # is read. The largest form is an article: 100,000 characters of body
    # (articles.ARTICLE_BODY_MAX) are at most 1.2 MB once a browser has encoded them, even
    # all in four-byte characters.
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    # The largest lead image an admin may upload (newsroom/images.py); the editor's form
    # may be larger than MAX_CONTENT_LENGTH by twice this, so a larger picture is refused
    # with a message beside the field and nothing else typed is lost.
    IMAGE_MAX_BYTES = 8_000_000
    # The site's address for absolute links (canonical links, feeds, the sitemap, OpenGraph),
    # e.g. "https://news.example.org"; empty: the address each request came to.
    SITE_URL = ""
    # Addresses in one sitemap file; past this many, /sitemap.xml is an index of files.
    SITEMAP_URLS_MAX = 50_000
    # Counts kept per process (newsroom/ratelimits.py); REDIS_URL shares them.
    RATELIMIT_STORAGE_URI = "newsroom-memory://"
    RATELIMIT_HEADERS_ENABLED = True
    COMMENT_RATE_LIMIT = "5 per minute"
    # Reports of comments from one client address (public/views.py).
    REPORT_RATE_LIMIT = "10 per 10 minutes"
    # Failed logins from one client address, whatever e-mail they name (Flask-Limiter).
    LOGIN_RATE_LIMIT = "10 per 5 minutes"
    # Failed logins per account, kept in the database so every worker counts the same ones
    # (newsroom/accounts.py). Within the window, an address (an IPv6 /64) that failed
    # LOGIN_FAILURES_PER_ADDRESS times for an e-mail is refused for it; once the e-mail has
    # failed LOGIN_FAILURES_PER_ACCOUNT times from all addresses together, every address that
    # failed for it at all is refused. An address that hasn't failed for it is always heard,
    # so nobody can lock the owner out.
    LOGIN_FAILURE_WINDOW_SECONDS = 900
    LOGIN_FAILURES_PER_ADDRESS = 5
    LOGIN_FAILURES_PER_ACCOUNT = 20
    # Admins see failed logins this far back; older rows are deleted as new ones come in.
    FAILED_LOGINS_KEPT_DAYS = 30
    ARTICLES_PER_PAGE = 10
    # How staff passwords are hashed (werkzeug.security); checking reads the method from
    # the stored hash, so changing this leaves existing passwords working.
    PASSWORD_HASH_METHOD = "scrypt"  # nosec B105 # the hash function's name, not a password
    CACHE_TYPE = "SimpleCache"
    CACHE_DEFAULT_TIMEOUT = 3600
    # Pages kept per worker by the in-process cache: an article page with 200 comments is
    # ~115 KB, so 200 of them keep a worker near 25 MB above its base, under the 100 MB
    # budget however many articles readers spread over. Redis (REDIS_URL) has no such cap.
    CACHE_THRESHOLD = 200
    # How many hops of reverse proxy (nginx, a load balancer) set X-Forwarded-For.
    PROXY_FIX_HOPS = 0
    # Public pages (home, sections, articles) are the same bytes for every reader without a
    # notice of their own. A shared cache in front (nginx, a CDN) may hold one this many
    # seconds, and serve it this many more while it fetches a new one; browsers always
    # revalidate (a 304 when nothing changed), so a reader never misses their own notice.
    PUBLIC_S_MAXAGE = 1
    PUBLIC_STALE_SECONDS = 30
    # Other origins whose pages may post the comment form ("https://www.example.org"), as a
    # list or one string separated by commas; the site's own address is always allowed.
    TRUSTED_ORIGINS: list[str] = []
    # Where to tell a CDN which pages changed (newsroom/purge.py); empty: off.
    PURGE_URL = ""
    PURGE_TOKEN = ""  # nosec B105 # empty: no Authorization header is sent
    PURGE_TIMEOUT = 2.0
    # "json": one JSON line per request on the "newsroom.requests" logger (requestlog.py).
    REQUEST_LOG = ""
    # E-mail (newsroom/mail/), sent by `flask --app newsroom mail-worker` through Flask-Mailman.
    # "smtp" sends through MAIL_SERVER; "folder" writes each message to MAIL_FILE_PATH
    # (instance/outbox/ unless set) as an .eml file and to the log, as `make run` does.
    MAIL_BACKEND = "smtp"
    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_USE_TLS = False  # STARTTLS on a plain connection (port 587)
    MAIL_USE_SSL = False  # TLS from the start (port 465)
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""  # nosec B105 # empty: no login
    MAIL_TIMEOUT = 30
    # The From address; the site's name is shown with it.
    MAIL_DEFAULT_SENDER = "newsroom@localhost"
    # Links in messages start with this: the site's address as readers reach it.
    PUBLIC_URL = "http://127.0.0.1:5000"
    # Messages one address may be sent in any 24 hours; more are not queued.
    MAIL_DAILY_LIMIT = 20
    # A failed send is tried again after this many seconds, doubling each time up to the
    # most; it is never given up while the server answers "try later".
    MAIL_RETRY_SECONDS = 60
    MAIL_RETRY_MAX_SECONDS = 3600
    # How long a worker holds the messages it claimed; one that died leaves them to the next
    # worker after this.
    MAIL_LEASE_SECONDS = 600
    # Sent, dropped and refused messages are kept this long, then deleted.
    MAIL_KEPT_DAYS = 30


def load_config(app: Flask, test_config: dict | None) -> None:
    app.config.from_object(Defaults)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(
        app.instance_path, "newsroom.db"
    )
    app.config.from_pyfile("config.py", silent=True)
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = _sqlalchemy_url(os.environ["DATABASE_URL"])
    if os.environ.get("REDIS_URL"):
        app.config["RATELIMIT_STORAGE_URI"] = os.environ["REDIS_URL"]
        app.config["CACHE_TYPE"] = "RedisCache"
        app.config["CACHE_REDIS_URL"] = os.environ["REDIS_URL"]
    app.config.from_prefixed_env("NEWSROOM")
    if test_config:
        app.config.update(test_config)
    if not app.config.get("MAIL_FILE_PATH"):
        app.config["MAIL_FILE_PATH"] = os.path.join(app.instance_path, "outbox")
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(Path(app.instance_path))


def _sqlalchemy_url(url: str) -> str:
    """Hosting platforms hand out postgres:// URLs; SQLAlchemy wants the psycopg 3 driver named."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _instance_secret_key(instance: Path) -> str:
    """Generate the key once per deployment, readable only by its owner; never in the repo."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip()
