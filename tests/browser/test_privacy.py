"""An admin, in a real browser, answers a reader's privacy request: looks the address up,
downloads what is stored, and erases it; every step passes axe-core's WCAG checks."""

import json
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from newsroom import moderation
from tests.browser.test_accessibility import AXE, _violations
from tests.conftest import STAFF_PASSWORD

pytestmark = pytest.mark.browser


def test_admin_downloads_and_erases_a_commenters_data(
    live_server, browser: Browser, site, article, make_comment, admin
):
    if not AXE.exists():
        pytest.fail("node_modules/axe-core is missing: run `make test` (it runs npm ci)")
    comment = make_comment(article, author_name="Dana Reader", author_email="Dana@Example.com")
    moderation.decide(comment.id, "approved", admin)
    make_comment(article, author_name="Lee", author_email="lee@example.com")
    # axe is injected as a script; our pages forbid inline scripts, so let the test in.
    context = browser.new_context(bypass_csp=True, accept_downloads=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server}/login?next=/admin/privacy")
        page.get_by_role("textbox", name="E-mail").fill(admin.email)
        page.get_by_label("Password").fill(STAFF_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Privacy requests")
        assert _violations(page) == []

        page.get_by_label("Commenter's e-mail address").fill("dana@EXAMPLE.com")
        page.get_by_role("button", name="Look up").click()
        expect(page.locator("#found-heading")).to_have_text("Stored under dana@example.com")
        assert page.url == f"{live_server}/admin/privacy"  # the address is not in the URL
        assert _violations(page) == []

        with page.expect_download() as waiting:
            page.get_by_role("button", name="Download everything (JSON)").click()
        download = waiting.value
        assert download.suggested_filename.startswith("commenter-")
        data = json.loads(Path(download.path()).read_text(encoding="utf-8"))
        assert [c["author_name"] for c in data["comments"]] == ["Dana Reader"]

        page.get_by_label("Anonymize them", exact=False).check()
        page.get_by_role("button", name="Erase 1 comment").click()
        expect(page.locator(".privacy-erase .field-error")).to_contain_text("Tick the box")
        assert _violations(page) == []

        page.get_by_label("I have checked the address", exact=False).check()
        page.get_by_role("button", name="Erase 1 comment").click()
        expect(page.locator(".flash-success")).to_contain_text("Erased: 1 comment anonymized.")
        expect(page.locator(".erasure-table tbody tr")).to_have_count(1)
        assert _violations(page) == []

        page.goto(f"{live_server}/articles/{article.slug}")
        expect(page.locator("#comments .comment-meta b")).to_have_text(
            ["Removed at the reader's request"]
        )
    finally:
        context.close()
