"""Real Chromium against the app served on 127.0.0.1.

Uses Debian's chromium (Playwright's own browser download isn't needed). Without a
Chromium the tests skip, unless NEWSROOM_REQUIRE_BROWSER=1, when they fail instead.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _chromium() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser"):
        if candidate and (path := shutil.which(candidate)):
            return path
    return None


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(pytest.mark.commits)  # the served app answers in other threads
    if _chromium() is not None:
        return
    reason = "no Chromium found (apt-get install chromium, or set CHROMIUM=/path/to/chromium)"
    if os.environ.get("NEWSROOM_REQUIRE_BROWSER") == "1":
        for item in items:
            if "browser" in item.keywords:
                item.add_marker(pytest.mark.usefixtures("_browser_required"))
        return
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def _browser_required():
    pytest.fail("NEWSROOM_REQUIRE_BROWSER=1 but no Chromium was found")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": _chromium(), "args": CHROMIUM_FLAGS}


def _whole_bodies(app):
    """`app`, answering each request with its whole body read and its iterable closed.

    Werkzeug's development server skips closing a response (a picture's open file, say)
    when the browser drops the connection while the server drains it, and the file is
    then reported unclosed at garbage collection. The site sends nothing streamed, so
    reading the body first changes nothing the browser sees.
    """

    def whole(environ, start_response):
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()

    return whole


@pytest.fixture
def live_server(app):
    """The test's app on a free loopback port, in a thread, for the browser to visit."""
    server = make_server("127.0.0.1", 0, _whole_bodies(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(autouse=True, scope="session")
def _patient_expectations():
    # The machine may be busy with other work; a slow paint isn't a failure.
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)


AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def audited_page(browser):
    """A page axe-core can be run on (test_accessibility._violations)."""
    if not AXE.exists():
        pytest.fail("node_modules/axe-core is missing: run `make test` (it runs npm ci)")
    # axe is injected as a script; our pages forbid inline scripts, so let the test in.
    context = browser.new_context(bypass_csp=True)
    yield context.new_page()
    context.close()
