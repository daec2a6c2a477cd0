"""What operators watch: /healthz (newsroom/health/, newsroom/probes.py) and the structured
request log (newsroom/requestlog.py)."""

from __future__ import annotations

import json
import logging
import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
from flask import Flask

from newsroom import create_app
from newsroom.extensions import db
from tests.conftest import app_config, form_fields, page
from tests.server_process import served, site_environment, socket_to

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def make_site():
    """Another app, as another deployment would start with its own configuration."""
    made: list[Flask] = []

    def make(database_url: str, **config) -> Flask:
        made.append(create_app({**app_config(database_url), **config}))
        return made[-1]

    yield make
    for site in made:
        with site.app_context():
            db.engine.dispose()


def _unreachable_database(database_url: str) -> str:
    if sa.make_url(database_url).get_backend_name() == "sqlite":
        return "sqlite:////nonexistent-folder/newsroom.db"
    return "postgresql+psycopg://postgres@127.0.0.1:1/newsroom"


def _health(client) -> tuple[int, dict]:
    response = client.get("/healthz")
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    return response.status_code, response.get_json()


# --- /healthz ----------------------------------------------------------------------------


def test_healthz_says_ok_to_anyone_without_a_login_or_a_limit(client):
    for _ in range(20):
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.get_json() == {"database": "ok", "cache": "ok"}
        assert response.headers["Cache-Control"] == "no-store"
        assert "Set-Cookie" not in response.headers
        assert "X-RateLimit-Limit" not in response.headers
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


# The other site's session must not join this test's transaction: it would reach the
# suite's database whatever its own URL says.
@pytest.mark.commits
def test_healthz_names_the_database_when_it_does_not_answer(app, database_url, make_site, caplog):
    site = make_site(_unreachable_database(database_url))

    status, parts = _health(site.test_client())

    assert (status, parts) == (503, {"database": "failed", "cache": "ok"})
    assert "did not answer (OperationalError)" in caplog.text  # the why, for the operator


def test_healthz_names_the_cache_when_it_does_not_answer(database_url, make_site, caplog):
    site = make_site(database_url, CACHE_TYPE="RedisCache", CACHE_REDIS_URL="redis://127.0.0.1:1/0")

    response = site.test_client().get("/healthz")

    assert response.status_code == 503
    # The state of each part and nothing else: no error text, no address.
    assert response.get_data(as_text=True).strip() == '{"cache":"failed","database":"ok"}'
    assert "the cache did not answer (ConnectionError)" in caplog.text


def test_healthz_with_a_shared_redis_cache_leaves_nothing_behind(database_url, make_site):
    server = redis.Redis.from_url(REDIS_URL)
    try:
        server.ping()
    except redis.RedisError:
        pytest.skip(f"no Redis server at {REDIS_URL}")
    prefix = f"newsroom-test-{os.getpid()}:"
    site = make_site(
        database_url, CACHE_TYPE="RedisCache", CACHE_REDIS_URL=REDIS_URL, CACHE_KEY_PREFIX=prefix
    )

    assert _health(site.test_client()) == (200, {"database": "ok", "cache": "ok"})
    assert server.keys(prefix + "*") == []
    server.close()


# --- Request logs ------------------------------------------------------------------------


def _request_lines(caplog) -> list[dict]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "newsroom.requests"]


@pytest.fixture
def logged_site(database_url, make_site):
    return make_site(database_url, REQUEST_LOG="json")


def test_request_logs_are_off_by_default(client, caplog):
    caplog.set_level(logging.DEBUG)

    response = client.get("/healthz")

    assert _request_lines(caplog) == []
    assert "X-Request-ID" not in response.headers


def test_each_request_is_one_json_line_without_query_body_or_personal_data(
    logged_site, site, article, caplog
):
    client = logged_site.test_client()
    url = f"/articles/{article.slug}"

    shown = client.get(url + "?token=do-not-log-me")
    form = page(shown).select_one("form.comment-form")
    posted = client.post(
        form["action"],
        data={
            **form_fields(form),
            "author_name": "Rae Private",
            "author_email": "rae.private@example.com",
            "body": "A comment body that stays out of the log.",
        },
    )
    missing = client.get("/sections/caf%C3%A9/")

    lines = _request_lines(caplog)
    assert [(line["method"], line["path"], line["status"]) for line in lines] == [
        ("GET", url, 200),
        ("POST", form["action"].split("#")[0], 303),
        ("GET", "/sections/café/", 404),
    ]
    for line, response in zip(lines, (shown, posted, missing), strict=True):
        assert set(line) == {"request_id", "method", "path", "status", "duration_ms"}
        assert response.headers["X-Request-ID"] == line["request_id"]
        assert len(line["request_id"]) == 32 and int(line["request_id"], 16) >= 0
        assert isinstance(line["duration_ms"], float) and 0 <= line["duration_ms"] < 10_000
    assert len({line["request_id"] for line in lines}) == 3
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "newsroom.requests")
    cookie = client.get_cookie("session").value
    for secret in (
        "do-not-log-me",
        "rae.private@example.com",
        "Rae Private",
        "stays out of the log",
        form_fields(form)["form_token"],
        cookie,
    ):
        assert secret not in logged


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("req-42.edge:7_a", True),
        ("0123456789abcdef" * 4, True),
        ("0123456789abcdef" * 4 + "x", False),  # too long
        ("two words", False),
        ('{"status": 200}', False),
        ("café", False),
        ("", False),
    ],
)
def test_an_incoming_request_id_is_kept_only_when_short_and_plain(logged_site, caplog, sent, kept):
    response = logged_site.test_client().get("/healthz", headers={"X-Request-ID": sent})

    [line] = _request_lines(caplog)
    assert response.headers["X-Request-ID"] == line["request_id"]
    if kept:
        assert line["request_id"] == sent
    else:
        assert line["request_id"] != sent and len(line["request_id"]) == 32


def test_an_unknown_request_log_setting_stops_the_start(database_url):
    with pytest.raises(ValueError, match='REQUEST_LOG is "json" or empty'):
        create_app({**app_config(database_url), "REQUEST_LOG": "text"})


def test_the_server_writes_the_request_log_to_standard_error(tmp_path):
    with (
        served(tmp_path, NEWSROOM_REQUEST_LOG="json", WEB_CONCURRENCY="1") as server,
        socket_to(server.port) as connection,
    ):
        connection.request("GET", "/healthz?key=hidden", headers={"X-Request-ID": "probe-1"})
        response = connection.getresponse()
        assert response.status == 200
        assert response.getheader("X-Request-ID") == "probe-1"
    lines = [json.loads(x) for x in server.stderr.splitlines() if x.startswith("{")]
    assert [(x["request_id"], x["method"], x["path"], x["status"]) for x in lines] == [
        ("probe-1", "GET", "/healthz", 200)
    ]


def _imported_by_wsgi(environment: dict[str, str]) -> list[str]:
    """The heavy modules a web worker's app (wsgi.py) imports, in a fresh interpreter."""
    probe = (
        "import json, sys, wsgi; print(json.dumps(sorted(m for m in "
        "('alembic', 'flask_migrate', 'newsroom.cli', 'newsroom.imports', 'psycopg') "
        "if m in sys.modules)))"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(found.stdout.splitlines()[-1])


def test_the_web_workers_load_no_migrations_and_no_commands(tmp_path):
    """Alembic, the command line's modules and (on SQLite) the PostgreSQL driver are a
    fifth of a worker's memory, and a worker runs none of them."""
    assert _imported_by_wsgi(site_environment(tmp_path)) == []


def test_the_command_line_keeps_its_commands(app):
    """`flask --app newsroom ...` makes the app without `serving`: migrations and every
    command are there; the workers' app has neither."""
    assert {"db", "seed-demo", "import-wordpress", "backup"} <= set(app.cli.commands)
    assert "migrate" in app.extensions
    serving = create_app(dict(app.config), serving=True)
    assert not {"db", "seed-demo", "import-wordpress", "backup"} & set(serving.cli.commands)
    assert "migrate" not in serving.extensions


def test_the_server_caps_mallocs_arenas_unless_the_operator_did():
    settings = runpy.run_path(str(ROOT / "serve.py"))
    assert settings["fewer_malloc_arenas"]() is True  # glibc: the cap is taken
    os.environ["MALLOC_ARENA_MAX"] = "4"
    try:
        assert settings["fewer_malloc_arenas"]() is False
    finally:
        del os.environ["MALLOC_ARENA_MAX"]
