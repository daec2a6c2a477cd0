"""A moderator edits, replies and sends back to pending from the queue, in a real browser, in
place; readers see the result; axe-core finds nothing after each swap."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_accessibility import AXE, _violations
from tests.conftest import STAFF_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def audited_page(browser):
    """A page axe-core can be injected into (test_accessibility.py's, for these tests)."""
    if not AXE.exists():
        pytest.fail("node_modules/axe-core is missing: run `make test` (it runs npm ci)")
    context = browser.new_context(bypass_csp=True)
    yield context.new_page()
    context.close()


def _log_in(page: Page, live_server: str, user, path: str) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password", exact=True).fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Comments")
    page.goto(live_server + path)
    # The keyboard script is deferred: it is listening once the load event has fired.
    page.wait_for_load_state("load")


def test_edit_by_keyboard_in_place_with_history_and_undo(
    live_server,
    audited_page,
    site,
    article,
    make_comment,
    moderator,
):
    page = audited_page
    comment = make_comment(article, "approved", author_name="Dana Reader", body="Ring 555-0199.")
    _log_in(page, live_server, moderator, "/dashboard/?status=approved")
    page.evaluate("window.__sameDocument = 'still here'")
    row = page.locator(f"#comment-{comment.id}")

    page.keyboard.press("j")
    expect(row).to_be_focused()
    page.keyboard.press("e")
    box = row.get_by_label("Text of the comment")
    expect(box).to_be_focused()
    box.fill("Ring [number removed].")
    row.get_by_role("button", name="Save the text of the comment by Dana Reader").click()

    expect(row.locator(".row-body")).to_have_text("Ring [number removed].")
    expect(row.get_by_role("status")).to_contain_text("Edited: readers see the new text")
    expect(row).to_be_focused()
    assert page.evaluate("window.__sameDocument") == "still here"
    assert _violations(page) == []

    # Readers see the new text, marked; staff find the original in the history.
    reader = page.context.browser.new_page()
    reader.goto(f"{live_server}/articles/{article.slug}")
    expect(reader.locator(".comment")).to_contain_text("Ring [number removed].")
    expect(reader.locator(".comment")).to_contain_text("Edited by the moderators")
    expect(reader.locator("body")).not_to_contain_text("555-0199")
    history = page.context.new_page()
    link = row.get_by_role("link", name="Earlier text of the comment by Dana Reader")
    history.goto(live_server + link.get_attribute("href"))
    expect(history.locator("#earlier-texts")).to_contain_text("Ring 555-0199.")
    expect(history.locator("#earlier-texts")).to_contain_text("Ana Moderator edited the text")
    assert _violations(history) == []
    history.close()

    # Undo, in place: the reader's text is back, unmarked.
    row.get_by_role("button", name="Undo the edit of the comment by Dana Reader").click()
    expect(row.locator(".row-body")).to_have_text("Ring 555-0199.")
    expect(row.get_by_role("status")).to_contain_text("Undone")
    expect(row.locator(".edited-mark")).to_have_count(0)
    assert _violations(page) == []
    reader.reload()
    expect(reader.locator(".comment")).to_contain_text("Ring 555-0199.")
    expect(reader.locator(".comment")).not_to_contain_text("Edited by the moderators")
    reader.close()

    # An empty text is refused in place, and what was typed stays in the box.
    row.focus()
    page.keyboard.press("e")
    expect(box).to_be_focused()
    box.fill("   ")
    row.get_by_role("button", name="Save the text of the comment by Dana Reader").click()
    expect(row.locator(".field-error")).to_contain_text("can't be left empty")
    expect(box).to_be_focused()
    expect(box).to_have_value("   ")
    assert _violations(page) == []
    page.keyboard.press("Escape")
    expect(row).to_be_focused()
    assert page.evaluate("window.__sameDocument") == "still here"


def test_reply_as_the_organization_is_visible_to_readers_under_the_comment(
    live_server,
    audited_page,
    site,
    article,
    make_comment,
    moderator,
):
    page = audited_page
    asked = make_comment(article, "approved", author_name="Dana Reader", body="When is it?")
    make_comment(article, "approved", author_name="Lee Park", body="I wonder too.")
    _log_in(page, live_server, moderator, "/dashboard/?status=approved")
    row = page.locator(f"#comment-{asked.id}")
    tab = page.locator("#queue-tabs a", has_text="Approved")
    expect(tab).to_contain_text("2")

    row.focus()
    page.keyboard.press("o")
    box = row.get_by_label("Reply")
    expect(box).to_be_focused()
    box.fill("Tuesday at 7, in the union hall.")
    assert _violations(page) == []
    row.get_by_role("button", name="Publish the reply to the comment by Dana Reader").click()

    expect(row.get_by_role("status")).to_contain_text(
        f"Published under the comment as {site.organization_name}."
    )
    expect(tab).to_contain_text("3")
    expect(row).to_be_focused()
    assert _violations(page) == []

    row.get_by_role("link", name="See it on the article").click()
    comments = page.locator(".comment-list > .comment")
    expect(comments).to_have_count(2)
    expect(comments.nth(0)).to_contain_text("When is it?")
    # The reply is nested under the comment it answers.
    reply = comments.nth(0).locator(".comment")
    expect(reply).to_contain_text(site.organization_name)
    expect(reply.locator(".badge-staff")).to_have_text("Staff")
    expect(reply).to_contain_text("Tuesday at 7, in the union hall.")
    expect(comments.nth(1)).to_contain_text("I wonder too.")
    assert _violations(page) == []


def test_back_to_pending_by_key_and_delete_for_good_with_confirmation(
    live_server,
    audited_page,
    site,
    article,
    make_comment,
    admin,
):
    page = audited_page
    again = make_comment(article, "approved", author_name="Look Again")
    gone = make_comment(article, "approved", author_name="Gone Reader")
    _log_in(page, live_server, admin, "/dashboard/?status=approved")
    badge = page.locator("#pending-badge")
    expect(badge).to_have_text("0 pending")

    page.locator(f"#comment-{again.id}").focus()
    page.keyboard.press("p")
    expect(page.locator(f"#comment-{again.id}")).to_contain_text(
        "Back to pending · comment by Look Again"
    )
    expect(badge).to_have_text("1 pending")
    assert _violations(page) == []

    row = page.locator(f"#comment-{gone.id}")
    row.get_by_text("Delete…").click()
    expect(row).to_contain_text("This can't be undone.")
    row.get_by_role("button", name="Delete for good the comment by Gone Reader").click()
    expect(page.locator(f"#comment-{gone.id}")).to_contain_text(
        "Deleted for good · comment by Gone Reader"
    )
    expect(page.locator("#queue-tabs a", has_text="Approved")).to_contain_text("0")
    assert _violations(page) == []
