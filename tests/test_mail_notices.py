"""Commenters who tick "e-mail me" hear when their comment is published and when a reply to
it is: queued in the decision's transaction, sent by the worker to a real SMTP server, with
a link to the comment and a one-click unsubscribe; never about a rejected comment."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from newsroom import moderation
from newsroom.extensions import db
from newsroom.mail.worker import Worker
from newsroom.models import Comment, MailStatus, OutboxMessage
from tests.conftest import log_in, page, submit_form, text_of


def outbox() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def send(app) -> dict[str, int]:
    return dict(Worker(app).send_due())


def post_comment(client, article, notify: bool, **fields) -> Comment:
    data = {
        "author_name": fields.get("author_name", "Lee Park"),
        "author_email": fields.get("author_email", "lee@example.com"),
        "body": fields.get("body", "I was at the meeting too."),
    }
    if notify:
        data["notify"] = "y"
    response = submit_form(client, f"/articles/{article.slug}", data, "form.comment-form")
    assert response.status_code == 303
    return db.session.scalar(sa.select(Comment).order_by(Comment.id.desc()).limit(1))


def test_the_box_is_under_the_form_labelled_and_off_by_default(client, site, article):
    form = page(client.get(f"/articles/{article.slug}")).select_one("form.comment-form")
    box = form.select_one("input[type=checkbox][name=notify]")
    assert box is not None and not box.has_attr("checked")
    label = text_of(box.find_parent("label"))
    assert label == "E-mail me when my comment is published and when someone replies to it"
    hint = form.select_one(f"#{box['aria-describedby']}")
    assert "Each e-mail has a link to stop them" in text_of(hint)


def test_a_reader_who_asked_is_told_their_comment_is_published(
    app, client, site, article, moderator, smtp_server
):
    comment = post_comment(client, article, notify=True)
    assert comment.notify_author is True
    assert outbox() == []  # nothing while it waits

    staff = app.test_client()
    log_in(staff, moderator)
    decided = staff.post(
        f"/dashboard/comments/{comment.id}/decision",
        data={"to_status": "approved", "expected_status": "pending", "csrf_token": _csrf(staff)},
    )
    assert decided.status_code == 303
    [queued] = outbox()
    assert (queued.kind, queued.recipient, queued.status) == (
        "published",
        "lee@example.com",
        "queued",
    )

    assert send(app) == {"sent": 1}
    [received] = smtp_server.received
    message = received.message
    assert received.recipients == ["lee@example.com"]
    assert message["To"] == "lee@example.com"
    assert message["From"] == "Riverside Tenants Union <news@riverside.example>"
    assert received.subject == f"Your comment on “{article.title}” is published"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert (
        message["List-Unsubscribe"]
        .strip()
        .startswith("<http://news.riverside.example/mail/unsubscribe/")
    )
    text, html = received.part("plain"), received.part("html")
    link = f"http://news.riverside.example/articles/{article.slug}#comment-{comment.id}"
    assert link in text and "I was at the meeting too." in text
    assert f'href="{link}"' in html
    # The link leads to the comment, as readers see it now.
    shown = page(app.test_client().get(urlsplit(link).path))
    assert "I was at the meeting too." in text_of(shown.select_one(f"#comment-{comment.id}"))
    assert outbox()[0].status == MailStatus.SENT
    assert send(app) == {}  # sent once


def _csrf(client) -> str:
    return page(client.get("/dashboard/")).select_one("input[name=csrf_token]")["value"]


def test_without_the_box_nothing_is_queued(client, site, article, moderator):
    comment = post_comment(client, article, notify=False)
    assert comment.notify_author is False
    moderation.decide(comment.id, "approved", moderator)
    assert outbox() == []


def test_the_message_is_queued_in_the_decisions_transaction(site, article, make_comment, moderator):
    comment = make_comment(article, notify_author=True)
    decided = moderation.decide(comment.id, "approved", moderator, commit=False)
    assert decided.ok and len(outbox()) == 1
    db.session.rollback()  # the decision's transaction fails: its message goes with it
    assert outbox() == []
    assert db.session.get(Comment, comment.id).status == "pending"


def test_a_decision_lost_to_a_colleague_queues_nothing_more(
    site, article, make_comment, moderator, second_moderator
):
    comment = make_comment(article, notify_author=True)
    moderation.decide(comment.id, "approved", moderator)
    lost = moderation.decide(comment.id, "approved", second_moderator, expected_status="pending")
    assert not lost.ok
    assert len(outbox()) == 1


def test_nothing_is_ever_sent_about_a_rejected_comment(
    app, site, article, make_comment, moderator, smtp_server
):
    rejected = make_comment(article, notify_author=True, body="Rejected at once.")
    moderation.decide(rejected.id, "rejected", moderator)
    marked = make_comment(article, notify_author=True, body="Spam at once.")
    moderation.decide(marked.id, "spam", moderator)
    assert outbox() == []
    # Approved, then rejected before the worker came round: the notice is dropped unsent.
    withdrawn = make_comment(article, notify_author=True, body="Approved, then not.")
    decision = moderation.decide(withdrawn.id, "approved", moderator)
    moderation.undo(decision.event.id, moderator)
    assert send(app) == {"dropped": 1}
    assert smtp_server.received == []
    assert outbox()[0].last_error == "the comment is no longer published"


def test_published_is_said_once_even_when_approved_again(site, article, make_comment, moderator):
    comment = make_comment(article, notify_author=True)
    moderation.decide(comment.id, "approved", moderator)
    moderation.decide(comment.id, "rejected", moderator)
    moderation.decide(comment.id, "approved", moderator)
    assert [row.kind for row in outbox()] == ["published"]


def test_a_comment_published_before_review_is_not_announced(site, article, moderator):
    from newsroom.models import Policy
    from newsroom.moderation.policy import CommentPolicy

    submitted = moderation.submit_comment(
        article.id,
        author_name="Pat",
        author_email="pat@example.com",
        body="Shown at once.",
        fingerprint=None,
        policy=CommentPolicy(Policy.PUBLISH_FIRST),
        notify_author=True,
    )
    moderation.decide(submitted.id, "approved", moderator)  # reviewed: kept
    assert outbox() == []


def test_a_reply_as_the_organization_tells_the_commenter(
    app, site, article, make_comment, moderator, smtp_server
):
    comment = make_comment(article, "approved", notify_author=True, body="When is the vote?")
    written = moderation.reply_as_organization(
        comment.id, "On Tuesday at seven.", moderator, site.organization_name
    )
    [queued] = outbox()
    assert (queued.kind, queued.comment_id, queued.reply_id) == (
        "reply",
        comment.id,
        written.reply.id,
    )
    assert send(app) == {"sent": 1}
    [received] = smtp_server.received
    assert received.subject == (
        f"Riverside Tenants Union replied to your comment on “{article.title}”"
    )
    text = received.part("plain")
    assert "On Tuesday at seven." in text and "When is the vote?" in text
    assert f"/articles/{article.slug}#comment-{written.reply.id}" in text
    assert "List-Unsubscribe" in received.message


def test_a_readers_reply_is_announced_once_approved_and_never_to_oneself(
    site, article, make_comment, moderator
):
    asked = make_comment(article, "approved", notify_author=True)
    other = make_comment(article, author_name="Sam", author_email="sam@example.com")
    other.parent_id = asked.id
    own = make_comment(article, body="Adding to what I said.")  # the same address as `asked`
    own.parent_id = asked.id
    db.session.commit()
    assert outbox() == []  # replies waiting: nothing yet
    moderation.decide(own.id, "approved", moderator)
    assert outbox() == []
    moderation.decide(other.id, "approved", moderator)
    assert [(row.kind, row.reply_id) for row in outbox()] == [("reply", other.id)]


def test_no_reply_notice_for_a_commenter_who_did_not_ask(site, article, make_comment, moderator):
    comment = make_comment(article, "approved")
    moderation.reply_as_organization(comment.id, "Thank you.", moderator, "The Union")
    assert outbox() == []


def test_names_and_titles_cannot_add_headers(
    app, site, make_article, make_comment, moderator, smtp_server
):
    article = make_article("Rents\r\nBcc: victim@example.com")
    asked = make_comment(article, "approved", notify_author=True)
    moderation.reply_as_organization(
        asked.id, "Hello.", moderator, "Union\r\nBcc: victim@example.com\r\nX-Evil: yes"
    )
    assert send(app) == {"sent": 1}
    [received] = smtp_server.received
    assert received.recipients == ["dana@example.com"]
    assert received.message["Bcc"] is None and received.message["X-Evil"] is None
    subject = received.subject
    assert "\n" not in subject and "\r" not in subject
    assert subject.startswith("Union Bcc: victim@example.com X-Evil: yes replied")


def test_the_daily_limit_caps_what_one_address_is_queued(
    app, site, article, make_comment, moderator
):
    app.config["MAIL_DAILY_LIMIT"] = 2
    comments = [make_comment(article, notify_author=True, body=f"Remark {n}") for n in range(3)]
    for comment in comments:
        moderation.decide(comment.id, "approved", moderator)
    assert [row.comment_id for row in outbox()] == [comments[0].id, comments[1].id]


def test_the_readers_address_is_on_no_page_readers_see(client, site, article, moderator):
    comment = post_comment(client, article, notify=True, author_email="lee.private@example.com")
    moderation.decide(comment.id, "approved", moderator)
    for reader in (client, client.application.test_client()):
        assert "lee.private" not in reader.get(f"/articles/{article.slug}").get_data(as_text=True)


@pytest.mark.parametrize("mode", ["remove", "anonymize"])
def test_an_erasure_takes_the_addresss_mail_with_it(
    app, site, article, make_comment, moderator, mode
):
    from newsroom import privacy

    comment = make_comment(article, notify_author=True)
    moderation.decide(comment.id, "approved", moderator)
    assert len(outbox()) == 1
    privacy.erase("dana@example.com", mode, moderator)
    assert outbox() == []
    if mode == "anonymize":
        assert db.session.get(Comment, comment.id).notify_author is False
