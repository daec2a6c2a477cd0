"""The rate limiter's storage in one process (the default; REDIS_URL shares counts between
processes instead): the `limits` library's memory storage, without its thread per hit.

That storage clears expired counts on a timer thread, and starts a new one for a hit when
the last has ended, 10 ms after it began: under steady posting, a thread started for
nearly every comment, and the request waited for it to start, behind every other thread of
the worker for the interpreter. Here the expired counts are swept by whichever hit comes
first after SWEEP_EVERY_S instead. Counts are unchanged: a fixed window's count is read
fresh against its expiry on every hit anyway; the sweep only keeps memory bounded.
"""

from __future__ import annotations

import threading
import time

from limits.storage import MemoryStorage

SWEEP_EVERY_S = 10.0


class SweptMemoryStorage(MemoryStorage):
    """`newsroom-memory://`: MemoryStorage swept inline, never by a thread of its own."""

    STORAGE_SCHEME = ["newsroom-memory"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.timer.cancel()  # the one thread the parent starts, before it ever runs
        self._next_sweep = 0.0
        self._sweeping = threading.Lock()

    # The parent's hook, called on every hit (its name is mangled, being private there).
    def _MemoryStorage__schedule_expiry(self) -> None:
        now = time.monotonic()
        if now < self._next_sweep or not self._sweeping.acquire(blocking=False):
            return
        try:
            self._next_sweep = now + SWEEP_EVERY_S
            self._MemoryStorage__expire_events()
        finally:
            self._sweeping.release()
