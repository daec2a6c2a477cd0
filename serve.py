"""The site under granian, as deployed: `python serve.py` (from this folder, in the venv).

Every setting comes from the environment:

- NEWSROOM_BIND: `host:port` (default 127.0.0.1:8000) or `unix:/path/to/socket`;
- WEB_CONCURRENCY: worker processes (default: the cores + 1);
- NEWSROOM_THREADS: threads running the app in each worker (default 1);
- NEWSROOM_WORKER_MAX_RSS: a worker whose resident memory passes this many MB is
  replaced, gracefully (default 200; 0: never);
- NEWSROOM_ACCESS_LOG: "1" logs every request on standard error (default: off; nginx
  in front keeps the access log).

granian's HTTP side is Rust: it reads requests and writes answers without Python's global
lock, and hands the app one request at a time per thread. Against gunicorn's threaded
workers on the same 2-core machine (bench/, 5 rounds each), the article page went from
about 2,000 to 2,770 requests a second, and the moderators' p99 from about 25 to 14 ms;
the comment POST stayed where it was (its cost is the app's).
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import sys
from dataclasses import dataclass
from pathlib import Path

# One thread per worker runs the app: on SQLite the work is CPU-bound (renders, queries in
# the worker's own thread), and a second thread only takes turns with the first for the
# global lock. On PostgreSQL a second thread fills a worker's waits for the server: on
# one machine's pg-small it posted a quarter more comments, on another no more, and the
# queue's p99 grew on both (README).
DEFAULT_THREADS = 1
DEFAULT_MAX_RSS_MB = 200
DEFAULT_BIND = "127.0.0.1:8000"
# A worker asked to stop finishes what it holds for this long at most.
STOP_TIMEOUT_S = 30
# How often the memory of the workers is read, when it has a limit.
RSS_SAMPLE_S = 30

# glibc's malloc gives threads that allocate at once arenas of their own, up to eight per
# core, and memory freed in one is not given back to another: a worker's threads (the
# app's and the server's own) grew it by several megabytes for nothing, against the 100 MB
# a worker may take (bench/). Two arenas. MALLOC_ARENA_MAX, when set, is the operator's
# choice and stays.
M_ARENA_MAX = -8  # mallopt's parameter number, from glibc's malloc.h
MALLOC_ARENAS = 2


class SettingError(ValueError):
    """A setting in the environment that the server can't start with."""


@dataclass(frozen=True)
class Settings:
    """What settings_from read; its defaults are there."""

    address: str
    port: int
    socket_path: Path | None  # a Unix socket instead of address and port
    workers: int
    threads: int
    max_rss_mb: int | None  # None: never replaced for its memory
    access_log: bool


def _whole_number(environ: dict[str, str], name: str, default: int, least: int) -> int:
    text = environ.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < least:
        raise SettingError(f"{name} is a whole number of at least {least}, not {text!r}.")
    return int(text)


def settings_from(environ: dict[str, str], cores: int) -> Settings:
    """The server's settings from `environ`; SettingError names the one that is wrong."""
    bind = environ.get("NEWSROOM_BIND", "").strip() or DEFAULT_BIND
    address, port, socket_path = "", 0, None
    if bind.startswith("unix:"):
        socket_path = Path(bind.removeprefix("unix:"))
        if not socket_path.name:
            raise SettingError(f"NEWSROOM_BIND names no socket file: {bind!r}.")
    else:
        address, _, port_text = bind.rpartition(":")
        address = address.strip("[]")
        if not address or not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise SettingError(f"NEWSROOM_BIND is host:port or unix:/path, not {bind!r}.")
        port = int(port_text)
    max_rss = _whole_number(environ, "NEWSROOM_WORKER_MAX_RSS", DEFAULT_MAX_RSS_MB, 0)
    return Settings(
        address=address,
        port=port,
        socket_path=socket_path,
        workers=_whole_number(environ, "WEB_CONCURRENCY", cores + 1, 1),
        threads=_whole_number(environ, "NEWSROOM_THREADS", DEFAULT_THREADS, 1),
        max_rss_mb=max_rss or None,
        access_log=environ.get("NEWSROOM_ACCESS_LOG", "").strip().lower() in {"1", "true", "yes"},
    )


def fewer_malloc_arenas() -> bool:
    """Cap glibc's malloc arenas for this process and the workers it forks; False where
    the C library is not glibc or the operator set MALLOC_ARENA_MAX."""
    if "MALLOC_ARENA_MAX" in os.environ:
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    return mallopt(M_ARENA_MAX, MALLOC_ARENAS) == 1


def main() -> None:
    from granian.constants import HTTPModes, Interfaces
    from granian.server import Server

    settings = settings_from(dict(os.environ), os.cpu_count() or 1)
    fewer_malloc_arenas()
    # The app is made once, here, and the workers are forked from this process: they
    # share its memory pages until they write to them (a worker's own copy of the app
    # would cost each one its whole import again).
    from wsgi import app

    # What the app made so far lives as long as the workers: out of the collector's sight,
    # a full collection walks only what requests create, and the shared pages stay shared.
    gc.freeze()
    multiprocessing.set_start_method("fork", force=True)
    bound = (
        {"uds": settings.socket_path}
        if settings.socket_path
        else {"address": settings.address, "port": settings.port}
    )
    server = Server(
        "wsgi:app",
        **bound,
        interface=Interfaces.WSGI,
        http=HTTPModes.http1,
        websockets=False,
        workers=settings.workers,
        blocking_threads=settings.threads,
        respawn_failed_workers=True,
        workers_kill_timeout=STOP_TIMEOUT_S,
        workers_max_rss=settings.max_rss_mb,
        rss_sample_interval=RSS_SAMPLE_S,
        log_access=settings.access_log,
    )
    server.serve(target_loader=lambda _target: app)


if __name__ == "__main__":
    try:
        main()
    except SettingError as error:
        print(f"serve.py: {error}", file=sys.stderr)
        sys.exit(2)
