"""axe-core (from the npm registry) finds no WCAG 2.2 A/AA violations on our pages."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import STAFF_PASSWORD

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture
def audited_page(browser):
    if not AXE.exists():
        pytest.fail("node_modules/axe-core is missing: run `make test` (it runs npm ci)")
    # axe is injected as a script; our pages forbid inline scripts, so let the test in.
    context = browser.new_context(bypass_csp=True)
    yield context.new_page()
    context.close()


def _violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(n["target"][0] for n in v["nodes"][:3])
        for v in result["violations"]
    ]


def test_public_pages(live_server, audited_page, site, article, make_comment):
    make_comment(article, "approved", body="A fine piece.\n\nhttps://example.com/more")
    for path in ("/", "/sections/in-the-news/", f"/articles/{article.slug}", "/nowhere", "/login"):
        audited_page.goto(live_server + path)
        assert _violations(audited_page) == [], path


def test_comment_form_with_errors(live_server, audited_page, site, article):
    audited_page.goto(f"{live_server}/articles/{article.slug}")
    audited_page.get_by_role("button", name="Post comment").click()
    audited_page.wait_for_selector(".field-error")
    assert _violations(audited_page) == []


def test_staff_pages(live_server, audited_page, site, article, make_comment, moderator):
    make_comment(article, body="Held for a look.")
    from newsroom import moderation

    moderation.decide(make_comment(article).id, "approved", moderator)
    audited_page.goto(f"{live_server}/login")
    audited_page.get_by_label("E-mail").fill(moderator.email)
    audited_page.get_by_label("Password", exact=True).fill(STAFF_PASSWORD)
    audited_page.get_by_role("button", name="Log in").click()
    audited_page.wait_for_selector("#queue-list")
    for path in ("/dashboard/", "/dashboard/?status=approved", "/dashboard/history", "/account"):
        audited_page.goto(live_server + path)
        assert _violations(audited_page) == [], path
    # After an in-place decision, the strip and the counters are still accessible.
    audited_page.goto(f"{live_server}/dashboard/")
    audited_page.get_by_role("button", name="Approve the comment by Dana Reader").click()
    audited_page.wait_for_selector(".queue-row.decided")
    assert _violations(audited_page) == []


def test_login_limit_failed_logins_and_log_out_everywhere(
    live_server, audited_page, site, moderator, admin
):
    from newsroom import accounts
    from newsroom.extensions import db
    from newsroom.models import FailedLogin

    # Five failures for Ana from this browser's address: its next try is refused.
    fingerprint = accounts.login_fingerprint("127.0.0.1")
    db.session.add_all(
        FailedLogin(email=moderator.email, user_id=moderator.id, client_fingerprint=fingerprint)
        for _ in range(5)
    )
    db.session.commit()
    page = audited_page
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(moderator.email)
    page.get_by_label("Password", exact=True).fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("Too many failed logins")
    assert _violations(page) == []

    # Ada, from the same address, is not affected; she sees Ana's failures.
    page.get_by_label("E-mail").fill(admin.email)
    page.get_by_label("Password", exact=True).fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server}/dashboard/")
    for path in ("/admin/staff/", f"/admin/staff/{moderator.id}"):
        page.goto(live_server + path)
        assert _violations(page) == [], path
    expect(page.locator(".failed-logins-table tbody tr")).to_have_count(5)

    page.goto(f"{live_server}/account")
    page.get_by_role("button", name="Log out everywhere").click()
    expect(page.locator(".flash-success")).to_have_text(
        "You have logged out everywhere: on this device and every other."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff login")
    assert _violations(page) == []
