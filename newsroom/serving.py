"""gunicorn's threaded worker, made to share kept-alive connections among the workers
(gunicorn.conf.py names it as the worker class).

Every worker waits on the same listening socket, and the kernel wakes them all when a
client connects: whichever calls accept() first takes the connection, and serves it for as
long as the client keeps it alive. A worker that has just accepted one is as quick to take
the next, so one worker often took every connection of a few clients (four moderators'
browsers, say) and served them all on one core while the other workers idled: the queue
page measured 239 requests a second in one run and 625 in the next.

FairWorker steps aside after each connection it accepts: it stops listening for a moment
that grows with the connections it holds (ACCEPT_PAUSE each, at most MAX_ACCEPT_PAUSE), so
a worker holding fewer takes the next one. Nothing else waits: the worker serves its
connections during the pause, and a new connection waits in the listen queue only while
every worker pauses, for MAX_ACCEPT_PAUSE at most.
"""

from __future__ import annotations

import time

from gunicorn.workers.gthread import ThreadWorker

ACCEPT_PAUSE = 0.002  # seconds, for each connection the worker holds
MAX_ACCEPT_PAUSE = 0.01


def accept_pause(held: int) -> float:
    """How long a worker holding `held` connections, the one just accepted included,
    leaves the next one to the others."""
    return min(held * ACCEPT_PAUSE, MAX_ACCEPT_PAUSE)


class FairWorker(ThreadWorker):
    """gunicorn's gthread worker that pauses accepting after each connection it takes."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.accepting_from = 0.0  # time.monotonic() when the pause ends

    def accept(self, listener) -> None:
        held = self.nr_conns
        super().accept(listener)
        if self.nr_conns > held:
            self.accepting_from = time.monotonic() + accept_pause(self.nr_conns)
            self.set_accept_enabled(False)

    def set_accept_enabled(self, enabled: bool) -> None:
        # The worker's loop turns accepting back on as soon as it may hold more
        # connections; during a pause that waits for the pause's end.
        if enabled and time.monotonic() < self.accepting_from:
            return
        super().set_accept_enabled(enabled)

    def wait_for_and_dispatch_events(self, timeout: float) -> None:
        # Wake when the pause ends, so that the loop listens again at once.
        left = self.accepting_from - time.monotonic()
        if left > 0:
            timeout = min(timeout, left)
        super().wait_for_and_dispatch_events(timeout)
