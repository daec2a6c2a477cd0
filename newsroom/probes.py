"""What /healthz asks: does the database answer, and does the cache keep a value and give it
back. Each answer is a yes or a no; why a probe failed goes to the log, never to the caller.
"""

from __future__ import annotations

import logging
import secrets

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from newsroom.extensions import cache, db

log = logging.getLogger(__name__)


def database_answers() -> bool:
    try:
        db.session.execute(sa.text("SELECT 1")).scalar_one()
    except SQLAlchemyError as error:
        db.session.rollback()
        log.warning("Health check: the database did not answer (%s).", type(error).__name__)
        return False
    return True


def cache_answers() -> bool:
    # A key of its own per probe: instances sharing one Redis never read each other's.
    key, token = f"healthz:{secrets.token_hex(8)}", secrets.token_hex(8)
    try:
        kept = cache.set(key, token, timeout=30) and cache.get(key) == token
        cache.delete(key)
    except Exception as error:  # each cache backend fails with errors of its own
        log.warning("Health check: the cache did not answer (%s).", type(error).__name__)
        return False
    if not kept:
        log.warning("Health check: the cache did not give back what it was given.")
    return bool(kept)
