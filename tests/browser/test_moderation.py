"""A moderator, in a real browser, clears comments by click and by keyboard, in place."""

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import STAFF_PASSWORD

pytestmark = pytest.mark.browser


def _log_in(page: Page, live_server: str, user) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password", exact=True).fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Comments")
    # The keyboard script is deferred: it is listening once the load event has fired.
    page.wait_for_load_state("load")


def test_moderator_decides_in_place_with_click_and_keyboard(
    live_server, page: Page, site, article, make_comment, moderator
):
    first = make_comment(article, author_name="First Reader", body="Clicked into view.")
    second = make_comment(article, author_name="Second Reader", body="Approved by key.")
    third = make_comment(article, author_name="Third Reader", body="Stays pending.")
    _log_in(page, live_server, moderator)
    badge = page.locator("#pending-badge")
    expect(badge).to_have_text("3 pending")
    # Anything set on window survives only if the page never reloads.
    page.evaluate("window.__sameDocument = 'still here'")

    page.get_by_role("button", name="Approve the comment by First Reader").click()

    expect(page.locator(f"#comment-{first.id}")).to_contain_text(
        "Approved · comment by First Reader"
    )
    expect(badge).to_have_text("2 pending")
    expect(page.locator("#queue-tabs")).to_contain_text("Approved 1")
    # Focus moved on to the next comment, so the keyboard carries on from there.
    expect(page.locator(f"#comment-{second.id}")).to_be_focused()

    page.keyboard.press("a")

    expect(page.locator(f"#comment-{second.id}")).to_contain_text("Approved · comment by Second")
    expect(badge).to_have_text("1 pending")
    expect(page.locator(f"#comment-{third.id}")).to_be_focused()
    assert page.evaluate("window.__sameDocument") == "still here"

    # u undoes the last decision: the second comment comes back as a pending row.
    page.keyboard.press("u")
    restored = page.locator(f"#comment-{second.id}")
    expect(restored).to_have_attribute("data-status", "pending")
    expect(
        restored.get_by_role("button", name="Approve the comment by Second Reader")
    ).to_be_visible()
    expect(badge).to_have_text("2 pending")
    assert page.evaluate("window.__sameDocument") == "still here"

    # The approved comment is on the public article page; the undone one isn't.
    reader = page.context.browser.new_page()
    reader.goto(f"{live_server}/articles/{article.slug}")
    comments = reader.locator(".comment")
    expect(comments).to_have_count(1)
    expect(comments.first).to_contain_text("Clicked into view.")
    reader.close()


def test_keyboard_moves_between_rows_selects_and_shows_help(
    live_server, page: Page, site, article, make_comment, moderator
):
    one = make_comment(article, author_name="One")
    two = make_comment(article, author_name="Two")
    _log_in(page, live_server, moderator)

    page.keyboard.press("j")
    expect(page.locator(f"#comment-{one.id}")).to_be_focused()
    page.keyboard.press("j")
    expect(page.locator(f"#comment-{two.id}")).to_be_focused()
    page.keyboard.press("x")
    expect(page.locator(f"#select-{two.id}")).to_be_checked()
    page.keyboard.press("k")
    expect(page.locator(f"#comment-{one.id}")).to_be_focused()

    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()

    # Bulk: select all on the page, spam them in one request.
    page.get_by_label("Select all on this page").check()
    page.locator("#bulk-form").get_by_role("button", name="Spam").click()
    expect(page.locator("#bulk-status .flash")).to_have_text("Marked as spam: 2 comments.")
    expect(page.locator("#pending-badge")).to_have_text("0 pending")


def test_more_rows_load_in_place_and_new_comments_are_announced(
    live_server, page: Page, site, article, make_comment, moderator
):
    from newsroom import moderation

    waiting = [make_comment(article, author_name=f"Reader {n}") for n in range(26)]
    # The poll runs every 20 seconds: a fake clock lets the test skip the wait.
    page.clock.install()
    _log_in(page, live_server, moderator)
    rows = page.locator("#queue-list > .queue-row")
    expect(rows).to_have_count(moderation.QUEUE_PAGE_SIZE)
    page.evaluate("window.__sameDocument = 'still here'")

    page.get_by_role("link", name="Load more").click()

    expect(rows).to_have_count(len(waiting))
    expect(page.get_by_role("link", name="Load more")).to_have_count(0)
    assert page.evaluate("window.__sameDocument") == "still here"

    make_comment(article, author_name="Latecomer")
    page.clock.run_for("00:21")

    expect(page.locator("#new-comments")).to_have_text("1 new comment — show")
    assert page.evaluate("window.__sameDocument") == "still here"
