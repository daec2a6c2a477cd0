"""A moderator's shift in a real browser: the queue cleared by keyboard across its pages,
bulk decisions by keyboard with one Undo, new comments announced and shown in place, and
axe-core after every swap."""

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from newsroom import moderation
from newsroom.extensions import db
from newsroom.models import Comment, utcnow
from tests.browser.test_accessibility import _violations
from tests.browser.test_moderation import _log_in

pytestmark = pytest.mark.browser

POLL = "/dashboard/new"


def _statuses(comments) -> list[str]:
    db.session.expire_all()
    return [db.session.get(Comment, c.id).status for c in comments]


def _queue(make_comment, article, count: int, **fields) -> list[Comment]:
    start = utcnow() - timedelta(hours=2)
    return [
        make_comment(
            article,
            author_name=f"Reader {n:02}",
            body=f"Comment number {n} about the council's budget vote and the new library.",
            created_at=start + timedelta(seconds=n),
            **fields,
        )
        for n in range(count)
    ]


def test_sixty_comments_cleared_by_keyboard_across_page_boundaries(
    live_server, audited_page: Page, site, article, make_comment, moderator
):
    """One key per decision, one per move, one request per decision plus one per page: the
    next page comes by itself when a page is cleared, focus on its first comment."""
    page = audited_page
    waiting = _queue(make_comment, article, 60)
    _log_in(page, live_server, moderator)
    requests: list[str] = []
    page.on(
        "request",
        lambda request: (
            requests.append(request.url)
            if request.url.startswith(live_server) and "/static/" not in request.url
            else None
        ),
    )
    keys = 0

    def press(key: str) -> None:
        nonlocal keys
        keys += 1
        page.keyboard.press(key)

    press("j")
    badge = page.locator("#pending-badge")
    size = moderation.QUEUE_PAGE_SIZE
    for n, comment in enumerate(waiting):
        row = page.locator(f"#comment-{comment.id}")
        expect(row).to_be_focused()
        press("a")
        expect(badge).to_have_text(f"{len(waiting) - n - 1} pending")
        expect(row).to_contain_text(f"Approved · comment by Reader {n:02}")
        if n + 1 in (size, 2 * size):
            # The page was cleared: the next one came on its own, focus on its first
            # comment, the strips above folded away behind one line.
            expect(page.locator(f"#comment-{waiting[n + 1].id}")).to_be_focused()
            expect(page.locator(f"#comment-{waiting[0].id}")).to_be_hidden()
            expect(page.locator("#folded")).to_have_text(f"Show the {n + 1} decided comments above")
            assert _violations(page) == [], f"after page {(n + 1) // size}"
    expect(page.locator("#announcer")).to_have_text(
        "Approved: comment by Reader 59. Nothing else waits for a decision here."
    )

    decisions = [url for url in requests if "/decision" in url]
    pages = [url for url in requests if "after=" in url]
    polls = [url for url in requests if POLL in url]
    counted = len(requests) - len(polls)
    assert len(decisions) == 60 and len(pages) == 2, requests
    assert counted / 60 <= 1.05, (counted, requests)
    assert keys / 60 <= 2, keys
    assert _statuses(waiting) == ["approved"] * 60
    print(f"\n60 decisions: {keys} keys, {counted} requests ({len(polls)} polls besides)")

    # The folded strips come back with their one line.
    page.locator("#folded button").click()
    expect(page.locator(f"#comment-{waiting[0].id}")).to_be_visible()
    expect(page.locator("#folded")).to_have_count(0)


def test_bulk_by_keyboard_with_one_undo(
    live_server, audited_page: Page, site, article, make_comment, moderator
):
    page = audited_page
    chosen = _queue(make_comment, article, 3)
    _log_in(page, live_server, moderator)
    badge = page.locator("#pending-badge")

    page.keyboard.press("j")
    page.keyboard.press("Shift+X")
    for comment in chosen:
        expect(page.locator(f"#select-{comment.id}")).to_be_checked()
    expect(page.get_by_label("Select all on this page")).to_be_checked()
    page.keyboard.press("Shift+R")

    expect(page.locator("#bulk-status .flash")).to_have_text("Rejected: 3 comments.")
    expect(page.locator("#announcer")).to_have_text("Rejected: 3 comments.")
    expect(page.locator(".queue-row.outcome-rejected")).to_have_count(3)
    expect(badge).to_have_text("0 pending")
    assert _statuses(chosen) == ["rejected"] * 3
    assert _violations(page) == []

    # One Undo for the batch, by its key or its button.
    page.keyboard.press("u")
    expect(page.locator("#announcer")).to_have_text("Undone: 3 comments back where they were.")
    expect(page.locator("#queue-list > .queue-row:not(.decided)")).to_have_count(3)
    expect(badge).to_have_text("3 pending")
    expect(page.locator(f"#comment-{chosen[0].id}")).to_be_focused()
    assert _statuses(chosen) == ["pending"] * 3
    assert _violations(page) == []

    # Two of them by x, then spam for just those.
    page.keyboard.press("x")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("x")
    page.keyboard.press("Shift+S")
    expect(page.locator("#bulk-status .flash")).to_have_text("Marked as spam: 2 comments.")
    assert _statuses(chosen) == ["spam", "pending", "spam"]
    expect(page.locator(f"#comment-{chosen[1].id}")).to_be_focused()


def test_new_comments_are_announced_and_shown_in_place(
    live_server, audited_page: Page, site, article, make_comment, moderator
):
    page = audited_page
    first, second = _queue(make_comment, article, 2)
    _log_in(page, live_server, moderator)
    badge = page.locator("#pending-badge")
    page.evaluate("window.__sameDocument = 'still here'")
    page.keyboard.press("j")
    page.keyboard.press("a")
    expect(page.locator(f"#comment-{second.id}")).to_be_focused()
    expect(badge).to_have_text("1 pending")

    late = make_comment(
        article, author_name="Late Reader", author_email="late@example.com", body="Just in."
    )
    arrived = utcnow()
    # Announced within 5 seconds, with the counts.
    expect(page.locator("#announcer")).to_have_text("1 new comment waiting.", timeout=5_000)
    waited = (utcnow() - arrived).total_seconds()
    expect(badge).to_have_text("2 pending")
    expect(page.locator("#queue-tabs")).to_contain_text("Pending 2")
    expect(page.locator("#new-comments")).to_have_text("1 new comment — show")
    assert _violations(page) == []

    # n shows it after the last row, without a reload: the strip stays, and so does focus.
    page.keyboard.press("n")
    new_row = page.locator(f"#comment-{late.id}")
    expect(new_row).to_have_attribute("data-status", "pending")
    rows = page.locator("#queue-list > .queue-row")
    expect(rows.last).to_have_id(f"comment-{late.id}")
    expect(page.locator(f"#comment-{first.id}")).to_contain_text("Approved · comment by")
    expect(page.locator("#new-comments")).to_have_text("")
    assert page.evaluate("window.__sameDocument") == "still here"
    assert _violations(page) == []

    # Its name, as a screen reader gives it on focus: author, opening words, why held.
    expect(page.locator(f"#comment-{second.id}")).to_be_focused()
    page.keyboard.press("j")
    expect(new_row).to_be_focused()
    expect(new_row).to_have_accessible_name(
        "Late Reader: Just in. (held: first comment from this commenter)"
    )
    print(f"\nannounced {waited:.1f} s after the comment arrived")


def test_the_focus_ring_stands_out_on_every_staff_background(
    live_server, page: Page, site, article, make_comment, moderator, second_moderator
):
    """WCAG 2.2 (1.4.11) on the queue: the ring at 3:1 or more on the page, the rows, each
    outcome's strip, a conflict's amber, the bulk bar and the new comments' notice."""
    from tests.browser.test_accessibility import RING_AND_BAND, _contrast, _focus_ring_contrasts

    comments = _queue(make_comment, article, 6)
    _log_in(page, live_server, moderator)
    moderation.decide(comments[3].id, "spam", second_moderator)
    page.keyboard.press("j")
    for key, comment in zip("ars", comments, strict=False):
        page.keyboard.press(key)
        expect(page.locator(f"#comment-{comment.id}.decided")).to_be_visible()
    page.keyboard.press("a")  # comments[3]: a colleague was first
    expect(page.locator(f"#comment-{comments[3].id}.conflict")).to_be_visible()
    make_comment(article, author_email="late@example.com")
    expect(page.locator("[data-show-new]")).to_be_visible()

    row = page.locator(f"#comment-{comments[4].id}")
    row.focus()
    ring, band = row.evaluate(RING_AND_BAND)
    contrasts = {"row": round(_contrast(ring, band), 2)}
    contrasts |= _focus_ring_contrasts(
        page,
        [
            ".outcome-approved [data-undo]",
            ".outcome-rejected [data-undo]",
            ".outcome-spam [data-undo]",
            ".conflict a",
            "#queue-tabs a",
            "#bulk-form button",
            "[data-show-new]",
            ".queue-row:not(.decided) .row-actions button",
        ],
    )
    assert all(value >= 3 for value in contrasts.values()), contrasts
    print("\nfocus ring contrasts:", contrasts)
