"""gunicorn settings for newsroom: `gunicorn -c gunicorn.conf.py wsgi:app`.

Every value can be overridden from the environment (NEWSROOM_BIND, WEB_CONCURRENCY, ...).
"""

import ctypes
import gc
import multiprocessing
import os

bind = os.environ.get("NEWSROOM_BIND", "127.0.0.1:8000")
# One process per core plus one to cover I/O. Threaded workers keep connections alive
# (sync workers close each one), worth about a fifth more article pages a second in
# bench/; renders are CPU-bound, so a few threads are enough.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
# gunicorn's gthread worker that leaves new connections to the workers holding fewer
# (newsroom/serving.py): a few kept-alive clients are served on every core, not on one.
worker_class = "newsroom.serving.FairWorker"
threads = int(os.environ.get("NEWSROOM_THREADS", 4))
# Connections a worker holds at once (gunicorn's default is 1000). Kept-alive connections
# stay with the worker that accepted them, and one worker used to accept most of a burst:
# with 32 clients one worker served nearly all of them on one core while the others idled,
# and the article page measured anywhere from 750 to 1,900 requests a second, run to run.
# Three per thread spreads them (about 2,000 every run); behind nginx (deploy/nginx.conf)
# its 16 kept upstream connections fit in any two workers.
worker_connections = int(os.environ.get("NEWSROOM_WORKER_CONNECTIONS", threads * 3))
# Recycle workers now and then so memory stays flat over weeks of uptime.
max_requests = int(os.environ.get("NEWSROOM_MAX_REQUESTS", 20000))
max_requests_jitter = max_requests // 10
timeout = 30
keepalive = 5
accesslog = os.environ.get("NEWSROOM_ACCESS_LOG") or None
errorlog = "-"
# NEWSROOM_REQUEST_LOG=json: the app writes one JSON line per request (request id, method,
# path, status, duration) to standard error beside gunicorn's own lines; gunicorn configures
# only its own loggers, so nothing here stands in the way (newsroom/requestlog.py).
# Load the app before forking: workers share its memory pages until they write to them.
preload_app = True

# glibc's malloc gives threads that allocate at once arenas of their own, up to eight per
# core, and memory freed in one is not given back to another: a worker's few threads grew
# it by several megabytes for nothing, against the 100 MB a worker may take (bench/). Two
# arenas; the GIL leaves the threads little to contend for. MALLOC_ARENA_MAX, when set,
# is the operator's choice and stays.
M_ARENA_MAX = -8  # mallopt's parameter number, from glibc's malloc.h
MALLOC_ARENAS = 2


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


fewer_malloc_arenas()


def pre_fork(server, worker):
    # Everything the preloaded app made so far lives as long as the worker: move it out of
    # the collector's sight. A full collection then walks only what requests create (about
    # 2 ms, not 50 ms with every request in the worker waiting), and the pages stay shared
    # with the master instead of being copied when the collector touches them.
    gc.freeze()
