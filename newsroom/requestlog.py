"""Structured request logs: one JSON line per request on the "newsroom.requests" logger, when
REQUEST_LOG is "json" (NEWSROOM_REQUEST_LOG=json); off by default, and then not in the way.

A line holds the request id, the method, the path, the status and the time the app took to
answer, in milliseconds:

    {"request_id": "9f1c...", "method": "GET", "path": "/articles/x", "status": 200,
     "duration_ms": 4.21}

The request id is the caller's `X-Request-ID` when it is short and plain (a proxy in front
may set one), else a new one; the response carries it back in `X-Request-ID`, and the app
finds it in `request.environ["newsroom.request_id"]`. Never logged: the query string (it may
carry tokens), bodies, cookies, other headers, addresses.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
import time
from collections.abc import Callable, Iterable

from flask import Flask
from flask.logging import has_level_handler

log = logging.getLogger("newsroom.requests")

REQUEST_ID_HEADER = "X-Request-ID"
ENVIRON_KEY = "newsroom.request_id"
_PLAIN_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
# Paths are bounded before they reach a log line; a method is a short word.
MAX_PATH = 512
MAX_METHOD = 16


def register(app: Flask) -> None:
    """Wrap the app in the request log when the configuration asks for it."""
    setting = app.config["REQUEST_LOG"]
    if not setting:
        return
    if setting != "json":
        raise ValueError(f'REQUEST_LOG is "json" or empty (off), not {setting!r}.')
    log.setLevel(logging.INFO)
    if not has_level_handler(log):
        # Nothing configured to take the lines (the server configures only its own loggers):
        # they go to standard error as they are, one JSON document a line.
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
    app.wsgi_app = RequestLog(app.wsgi_app)


def request_id_from(header: str) -> str:
    """The caller's id when it is plain enough to log and send back, else a new one."""
    return header if _PLAIN_ID.fullmatch(header) else secrets.token_hex(16)


class RequestLog:
    """WSGI middleware: outside Flask, so it times and logs every answer, errors included."""

    def __init__(self, wsgi_app: Callable) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()
        request_id = request_id_from(environ.get("HTTP_X_REQUEST_ID", ""))
        environ[ENVIRON_KEY] = request_id
        logged = False

        def start(status: str, headers: list, exc_info=None):
            nonlocal logged
            headers = [(name, value) for name, value in headers if name.lower() != "x-request-id"]
            headers.append((REQUEST_ID_HEADER, request_id))
            if not logged:
                logged = True
                _write(environ, request_id, int(status.split(" ", 1)[0]), started)
            return start_response(status, headers, exc_info)

        try:
            return self.wsgi_app(environ, start)
        except Exception:
            if not logged:  # only when errors propagate (PROPAGATE_EXCEPTIONS, tests)
                _write(environ, request_id, 500, started)
            raise


def _write(environ: dict, request_id: str, status: int, started: float) -> None:
    # WSGI hands the path over as Latin-1 characters for the raw bytes; readers want UTF-8.
    raw = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    path = raw.encode("latin-1", "replace").decode("utf-8", "replace")
    line = {
        "request_id": request_id,
        "method": environ.get("REQUEST_METHOD", "")[:MAX_METHOD],
        "path": path[:MAX_PATH],
        "status": status,
        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
    }
    log.info(json.dumps(line))
