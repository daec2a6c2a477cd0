"""The rate limiter's in-process storage (newsroom/ratelimits.py): it counts like the
library's, starts no thread per hit, and still forgets expired counts."""

from __future__ import annotations

import threading
import time

import limits
import pytest
from limits.strategies import FixedWindowRateLimiter

from newsroom import ratelimits
from newsroom.extensions import limiter
from newsroom.ratelimits import SweptMemoryStorage


def test_the_app_counts_in_it_unless_redis_is_configured(app):
    assert app.config["RATELIMIT_STORAGE_URI"] == "newsroom-memory://"
    assert isinstance(limiter.limiter.storage, SweptMemoryStorage)


def test_many_hits_start_no_thread():
    storage = SweptMemoryStorage()
    counter = FixedWindowRateLimiter(storage)
    item = limits.parse("1000 per minute")
    time.sleep(0.05)  # were its first timer to run, it would have by now
    before = set(threading.enumerate())
    for n in range(300):
        counter.hit(item, f"reader-{n % 7}")
        if n % 50 == 0:
            time.sleep(0.02)  # longer than the library's timer: it would start anew here
    # Threads of earlier tests may end meanwhile; none may begin.
    assert set(threading.enumerate()) - before == set()


def test_it_counts_a_window_and_forgets_it_when_it_ends():
    counter = FixedWindowRateLimiter(SweptMemoryStorage())
    item = limits.parse("2 per 1 second")
    assert counter.hit(item, "a") and counter.hit(item, "a")
    assert not counter.hit(item, "a")
    assert counter.hit(item, "b")  # each key apart
    time.sleep(1.1)
    assert counter.hit(item, "a")


def test_expired_counts_are_swept_by_a_later_hit(monkeypatch):
    storage = SweptMemoryStorage()
    counter = FixedWindowRateLimiter(storage)
    short, long = limits.parse("5 per 1 second"), limits.parse("5 per 1 hour")
    for n in range(50):
        counter.hit(short, f"gone-{n}")
    assert len(storage.storage) == 50
    time.sleep(1.1)
    counter.hit(long, "early")  # within SWEEP_EVERY_S of the first sweep: nothing swept
    assert len(storage.storage) == 51
    monkeypatch.setattr(ratelimits, "SWEEP_EVERY_S", 0.0)
    storage._next_sweep = 0.0
    counter.hit(long, "kept")
    assert set(storage.storage) == {
        long.key_for("early"),
        long.key_for("kept"),
    }


@pytest.mark.parametrize("hits", [1, 3])
def test_a_sweep_running_elsewhere_is_not_waited_for(hits):
    storage = SweptMemoryStorage()
    counter = FixedWindowRateLimiter(storage)
    item = limits.parse("10 per minute")
    storage._next_sweep = 0.0
    with storage._sweeping:  # another thread is sweeping: hits go on without it
        for _ in range(hits):
            assert counter.hit(item, "reader")
    assert storage.get(item.key_for("reader")) == hits
