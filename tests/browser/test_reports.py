"""In a real browser: a reader reports a comment, and a moderator answers the report from
the Reported tab, in place, by click and by key."""

import pytest
from playwright.sync_api import Page, expect

from newsroom import moderation
from newsroom.extensions import db
from tests.conftest import STAFF_PASSWORD

pytestmark = pytest.mark.browser


def _log_in(page: Page, live_server: str, user) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password", exact=True).fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Comments")
    page.wait_for_load_state("load")


def test_a_report_hides_the_comment_and_a_keep_brings_it_back_in_place(
    live_server, page: Page, browser, site, article, make_comment, moderator
):
    site.report_threshold = 2
    db.session.commit()
    comment = make_comment(article, "approved", author_name="Kim", body="Rent strikes work.")
    # Another reader reported it before; this browser's report is the second.
    moderation.report_comment(
        comment.id, article.id, fingerprint="elsewhere", reason="spam", threshold=2
    )
    reader = browser.new_context().new_page()
    reader.goto(f"{live_server}/articles/{article.slug}")

    reader.locator(".comment", has_text="Kim").get_by_role("link", name="Report").click()
    expect(reader.get_by_role("heading", level=1)).to_have_text("Report a comment")
    reader.get_by_label("Something else").check()
    reader.get_by_role("button", name="Send the report").click()
    # Refused without a few words, the choice kept.
    expect(reader.locator("#detail-error")).to_have_text(
        "Please say in a few words what is wrong with it."
    )
    expect(reader.get_by_label("Something else")).to_be_checked()
    reader.get_by_label("In a few words").fill("It calls for breaking the law.")
    reader.get_by_role("button", name="Send the report").click()

    expect(reader.locator(".flashes")).to_have_text(
        "Thank you. A moderator will look at the comment you reported."
    )
    expect(reader.locator(".comment")).to_have_count(0)

    _log_in(page, live_server, moderator)
    page.evaluate("window.__sameDocument = 'still here'")
    page.locator("#queue-tabs").get_by_role("link", name="Reported 1").click()
    row = page.locator(f"#comment-{comment.id}")
    expect(row.locator(".reported")).to_contain_text("Reported: 2 times")
    expect(row.locator(".reported")).to_contain_text("hidden from readers")
    expect(row.locator(".report-details")).to_have_text("“It calls for breaking the law.”")
    page.evaluate("window.__sameDocument = 'still here'")

    row.get_by_role("button", name="Keep the comment by Kim and dismiss its reports").click()

    expect(row).to_contain_text("Kept · comment by Kim; its reports were dismissed")
    expect(page.locator("#queue-tabs")).to_contain_text("Reported 0")
    assert page.evaluate("window.__sameDocument") == "still here"
    bystander = browser.new_context().new_page()
    bystander.goto(f"{live_server}/articles/{article.slug}")
    expect(bystander.locator(".comment")).to_have_count(1)
    expect(bystander.locator(".comment")).to_contain_text("Rent strikes work.")


def test_a_number_key_rejects_a_reported_comment_with_that_reason(
    live_server, page: Page, site, article, make_comment, moderator
):
    moderation.add_rejection_reason("Off-topic")
    moderation.add_rejection_reason("Personal attack")
    comment = make_comment(article, "approved", author_name="Lou", body="You are an idiot.")
    moderation.report_comment(
        comment.id, article.id, fingerprint="someone", reason="abusive", threshold=3
    )
    _log_in(page, live_server, moderator)
    page.goto(f"{live_server}/dashboard/?status=reported")
    page.wait_for_load_state("load")
    page.evaluate("window.__sameDocument = 'still here'")

    page.keyboard.press("j")
    expect(page.locator(f"#comment-{comment.id}")).to_be_focused()
    page.keyboard.press("2")

    expect(page.locator(f"#comment-{comment.id}")).to_contain_text(
        "Rejected (Personal attack) · comment by Lou"
    )
    tabs = page.locator("#queue-tabs")
    expect(tabs).to_contain_text("Reported 0")
    expect(tabs).to_contain_text("Rejected 1")
    assert page.evaluate("window.__sameDocument") == "still here"
