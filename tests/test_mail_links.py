"""The links in messages: a commenter's one-click unsubscribe (RFC 8058) and its page, and
the moderators' digest with its approve and reject links, each opening a confirmation page
(the GET changes nothing, the POST needs the session's CSRF token), working once and for
24 hours, and deciding through the lifecycle as that moderator."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from itsdangerous import TimestampSigner

from newsroom import moderation
from newsroom.extensions import db
from newsroom.mail import digest, links
from newsroom.mail.worker import Worker
from newsroom.models import (
    Comment,
    MailKind,
    MailStatus,
    ModerationEvent,
    OutboxMessage,
    User,
    utcnow,
)
from tests.conftest import form_fields, log_in, page, submit_form, text_of


def rows(kind: str | None = None) -> list[OutboxMessage]:
    db.session.expire_all()
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if kind is not None:
        query = query.where(OutboxMessage.kind == kind)
    return list(db.session.scalars(query))


def path_of(url: str) -> str:
    return urlsplit(url).path


# --- Unsubscribing ---------------------------------------------------------------------


@pytest.fixture
def notified(app, site, article, make_comment, moderator, smtp_server):
    """A comment whose author asked to hear of it, published and announced: the message."""
    comment = make_comment(article, notify_author=True, body="Count me in.")
    moderation.decide(comment.id, "approved", moderator)
    assert dict(Worker(app).send_due()) == {"sent": 1}
    [received] = smtp_server.received
    return comment, received


def unsubscribe_url(received) -> str:
    return received.message["List-Unsubscribe"].strip().strip("<>")


def test_one_click_unsubscribe_needs_no_cookie_and_no_form_token(app, notified, moderator):
    comment, received = notified
    assert received.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # What a mail program sends (RFC 8058): a bare POST, no cookie, no CSRF token.
    mail_program = app.test_client()
    answer = mail_program.post(
        path_of(unsubscribe_url(received)), data={"List-Unsubscribe": "One-Click"}
    )
    assert answer.status_code == 200
    assert mail_program.get_cookie("session") is None
    assert db.session.get(Comment, comment.id).notify_author is False
    # A reply now tells them nothing.
    moderation.reply_as_organization(comment.id, "Welcome aboard.", moderator, "The Union")
    assert rows(MailKind.REPLY) == []


def test_the_unsubscribe_page_asks_first_and_changes_nothing_until_asked(app, notified):
    comment, received = notified
    url = path_of(unsubscribe_url(received))
    assert url in received.part("plain") or url in unsubscribe_url(received)
    reader = app.test_client()
    shown = page(reader.get(url))
    assert text_of(shown.select_one("h1")) == "Stop e-mails about your comment"
    assert comment.article.title in text_of(shown.select_one("main"))
    assert "dana@example.com" not in str(shown)
    [button] = shown.select("main form button")
    assert text_of(button) == "Stop these e-mails"
    assert db.session.get(Comment, comment.id).notify_author is True  # the GET changed nothing

    done = submit_form(reader, url, {}, "main form")
    assert done.status_code == 200
    assert text_of(page(done).select_one("h1")) == "No more e-mails about your comment"
    assert db.session.get(Comment, comment.id).notify_author is False
    again = page(reader.get(url))
    assert text_of(again.select_one("h1")) == "No more e-mails about your comment"
    assert again.select("main form") == []


def test_a_message_queued_before_unsubscribing_is_not_sent(
    app, site, article, make_comment, moderator, smtp_server
):
    comment = make_comment(article, notify_author=True)
    moderation.decide(comment.id, "approved", moderator)
    token = links.unsubscribe_token(comment.id)
    assert app.test_client().post(f"/mail/unsubscribe/{token}").status_code == 200
    assert dict(Worker(app).send_due()) == {"dropped": 1}
    assert smtp_server.received == []
    assert rows()[0].last_error == "its author unsubscribed"


@pytest.mark.parametrize("token", ["x", "eyJjIjoxfQ.forged", "a" * 400])
def test_an_unsubscribe_link_not_made_here_is_not_found(client, site, token):
    assert client.get(f"/mail/unsubscribe/{token}").status_code == 404
    assert client.post(f"/mail/unsubscribe/{token}").status_code == 404


# --- The digest ------------------------------------------------------------------------


def opt_in(client, user: User) -> None:
    log_in(client, user)
    response = submit_form(client, "/account", {"digest_opt_in": "y"}, "form.digest-form")
    assert response.status_code == 303


def test_a_moderator_asks_for_the_digest_on_their_account_page(client, site, moderator):
    log_in(client, moderator)
    shown = page(client.get("/account"))
    box = shown.select_one("form.digest-form input[type=checkbox][name=digest_opt_in]")
    assert box is not None and not box.has_attr("checked")
    assert "longer than 1 hour or when more than 20 comments" in text_of(
        shown.select_one("form.digest-form")
    )
    submit_form(client, "/account", {"digest_opt_in": "y"}, "form.digest-form")
    assert db.session.get(User, moderator.id).digest_opt_in is True
    assert page(client.get("/account")).select_one("input[name=digest_opt_in]").has_attr("checked")
    fields = form_fields(page(client.get("/account")).select_one("form.digest-form"))
    fields.pop("digest_opt_in")
    client.post("/account/digest", data=fields)
    assert db.session.get(User, moderator.id).digest_opt_in is False


def age(comment: Comment, minutes: int) -> None:
    db.session.execute(
        sa.update(Comment)
        .where(Comment.id == comment.id)
        .values(created_at=utcnow() - timedelta(minutes=minutes))
    )
    db.session.commit()


def test_a_digest_goes_to_those_who_asked_when_comments_wait_too_long(
    app, client, site, article, make_comment, moderator, second_moderator, smtp_server
):
    opt_in(client, moderator)  # second_moderator did not ask
    waiting = make_comment(article, body="Waiting a while.")
    assert digest.queue_digests() == 0  # just arrived: not due
    age(waiting, 61)
    assert digest.queue_digests() == 1
    assert digest.queue_digests() == 0  # at most once an hour
    assert digest.queue_digests(now=utcnow() + timedelta(minutes=61)) == 1
    assert [row.recipient for row in rows(MailKind.DIGEST)] == [moderator.email] * 2

    Worker(app).send_due(now=utcnow() + timedelta(minutes=62))
    received = smtp_server.to(moderator.email)
    assert len(received) == 2 and smtp_server.to(second_moderator.email) == []
    message = received[0]
    assert message.subject == "1 comment waiting for moderation"
    text = message.part("plain")
    assert "The oldest comment has waited longer than 1 hour." in text
    assert "Waiting a while." in text
    assert "http://news.riverside.example/dashboard/" in text
    assert len(re.findall(r"/mail/decide/", message.part("html"))) == 2


def test_a_long_queue_brings_the_digest_too(app, client, site, article, make_comment, moderator):
    opt_in(client, moderator)
    site.digest_after_minutes = None
    site.digest_queue_size = 2
    db.session.commit()
    make_comment(article)
    make_comment(article)
    assert digest.queue_digests() == 0
    make_comment(article)
    assert digest.queue_digests() == 1


def test_no_digest_when_the_backlog_cleared_before_sending(
    app, client, site, article, make_comment, moderator, smtp_server
):
    opt_in(client, moderator)
    waiting = make_comment(article)
    age(waiting, 90)
    digest.queue_digests()
    moderation.decide(waiting.id, "approved", moderator)
    assert dict(Worker(app).send_due()) == {"dropped": 1}
    assert smtp_server.received == []


def test_the_admin_sets_when_the_digest_goes_out(admin_client, site):
    response = submit_form(
        admin_client,
        "/admin/settings",
        {"digest_after_minutes": "30", "digest_queue_size": ""},
        "form.settings-form",
    )
    assert response.status_code == 303
    db.session.refresh(site)
    assert (site.digest_after_minutes, site.digest_queue_size) == (30, None)
    refused = submit_form(
        admin_client, "/admin/settings", {"digest_after_minutes": "99999"}, "form.settings-form"
    )
    assert refused.status_code == 422
    error = page(refused).select_one("#digest_after_minutes-error")
    assert "from 0 to 10,080" in text_of(error)


# --- Deciding from a digest ------------------------------------------------------------


@pytest.fixture
def decision_link(site, article, make_comment, moderator):
    comment = make_comment(article, body="Decide me from the mail.")

    def link(to_status: str = "approved", user: User = moderator, about: Comment = comment) -> str:
        return f"/mail/decide/{links.decision_token(user.id, about.id, to_status)}"

    return comment, link


def events_on(comment: Comment) -> list[ModerationEvent]:
    return list(
        db.session.scalars(
            sa.select(ModerationEvent).where(ModerationEvent.comment_id == comment.id)
        )
    )


def test_the_link_opens_a_page_with_one_button_and_changes_nothing(app, decision_link):
    comment, link = decision_link
    shown = page(app.test_client().get(link()))
    assert text_of(shown.select_one("h1")) == "Approve a comment"
    assert "Decide me from the mail." in text_of(shown.select_one("blockquote"))
    [button] = shown.select("main form button")
    assert text_of(button) == "Approve this comment"
    assert "You decide as Ana Moderator" in text_of(shown.select_one("main form"))
    assert db.session.get(Comment, comment.id).status == "pending"
    assert events_on(comment) == []


def test_the_post_needs_the_pages_csrf_token(app, decision_link):
    comment, link = decision_link
    forger = app.test_client()
    refused = forger.post(link(), data={})
    assert refused.status_code == 400
    assert "expired or was sent from somewhere else" in text_of(page(refused).select_one("main"))
    # Nor does another visitor's token do: the token belongs to the session that got it.
    visitor = app.test_client()
    token = page(visitor.get(link())).select_one("input[name=csrf_token]")["value"]
    assert forger.post(link(), data={"csrf_token": token}).status_code == 400
    assert db.session.get(Comment, comment.id).status == "pending"


def test_the_button_decides_as_that_moderator_once(app, decision_link, moderator):
    comment, link = decision_link
    url = link()
    reader = app.test_client()
    done = submit_form(reader, url, {}, "main form")
    assert done.status_code == 303
    after = page(reader.get(url))
    assert text_of(after.select_one(".flash-success")) == "Approved. Readers see the comment now."
    assert "This link has been used" in text_of(after.select_one("main"))
    assert after.select("main form") == []
    [event] = events_on(comment)
    assert (event.actor_id, event.from_status, event.to_status) == (
        moderator.id,
        "pending",
        "approved",
    )
    assert event.note == "from the e-mail digest"

    # Undone in the dashboard, the comment waits again; the used link still decides nothing.
    moderation.undo(event.id, moderator)
    assert page(reader.get(url)).select_one("input[name=csrf_token]") is None
    again = reader.post(url, data={"csrf_token": _session_token(reader, link)})
    assert again.status_code == 303
    assert "This link has been used" in text_of(page(reader.get(url)).select_one(".flash-error"))
    assert db.session.get(Comment, comment.id).status == "pending"
    assert len(events_on(comment)) == 2


def _session_token(client, link) -> str:
    """A CSRF token of the client's session, from a page of a link not yet used."""
    return page(client.get(link("rejected"))).select_one("input[name=csrf_token]")["value"]


def test_a_reject_link_rejects(app, decision_link, moderator):
    comment, link = decision_link
    reader = app.test_client()
    shown = page(reader.get(link("rejected")))
    assert text_of(shown.select_one("h1")) == "Reject a comment"
    submit_form(reader, link("rejected"), {}, "main form")
    assert db.session.get(Comment, comment.id).status == "rejected"
    assert moderation.tally()["rejected"] == 1


def test_a_colleague_who_decided_first_is_named(app, decision_link, second_moderator):
    comment, link = decision_link
    url = link()
    reader = app.test_client()
    csrf = page(reader.get(url)).select_one("input[name=csrf_token]")["value"]
    moderation.decide(comment.id, "rejected", second_moderator)
    shown = page(reader.get(url))
    assert "already rejected by Ben Moderator" in text_of(shown.select_one("main"))
    assert shown.select("main form") == []
    # Sent from the page drawn before the colleague decided: nothing is overwritten.
    reader.post(url, data={"csrf_token": csrf})
    flash = text_of(page(reader.get(url)).select_one(".flash-error"))
    assert "already rejected by Ben Moderator" in flash
    assert db.session.get(Comment, comment.id).status == "rejected"
    assert len(events_on(comment)) == 1


def test_an_expired_link_is_refused(app, decision_link, monkeypatch):
    comment, link = decision_link
    day_ago = TimestampSigner.get_timestamp(None) - 24 * 3600 - 5
    with monkeypatch.context() as patched:
        patched.setattr(TimestampSigner, "get_timestamp", lambda self: day_ago)
        url = link()
    reader = app.test_client()
    refused = reader.get(url)
    assert refused.status_code == 410
    assert "expired" in text_of(page(refused).select_one("main"))
    assert reader.post(url, data={}).status_code in (400, 410)
    assert db.session.get(Comment, comment.id).status == "pending"


@pytest.mark.parametrize("token", ["x", "eyJ1IjoxfQ.forged.sig", "a" * 400])
def test_a_link_not_made_here_is_refused(client, site, token):
    refused = client.get(f"/mail/decide/{token}")
    assert refused.status_code == 410
    assert "not one this site made" in text_of(page(refused).select_one("main"))


def test_a_deactivated_moderators_link_is_refused(app, decision_link, inactive_moderator):
    comment, link = decision_link
    refused = app.test_client().get(link(user=inactive_moderator))
    assert refused.status_code == 410
    assert "no longer active" in text_of(page(refused).select_one("main"))


def test_the_digests_links_work_from_the_message(
    app, client, site, article, make_comment, moderator, smtp_server
):
    opt_in(client, moderator)
    waiting = make_comment(article, author_name="Kim", body="From the digest.")
    age(waiting, 120)
    digest.queue_digests()
    Worker(app).send_due()
    [received] = smtp_server.received
    approve = re.search(r"Approve: (\S+)", received.part("plain")).group(1)
    assert approve.startswith("http://news.riverside.example/mail/decide/")
    phone = app.test_client()  # not logged in: the link is the key
    assert submit_form(phone, path_of(approve), {}, "main form").status_code == 303
    assert db.session.get(Comment, waiting.id).status == "approved"
    assert rows(MailKind.DIGEST)[0].status == MailStatus.SENT
