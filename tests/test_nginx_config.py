"""deploy/nginx.conf, the front cache that ships: what it promises readers and staff, its
loopback variant (bench/front_cache.py) changed only where marked, and nginx accepting it.

bench/scale_out.sh runs it for real; these checks are the cheap part, for every test run."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from flask_login.config import COOKIE_NAME

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "deploy" / "nginx.conf"


@pytest.fixture
def front_cache(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "bench"))
    import front_cache

    yield front_cache
    for name in ("front_cache", "processes"):
        sys.modules.pop(name, None)


def directives(name: str) -> list[str]:
    """The arguments of every `name` directive in force, whitespace collapsed (comments
    left out)."""
    text = re.sub(r"#[^\n]*", "", CONFIG.read_text())
    statements = (statement.split() for statement in re.split(r"[;{}]", text))
    return [" ".join(words[1:]) for words in statements if words and words[0] == name]


def test_sessions_and_staff_go_past_the_cache_and_are_never_stored(app):
    # The app's own cookie names: renaming one there without here would cache staff pages.
    cookies = {
        app.config["SESSION_COOKIE_NAME"],
        app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME),
    }
    wanted = {f"$cookie_{name}" for name in cookies}
    for name in ("proxy_cache_bypass", "proxy_no_cache"):
        (arguments,) = directives(name)
        assert set(arguments.split()) == wanted, name


def test_the_app_decides_what_is_kept():
    # Set-Cookie, private and no-store keep their meaning; nothing unmarked is stored.
    assert directives("proxy_ignore_headers") == []
    assert directives("proxy_cache_valid") == []
    assert directives("proxy_cache_methods") == ["GET HEAD"]
    # The app's stale-while-revalidate bounds stale copies: `updating` would lift it.
    (stale,) = directives("proxy_cache_use_stale")
    assert "updating" not in stale.split()
    assert directives("proxy_cache_background_update") == ["on"]
    assert directives("proxy_cache_lock") == ["on"]
    assert "$upstream_cache_status always" in directives("add_header")[0]


def test_what_the_instances_read_is_passed_on():
    headers = dict(h.split(None, 1) for h in directives("proxy_set_header"))
    assert headers["Host"] == "$http_host"  # the comment form's Origin check
    assert headers["X-Forwarded-For"] == "$remote_addr"  # one trusted hop, not the reader's
    assert headers["X-Forwarded-Proto"] == "$scheme"
    (key,) = directives("proxy_cache_key")
    assert "$http_host" in key and "$request_uri" in key


def test_loopback_variant_changes_only_the_marked_lines(front_cache, tmp_path):
    site = front_cache.loopback_site(8080, [9001, 9002], tmp_path / "cache")
    shipped = CONFIG.read_text().splitlines()
    kept = set(site.splitlines())
    changed = [line for line in shipped if line not in kept]
    assert changed and all(front_cache.ADAPT in line for line in changed)
    assert "listen 127.0.0.1:8080;" in site
    assert "server 127.0.0.1:9001;" in site and "server 127.0.0.1:9002;" in site


def test_an_unknown_marked_line_stops_the_benchmarks(front_cache, tmp_path):
    changed = tmp_path / "nginx.conf"
    changed.write_text(CONFIG.read_text() + "resolver 10.0.0.53;  # adapt: your resolver\n")
    with pytest.raises(front_cache.ConfigChanged, match="resolver"):
        front_cache.loopback_site(8080, [9001], tmp_path / "cache", shipped=changed)


def test_nginx_accepts_the_loopback_variant(front_cache, tmp_path):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        pytest.skip("nginx is not installed")
    conf = front_cache.write_config(tmp_path, 8080, [9001, 9002])
    result = subprocess.run(
        [nginx, "-t", "-q", "-c", str(conf), "-p", str(tmp_path), "-e", str(tmp_path / "e.log")],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
