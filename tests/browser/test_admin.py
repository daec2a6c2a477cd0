"""An admin, in a real browser, writes an article with the live preview; a reader finds it."""

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import STAFF_PASSWORD

pytestmark = pytest.mark.browser


def test_admin_writes_with_live_preview_and_a_reader_finds_it(
    live_server, page: Page, browser: Browser, site, section, admin
):
    page.goto(f"{live_server}/login?next=/admin/articles/new")
    page.get_by_role("textbox", name="E-mail").fill(admin.email)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Write an article")

    page.get_by_role("textbox", name="Title").fill("Boilers Fixed at Mill Road")
    page.get_by_role("textbox", name="Summary").fill("Heat is back for forty homes.")
    body = page.get_by_role("textbox", name="Body")
    body.click()
    body.press_sequentially("The heat is **back** for everyone.", delay=10)

    preview = page.locator("#article-preview")
    expect(preview.locator("strong")).to_have_text("back")
    expect(preview).to_contain_text("The heat is back for everyone.")
    # Nothing was submitted: still on the blank editor, and the text is still in the box.
    assert page.url == f"{live_server}/admin/articles/new"
    expect(body).to_have_value("The heat is **back** for everyone.")

    page.get_by_label("Status").select_option(label="Published")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash-success")).to_have_text(
        "“Boilers Fixed at Mill Road” is published."
    )

    reader_context = browser.new_context()
    try:
        reader = reader_context.new_page()
        reader.goto(f"{live_server}/")
        reader.get_by_role("navigation", name="Sections").get_by_role(
            "link", name="In the News"
        ).click()
        link = reader.get_by_role("link", name="Boilers Fixed at Mill Road")
        expect(link).to_be_visible()
        link.click()
        expect(reader.get_by_role("heading", level=1)).to_have_text("Boilers Fixed at Mill Road")
        expect(reader.locator(".prose strong")).to_have_text("back")
    finally:
        reader_context.close()
