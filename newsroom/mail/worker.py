"""The mail worker (`flask --app newsroom mail-worker`): sends what the outbox holds, checks
now and then whether the moderators' digest is due, and deletes old finished rows.

Each message is marked as soon as its try ends, in its own transaction: a worker stopped
(Ctrl+C, SIGTERM) finishes the message in hand, gives back those it claimed and didn't
try, and a worker started next sends none of them twice. Only a worker killed between the
server's "accepted" and that mark leaves a message that the next worker sends again, after
the lease (MAIL_LEASE_SECONDS), with the same Message-ID, so the receiving side can tell.
Several workers may run at once: each sends only what it claimed.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import threading
import time
from collections import Counter
from datetime import datetime

from flask import Flask

from newsroom.extensions import db
from newsroom.mail import digest, messages, outbox, sending

log = logging.getLogger("newsroom.mail")

POLL_SECONDS = 2.0
DIGEST_CHECK_SECONDS = 60.0
PRUNE_SECONDS = 3600.0


class Worker:
    """Sends the outbox's messages for `app` until stopped."""

    def __init__(
        self,
        app: Flask,
        *,
        poll_seconds: float = POLL_SECONDS,
        digest_check_seconds: float = DIGEST_CHECK_SECONDS,
    ) -> None:
        self.app = app
        self.poll_seconds = poll_seconds
        self.digest_check_seconds = digest_check_seconds
        self.stopping = threading.Event()

    def stop(self) -> None:
        """Finish the message in hand, give the rest back, and end run()."""
        self.stopping.set()

    def run(self) -> None:
        next_digest_check = next_prune = 0.0
        while not self.stopping.is_set():
            try:
                outcomes = self.send_due()
                clock = time.monotonic()
                if clock >= next_digest_check:
                    self.queue_digests()
                    next_digest_check = clock + self.digest_check_seconds
                if clock >= next_prune:
                    self.prune()
                    next_prune = clock + PRUNE_SECONDS
            except Exception:
                # The database went away, say: say so, wait, and carry on.
                log.exception("The mail worker's round failed; trying again shortly.")
                outcomes = Counter()
            if not outcomes.total():
                self.stopping.wait(self.poll_seconds)

    def send_due(self, now: datetime | None = None) -> Counter[str]:
        """Claim the messages whose time has come and try each: how each ended."""
        outcomes: Counter[str] = Counter()
        with self.app.app_context():
            claimed = outbox.claim(now=now)
            if not claimed:
                return outcomes
            backend = sending.connection()
            # When it can't be opened, each send tries again and says why it couldn't.
            with contextlib.suppress(smtplib.SMTPException, OSError):
                backend.open()
            try:
                for position, message in enumerate(claimed):
                    if self.stopping.is_set():
                        for left in claimed[position:]:
                            outbox.release(left)
                        outcomes["released"] += len(claimed) - position
                        break
                    outcomes[self._send_one(message, backend)] += 1
            finally:
                sending.close_quietly(backend)
        return outcomes

    def _send_one(self, message: outbox.Claimed, backend) -> str:
        label = f"#{message.id} ({message.kind})"
        try:
            drawn = messages.draw(message)
        except messages.Unwanted as why:
            outbox.drop(message, str(why))
            log.info("Mail %s not sent: %s.", label, why)
            return "dropped"
        except Exception as error:
            db.session.rollback()
            log.exception("Mail %s could not be drawn; trying again later.", label)
            outbox.retry_later(message, f"{type(error).__name__}: {error}")
            return "retried"
        try:
            sending.send(drawn, backend)
        except sending.AddressRefused as why:
            outbox.bounce(message, str(why))
            log.warning("Mail %s refused for good; the address is no longer mailed: %s", label, why)
            return "bounced"
        except sending.MessageRefused as why:
            outbox.fail(message, str(why))
            log.warning("Mail %s refused for good: %s", label, why)
            return "failed"
        except sending.TryLater as why:
            outbox.retry_later(message, str(why))
            log.warning(
                "Mail %s not sent (try %d), trying again later: %s", label, message.attempts, why
            )
            return "retried"
        outbox.mark_sent(message)
        log.info("Mail %s sent.", label)
        return "sent"

    def queue_digests(self, now: datetime | None = None) -> int:
        with self.app.app_context():
            return digest.queue_digests(now)

    def prune(self) -> int:
        with self.app.app_context():
            return outbox.prune()
