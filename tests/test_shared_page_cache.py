"""A page cache shared by several processes (Redis, when scaled out): a page one process
drew is served by another, to readers who have no session yet, and their comments go in.

Each process here is a real one (tests/app_process.py); they share a FileSystemCache in a
temporary folder, which stands in for Redis: both keep the same bytes under the same keys.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from newsroom.discovery import discussed_period
from newsroom.extensions import db
from newsroom.models import Comment
from tests.conftest import app_config

ROOT = Path(__file__).resolve().parent.parent

# What the process's environment must not bring in: the test decides the database and cache.
_OWN_SETTINGS = ("DATABASE_URL", "REDIS_URL")


def run_app_process(config: dict, instance: Path, step: str, url: str, fields=None) -> dict:
    """Run one step of tests/app_process.py in a new process; what it reports."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("NEWSROOM_") and key not in _OWN_SETTINGS
    }
    instance.mkdir(exist_ok=True)
    env["NEWSROOM_INSTANCE_PATH"] = str(instance)
    args = [json.dumps(config), step, url] + ([json.dumps(fields)] if fields else [])
    finished = subprocess.run(
        [sys.executable, "-m", "tests.app_process", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 0, finished.stderr
    return json.loads(finished.stdout.strip().splitlines()[-1])


@pytest.fixture
def shared_cache_config(database_url, tmp_path) -> dict:
    """What every process is started with: the same database, secret key and cache."""
    return {
        **app_config(database_url),
        "CACHE_TYPE": "FileSystemCache",
        "CACHE_DIR": str(tmp_path / "page-cache"),
    }


@pytest.mark.commits
def test_a_page_one_process_drew_takes_a_new_readers_comment_in_another(
    shared_cache_config, tmp_path, site, article
):
    url = f"/articles/{article.slug}"
    # The page's key names the period of "most discussed"; if a new period began between
    # the two processes, the second rightly drew its own page, and the pair is run again,
    # with a cache of its own (the page the second process drew is in the first one).
    for attempt in range(2):
        config = {**shared_cache_config, "CACHE_DIR": str(tmp_path / f"page-cache-{attempt}")}
        fields = {
            "author_name": "Robin Fresh",
            "author_email": "robin@example.com",
            "body": "First visit, first comment." if attempt == 0 else "Second try, same page.",
        }
        period = discussed_period()
        drawer = run_app_process(config, tmp_path / "a", "read", url)
        assert drawer["status"] == 200
        assert drawer["drawn"] == ["public/article.html"]  # drawn, and kept in the shared cache
        server = run_app_process(config, tmp_path / "b", "comment", url, fields)
        if discussed_period() == period:
            break

    # The other process served the kept page (it drew nothing), and the form in it worked.
    assert server["status"] == 303, server
    assert server["location"] == f"{url}#comments"
    assert server["drawn"] == []
    stored = db.session.scalars(sa.select(Comment.body).order_by(Comment.id)).all()
    assert stored[-1] == fields["body"]
