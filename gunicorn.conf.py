"""gunicorn settings for newsroom: `gunicorn -c gunicorn.conf.py wsgi:app`.

Every value can be overridden from the environment (NEWSROOM_BIND, WEB_CONCURRENCY, ...).
"""

import gc
import multiprocessing
import os

bind = os.environ.get("NEWSROOM_BIND", "127.0.0.1:8000")
# One process per core plus one to cover I/O. Threaded workers keep connections alive
# (sync workers close each one), worth about a fifth more article pages a second in
# bench/; renders are CPU-bound, so a few threads are enough.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
worker_class = "gthread"
threads = int(os.environ.get("NEWSROOM_THREADS", 4))
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


def pre_fork(server, worker):
    # Everything the preloaded app made so far lives as long as the worker: move it out of
    # the collector's sight. A full collection then walks only what requests create (about
    # 2 ms, not 50 ms with every request in the worker waiting), and the pages stay shared
    # with the master instead of being copied when the collector touches them.
    gc.freeze()
