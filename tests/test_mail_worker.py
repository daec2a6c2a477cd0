"""The mail worker against a real SMTP server: a refusal "try later" (4xx) is tried again
with a growing delay and never lost, a refusal for good (5xx) suppresses the address, a
worker started after another sends nothing twice, and two workers never share a message."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from email import policy
from email.parser import BytesParser

import pytest
import sqlalchemy as sa

from newsroom import moderation
from newsroom.extensions import db
from newsroom.mail import outbox as mail_outbox
from newsroom.mail.worker import Worker
from newsroom.models import MailStatus, MailSuppression, OutboxMessage, utcnow


def rows() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


@pytest.fixture
def published(site, article, make_comment, moderator):
    """Approves a comment whose author asked to hear of it: one message queued."""

    def publish(email: str = "lee@example.com", body: str = "A remark.") -> int:
        comment = make_comment(article, notify_author=True, author_email=email, body=body)
        moderation.decide(comment.id, "approved", moderator)
        return comment.id

    return publish


def test_try_later_is_tried_again_with_a_growing_delay(app, published, smtp_server):
    published()
    smtp_server.refuse["lee@example.com"] = "450 4.2.1 Mailbox busy, try later"
    started = utcnow()
    assert dict(Worker(app).send_due()) == {"retried": 1}
    [row] = rows()
    assert (row.status, row.attempts) == (MailStatus.QUEUED, 1)
    assert "450" in row.last_error and "Mailbox busy" in row.last_error
    first_wait = row.next_attempt_at - started
    assert timedelta(seconds=59) <= first_wait <= timedelta(seconds=65)
    # Not before its time.
    assert dict(Worker(app).send_due()) == {}
    assert dict(Worker(app).send_due(now=row.next_attempt_at + timedelta(seconds=1))) == {
        "retried": 1
    }
    [row] = rows()
    assert row.attempts == 2
    assert row.next_attempt_at - utcnow() >= timedelta(seconds=115)  # doubled
    assert smtp_server.received == []

    del smtp_server.refuse["lee@example.com"]
    later = row.next_attempt_at + timedelta(seconds=1)
    assert dict(Worker(app).send_due(now=later)) == {"sent": 1}
    assert [r.recipients for r in smtp_server.received] == [["lee@example.com"]]
    [row] = rows()
    assert (row.status, row.attempts, row.last_error) == (MailStatus.SENT, 3, "")


def test_the_delay_stops_growing_at_the_most(app):
    app.config.update(MAIL_RETRY_SECONDS=60, MAIL_RETRY_MAX_SECONDS=3600)
    delays = [mail_outbox.retry_delay(n).total_seconds() for n in (1, 2, 3, 7, 8, 500)]
    assert delays == [60, 120, 240, 3600, 3600, 3600]


def test_a_server_that_does_not_answer_keeps_the_message(app, published, smtp_server):
    published()
    app.config["MAIL_PORT"] = 1  # nothing listens there
    assert dict(Worker(app).send_due()) == {"retried": 1}
    [row] = rows()
    assert row.status == MailStatus.QUEUED and "Connection" in row.last_error


def test_refused_for_good_suppresses_the_address(app, published, smtp_server, caplog):
    published()
    published(body="Queued before the refusal.")
    smtp_server.refuse["lee@example.com"] = "550 5.1.1 No such mailbox"
    with caplog.at_level(logging.WARNING, logger="newsroom.mail"):
        outcomes = dict(Worker(app).send_due())
    assert outcomes == {"bounced": 1, "dropped": 1}
    first, second = rows()
    assert first.status == MailStatus.BOUNCED and "550" in first.last_error
    assert (second.status, second.last_error) == (MailStatus.DROPPED, "the address is suppressed")
    [suppressed] = db.session.scalars(sa.select(MailSuppression)).all()
    assert suppressed.email == "lee@example.com" and "No such mailbox" in suppressed.reason
    assert "no longer mailed" in caplog.text
    # Nothing more is queued for it.
    published(body="After the refusal.")
    assert len(rows()) == 2
    assert smtp_server.received == []


def test_a_worker_started_after_another_sends_nothing_twice(app, published, smtp_server):
    for n in range(3):
        published(email=f"reader{n}@example.com")
    assert dict(Worker(app).send_due()) == {"sent": 3}
    assert dict(Worker(app).send_due()) == {}  # a new worker: nothing left to send
    assert sorted(r.recipients[0] for r in smtp_server.received) == [
        "reader0@example.com",
        "reader1@example.com",
        "reader2@example.com",
    ]


def test_a_stopping_worker_gives_back_what_it_did_not_try(app, published, smtp_server):
    for n in range(3):
        published(email=f"reader{n}@example.com")
    stopping = Worker(app)
    stopping.stop()  # as Ctrl+C arrives between claiming and sending
    assert dict(stopping.send_due()) == {"released": 3}
    assert {(row.status, row.attempts) for row in rows()} == {(MailStatus.QUEUED, 0)}
    assert dict(Worker(app).send_due()) == {"sent": 3}
    assert len(smtp_server.received) == 3


def test_what_a_running_worker_holds_waits_for_its_lease(app, published, smtp_server):
    published()
    with app.app_context():
        [held] = mail_outbox.claim()  # a worker holds it, and dies before sending
    assert dict(Worker(app).send_due()) == {}
    after_lease = utcnow() + timedelta(seconds=app.config["MAIL_LEASE_SECONDS"] + 1)
    assert dict(Worker(app).send_due(now=after_lease)) == {"sent": 1}
    # The worker that died can't mark it afterwards: it no longer holds it.
    with app.app_context():
        assert mail_outbox.mark_sent(held) is False
    [row] = rows()
    assert (row.status, row.attempts) == (MailStatus.SENT, 2)
    assert len(smtp_server.received) == 1


def test_every_try_of_a_message_has_the_same_message_id(app, published, smtp_server):
    published()
    smtp_server.refuse["lee@example.com"] = "451 4.3.0 Try again"
    Worker(app).send_due()
    del smtp_server.refuse["lee@example.com"]
    [row] = rows()
    Worker(app).send_due(now=row.next_attempt_at + timedelta(seconds=1))
    [received] = smtp_server.received
    assert received.message["Message-ID"].strip() == (
        f"<newsroom.{row.id}.{int(row.created_at.timestamp())}@riverside.example>"
    )


@pytest.mark.commits
def test_two_workers_claiming_at_once_never_share_a_message(app, published):
    for n in range(12):
        published(email=f"reader{n}@example.com")
    db.session.commit()
    taken: list[list[int]] = []
    start = threading.Barrier(2)

    def claim() -> None:
        with app.app_context():
            start.wait()
            taken.append([message.id for message in mail_outbox.claim(limit=8)])
            db.session.remove()

    workers = [threading.Thread(target=claim) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    first, second = taken
    assert not set(first) & set(second)
    assert len(first) + len(second) == 12


def test_the_folder_backend_writes_eml_files_and_the_log(app, published, tmp_path, caplog):
    app.config.update(MAIL_BACKEND="folder", MAIL_FILE_PATH=str(tmp_path / "outbox"))
    published(body="Seen in a file.")
    with caplog.at_level(logging.INFO, logger="newsroom.mail"):
        assert dict(Worker(app).send_due()) == {"sent": 1}
    [written] = list((tmp_path / "outbox").glob("*.eml"))
    message = BytesParser(policy=policy.default).parsebytes(written.read_bytes())
    assert str(message["To"]) == "lee@example.com"
    assert "is published" in str(message["Subject"])
    assert "Seen in a file." in message.get_body(("plain",)).get_content()
    assert written.stat().st_mode & 0o077 == 0
    assert "Mail to lee@example.com" in caplog.text and "Seen in a file." in caplog.text


def test_the_command_sends_what_is_due(app, runner, published, smtp_server):
    published()
    result = runner.invoke(args=["mail-worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "1 sent" in result.output
    assert len(smtp_server.received) == 1


def test_old_finished_messages_are_pruned(app, published, smtp_server):
    published()
    Worker(app).send_due()
    later = utcnow() + timedelta(days=app.config["MAIL_KEPT_DAYS"] + 1)
    with app.app_context():
        assert mail_outbox.prune(now=later) == 1
    assert rows() == []
