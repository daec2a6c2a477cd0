"""What operators watch: /healthz (newsroom/health/, newsroom/probes.py)."""

from __future__ import annotations

import os

import pytest
import redis
import sqlalchemy as sa
from flask import Flask

from newsroom import create_app
from newsroom.extensions import db
from tests.conftest import app_config

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
