"""Telling a shared cache (a CDN) which pages changed, so it can drop them at once instead of
waiting out their `s-maxage`: off unless PURGE_URL is set.

Public pages name what they show in `Surrogate-Key` / `Cache-Tag` headers ("site",
"listings", "section-<id or slug>", "article-<id>"; public/views.py). A service that moves a
page's version names the same keys with `later(...)`, in the same transaction; once that
transaction commits, the keys are POSTed to PURGE_URL as JSON, `{"surrogate_keys": [...]}`,
with a `Surrogate-Key` header holding them too and, when PURGE_TOKEN is set,
`Authorization: Bearer <token>`. A small adapter in front of a given CDN's API, or the
CDN itself where it accepts this form, does the rest.

Sending happens on one thread per process, after the commit, so a decision never waits
for the CDN; a failed purge is logged and dropped: the page then leaves the cache when its
`s-maxage` runs out, as it would without purging.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.request
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask, current_app
from flask_sqlalchemy.session import Session

from newsroom.extensions import db

log = logging.getLogger(__name__)

_KEYS = "newsroom_purge_keys"
_TARGET = "newsroom_purge_target"
# One sending thread per process (a fork copies no threads), made on the first purge.
_senders: dict[int, ThreadPoolExecutor] = {}


def init_app(app: Flask) -> None:
    url = app.config["PURGE_URL"]
    if url and urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"PURGE_URL must be an http:// or https:// address, not {url!r}")


def later(*keys: str) -> None:
    """Name pages the caller's transaction changes; they are purged once it commits."""
    url = current_app.config["PURGE_URL"]
    if not url or not keys:
        return
    info = db.session().info
    info.setdefault(_KEYS, set()).update(keys)
    info[_TARGET] = (url, current_app.config["PURGE_TOKEN"], current_app.config["PURGE_TIMEOUT"])


@sa.event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    keys = session.info.pop(_KEYS, None)
    target = session.info.pop(_TARGET, None)
    if keys and target:
        _sender().submit(send, sorted(keys), *target)


@sa.event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous_transaction) -> None:
    session.info.pop(_KEYS, None)
    session.info.pop(_TARGET, None)


def _sender() -> ThreadPoolExecutor:
    pid = os.getpid()
    if pid not in _senders:
        _senders[pid] = ThreadPoolExecutor(max_workers=1, thread_name_prefix="purge")
    return _senders[pid]


def send(keys: Iterable[str], url: str, token: str, timeout: float) -> bool:
    """POST `keys` to `url`; True when it answered 2xx. Never raises."""
    keys = list(keys)
    headers = {"Content-Type": "application/json", "Surrogate-Key": " ".join(keys)}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = json.dumps({"surrogate_keys": keys}).encode()
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        # The scheme was checked at start-up (init_app): http or https, never file: or ftp:.
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # nosec B310
            return 200 <= answer.status < 300
    except (OSError, ValueError) as error:  # refused, timed out, 4xx/5xx (HTTPError)
        log.warning("purge of %s at %s failed: %s", " ".join(keys), url, error)
        return False
