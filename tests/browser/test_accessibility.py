"""axe-core (from the npm registry) finds no WCAG 2.2 A/AA violations on our pages."""

import pytest
from playwright.sync_api import expect

from newsroom.models import Policy
from newsroom.moderation.policy import CommentPolicy
from tests.browser.conftest import AXE
from tests.conftest import STAFF_PASSWORD, give_picture

pytestmark = pytest.mark.browser

WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def _violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    audit = "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})"
    result = page.evaluate(audit, WCAG)
    if result["violations"]:
        # On a busy machine axe can measure a page still being laid out (target-size has
        # been seen to); a real violation is still there a moment later.
        page.wait_for_timeout(500)
        result = page.evaluate(audit, WCAG)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(n["target"][0] for n in v["nodes"][:3])
        for v in result["violations"]
    ]


def test_public_pages(live_server, audited_page, site, article, make_article, make_comment, app):
    from newsroom import moderation

    asked = make_comment(article, "approved", body="A fine piece.\n\nhttps://example.com/more")
    parent_id = asked.id
    for depth in range(4):  # three levels, then one listed flat "in reply to"
        parent_id = moderation.submit_comment(
            article.id,
            author_name=f"Replier {depth}",
            author_email="replier@example.com",
            body="In the thread.",
            fingerprint=None,
            parent_id=parent_id,
            policy=CommentPolicy(Policy.PUBLISH_FIRST),
        ).id
    pictured = make_article("Lanterns on the River", summary="Tenants held a parade at dusk.")
    give_picture(app, pictured, "Paper lanterns floating on dark water")
    for n in range(6):
        make_article(f"Council hears tenants, part {n}")
    paths = (
        "/",
        "/sections/in-the-news/",
        f"/articles/{article.slug}",
        f"/articles/{article.slug}?reply_to={asked.id}",
        f"/articles/{article.slug}?reply_to=nothing",
        f"/articles/{pictured.slug}",
        "/search?q=tenants",
        "/search?q=nothing+at+all",
        "/nowhere",
        "/login",
    )
    for path in paths:
        audited_page.goto(live_server + path)
        assert _violations(audited_page) == [], path
    # A phone's width: the header folded, the navigation on one scrolling line.
    audited_page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/", f"/articles/{article.slug}"):
        audited_page.goto(live_server + path)
        assert _violations(audited_page) == [], path


def test_closed_and_refused_comment_pages(live_server, audited_page, site, make_article):
    from datetime import timedelta

    from newsroom.models import utcnow

    open_one = make_article("Open")
    closed = make_article(
        "Old Minutes", published_at=utcnow() - timedelta(days=40), comments_close_after_days=30
    )
    audited_page.goto(f"{live_server}/articles/{closed.slug}")
    assert _violations(audited_page) == []
    # A form opened while comments were open, sent after they closed: the text comes back.
    audited_page.goto(f"{live_server}/articles/{open_one.slug}")
    audited_page.evaluate(
        "(slug) => { document.querySelector('form.comment-form').action ="
        " `/articles/${slug}/comments`; }",
        closed.slug,
    )
    audited_page.get_by_label("Name").fill("Lee")
    audited_page.get_by_label("E-mail", exact=True).fill("lee@example.com")
    audited_page.get_by_role("textbox", name="Comment").fill("Too late to say this.")
    audited_page.get_by_role("button", name="Post comment").click()
    expect(audited_page.locator("#kept-text")).to_have_value("Too late to say this.")
    assert _violations(audited_page) == []


def test_comment_form_with_errors(live_server, audited_page, site, article):
    audited_page.goto(f"{live_server}/articles/{article.slug}")
    audited_page.get_by_role("button", name="Post comment").click()
    audited_page.wait_for_selector(".field-error")
    assert _violations(audited_page) == []


def test_staff_pages(live_server, audited_page, site, article, make_comment, moderator, admin):
    make_comment(article, body="Held for a look.")
    from newsroom import moderation
    from newsroom.models import Policy
    from newsroom.moderation.policy import CommentPolicy

    moderation.save_rules({"suspect": "look"}, admin)
    moderation.submit_comment(
        article.id,
        author_name="Pat",
        author_email="pat@example.com",
        body="Shown at once.",
        fingerprint=None,
        policy=CommentPolicy(Policy.PUBLISH_FIRST),
    )
    moderation.decide(make_comment(article).id, "approved", moderator)
    audited_page.goto(f"{live_server}/login")
    audited_page.get_by_label("E-mail").fill(moderator.email)
    audited_page.get_by_label("Password", exact=True).fill(STAFF_PASSWORD)
    audited_page.get_by_role("button", name="Log in").click()
    audited_page.wait_for_selector("#queue-list")
    for path in (
        "/dashboard/",
        "/dashboard/?status=unreviewed",
        "/dashboard/?status=approved",
        "/dashboard/history",
        "/account",
    ):
        audited_page.goto(live_server + path)
        assert _violations(audited_page) == [], path
    # After an in-place decision, the strip and the counters are still accessible.
    audited_page.goto(f"{live_server}/dashboard/")
    audited_page.get_by_role("button", name="Approve the comment by Dana Reader").click()
    audited_page.wait_for_selector(".queue-row.decided")
    assert _violations(audited_page) == []


def test_reporting_the_reported_tab_and_the_reasons_page(
    live_server, audited_page, site, article, make_comment, moderator, admin
):
    from newsroom import moderation

    moderation.add_rejection_reason("Off-topic")
    reported = make_comment(article, "approved", author_name="Kim", body="Report me.")
    moderation.report_comment(
        reported.id, article.id, fingerprint="f1", reason="other", detail="Rude.", threshold=3
    )
    page = audited_page
    page.goto(f"{live_server}/report/{reported.id}")
    assert _violations(page) == []
    page.get_by_role("button", name="Send the report").click()
    page.wait_for_selector(".field-error")
    assert _violations(page) == []

    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(admin.email)
    page.get_by_label("Password", exact=True).fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server}/dashboard/")
    for path in ("/dashboard/?status=reported", "/admin/moderation"):
        page.goto(live_server + path)
        assert _violations(page) == [], path
    page.get_by_role("button", name="Add the reason").click()
    page.wait_for_selector(".field-error")
    assert _violations(page) == []
    # A Keep's strip and the refreshed tabs, in place.
    page.goto(f"{live_server}/dashboard/?status=reported")
    page.get_by_role("button", name="Keep the comment by Kim and dismiss its reports").click()
    page.wait_for_selector(".queue-row.decided")
    assert _violations(page) == []


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
    for path in (
        "/admin/settings",
        "/admin/rules",
        "/admin/staff/",
        f"/admin/staff/{moderator.id}",
    ):
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


def _luminance(rgb: str) -> float:
    red, green, blue = (int(part) / 255 for part in rgb.split("(")[1].split(")")[0].split(",")[:3])
    linear = [
        c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (red, green, blue)
    ]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(one: str, other: str) -> float:
    light, dark = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


# The ring stands outside the link (outline-offset), on the band behind it.
RING_AND_BAND = """(element) => {
    const ring = getComputedStyle(element).outlineColor;
    let band = element.parentElement;
    while (band && getComputedStyle(band).backgroundColor === 'rgba(0, 0, 0, 0)') {
        band = band.parentElement;
    }
    return [ring, band ? getComputedStyle(band).backgroundColor : 'rgb(255, 255, 255)'];
}"""


def _focus_ring_contrasts(page, selectors: list[str]) -> dict[str, float]:
    contrasts = {}
    for selector in selectors:
        link = page.locator(selector).first
        link.focus()
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")  # focused from the keyboard: :focus-visible applies
        ring, band = link.evaluate(RING_AND_BAND)
        contrasts[selector] = round(_contrast(ring, band), 2)
    return contrasts


def test_the_focus_ring_stands_out_on_every_band(live_server, page, site, article, moderator):
    """WCAG 2.2 (1.4.11): a focus indicator at 3:1 or more against what is next to it,
    on the dark header, the teal navigation, the footer and the white content alike."""
    page.goto(f"{live_server}/articles/{article.slug}")
    public = _focus_ring_contrasts(
        page, [".site-name a", ".site-nav a", ".read-more a", "main .prose a, main a"]
    )
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(moderator.email)
    page.get_by_label("Password", exact=True).fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/dashboard/**")
    staff = _focus_ring_contrasts(page, [".staff-home", ".staff-nav a"])
    assert all(value >= 3 for value in {**public, **staff}.values()), (public, staff)
