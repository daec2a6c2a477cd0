"""A reader asks to be e-mailed, a moderator approves in the dashboard, the worker sends,
and the message arrives at a real SMTP server with a link that opens the comment; its
unsubscribe link stops the e-mails."""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, expect

from newsroom.extensions import db
from newsroom.mail.worker import Worker
from newsroom.models import Comment
from tests.conftest import STAFF_PASSWORD

pytestmark = pytest.mark.browser


def test_a_reader_who_opts_in_gets_a_working_link_once_approved(
    app, live_server, browser: Browser, site, article, moderator, smtp_server
):
    app.config["PUBLIC_URL"] = live_server
    reader = browser.new_context().new_page()
    reader.goto(f"{live_server}/articles/{article.slug}")
    reader.get_by_role("textbox", name="Name").fill("Lee Park")
    reader.get_by_role("textbox", name="E-mail").fill("lee@example.com")
    reader.get_by_role("textbox", name="Comment").fill("Count me in for the rent survey.")
    box = reader.get_by_role(
        "checkbox", name="E-mail me when my comment is published and when someone replies to it"
    )
    expect(box).not_to_be_checked()
    box.check()
    reader.get_by_role("button", name="Post comment").click()
    expect(reader.locator(".flash-success")).to_contain_text("once it has been approved")

    staff = browser.new_context().new_page()
    staff.goto(f"{live_server}/login")
    staff.get_by_label("E-mail").fill(moderator.email)
    staff.get_by_label("Password", exact=True).fill(STAFF_PASSWORD)
    staff.get_by_role("button", name="Log in").click()
    # htmx set up first: a click before it is the form's plain POST and a whole new page
    # (which works, but is not what this test follows), as the other staff tests wait.
    staff.wait_for_load_state("load")
    staff.get_by_role("button", name="Approve the comment by Lee Park").click()
    expect(staff.locator(".queue-row").first).to_contain_text("Approved · comment by Lee Park")
    staff.context.close()  # its queue polls the server; nothing more is needed of it

    assert dict(Worker(app).send_due()) == {"sent": 1}
    [received] = smtp_server.received
    assert received.recipients == ["lee@example.com"]
    comment_id = db.session.scalar(sa.select(Comment.id).order_by(Comment.id.desc()).limit(1))
    link = re.search(
        rf"{re.escape(live_server)}/articles/\S+#comment-{comment_id}", received.part("plain")
    )
    assert link is not None, received.part("plain")

    reader.goto(link.group(0))
    comment = reader.locator(f"#comment-{comment_id}")
    expect(comment).to_contain_text("Count me in for the rent survey.")
    expect(comment).to_be_in_viewport()
    expect(comment).not_to_contain_text("lee@example.com")

    unsubscribe = received.message["List-Unsubscribe"].strip().strip("<>")
    reader.goto(unsubscribe)
    reader.get_by_role("button", name="Stop these e-mails").click()
    expect(reader.get_by_role("heading", level=1)).to_have_text(
        "No more e-mails about your comment"
    )
    reader.context.close()
    db.session.expire_all()
    assert db.session.get(Comment, comment_id).notify_author is False
