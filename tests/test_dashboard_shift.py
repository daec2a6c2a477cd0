"""The dashboard for a full shift, through the test client: the poll and what it announces,
the new comments shown after the last row, narrowed tabs' counts, one Undo for a bulk
decision, conflict times on the site's clock, and the keyboard dialog."""

import pytest
import sqlalchemy as sa

from newsroom import moderation
from newsroom.extensions import db
from newsroom.models import Comment, ModerationEvent
from newsroom.moderation import queue as queue_module
from tests.conftest import csrf_token, page, text_of

HTMX = {"HX-Request": "true", "HX-Current-URL": "http://localhost/dashboard/"}


def _statuses(comments) -> list[str]:
    db.session.expire_all()
    return [db.session.get(Comment, c.id).status for c in comments]


def _bulk(client, comments, to_status, headers=None):
    return client.post(
        "/dashboard/bulk",
        data={
            "csrf_token": csrf_token(client, "/dashboard/"),
            "to_status": to_status,
            "comment_ids": [c.id for c in comments],
            "status": "pending",
        },
        headers=headers,
    )


# --- The poll ----------------------------------------------------------------------------


def test_the_poll_answers_nothing_until_something_changes(
    staff, site, article, make_comment, second_moderator
):
    first = make_comment(article)
    poller = page(staff.get("/dashboard/")).select_one("#new-comments")
    poll = poller["data-hx-get"]
    assert poller["data-hx-trigger"] == "every 3s"

    quiet = staff.get(poll, headers=HTMX)
    assert quiet.status_code == 204 and quiet.get_data() == b""

    make_comment(article, author_email="new@example.com")
    answer = staff.get(poll, headers=HTMX)
    assert answer.status_code == 200
    html = page(answer)
    assert text_of(html.select_one("#new-comments .new-comments")) == "1 new comment — show"
    assert text_of(html.select_one("#announcer")) == "1 new comment waiting."
    badge = html.select_one("#pending-badge")
    assert badge["data-hx-swap-oob"] == "true" and text_of(badge) == "2 pending"
    assert text_of(html.select_one('#queue-tabs a[href="/dashboard/"]')) == "Pending 2"

    # The answer's own poll is quiet again until the next change.
    again = html.select_one("#new-comments")["data-hx-get"]
    assert staff.get(again, headers=HTMX).status_code == 204

    # A colleague's decision moves the counts, and says nothing aloud.
    moderation.decide(first.id, "approved", second_moderator)
    moved = page(staff.get(again, headers=HTMX))
    assert text_of(moved.select_one("#pending-badge")) == "1 pending"
    assert moved.select_one("#announcer") is None
    assert text_of(moved.select_one("#new-comments")) == "1 new comment — show"


def test_show_brings_only_the_new_comments_after_the_last_row(staff, site, article, make_comment):
    shown = [make_comment(article, author_name=f"Shown {n}") for n in range(2)]
    html = page(staff.get("/dashboard/"))
    end = html.select_one("#load-more")
    assert end.has_attr("hidden") and end["data-hx-trigger"] == "show-new"
    late = make_comment(article, author_name="Late", author_email="late@example.com")

    rows = page(staff.get(end["data-hx-get"], headers=HTMX))

    assert [r["id"] for r in rows.select(".queue-row")] == [f"comment-{late.id}"]
    poller = rows.select_one("#new-comments")
    assert poller["data-hx-swap-oob"] == "true" and text_of(poller) == ""
    assert f"since={late.id}" in poller["data-hx-get"]
    # Without JavaScript the notice's link is the whole queue again.
    assert {r["id"] for r in page(staff.get("/dashboard/")).select(".queue-row")} == {
        f"comment-{c.id}" for c in (*shown, late)
    }


# --- Narrowed tabs -----------------------------------------------------------------------


def test_a_narrowed_queue_counts_its_tabs_as_part_of_all(
    staff, site, article, make_article, make_comment
):
    other = make_article("Another Story")
    make_comment(article, body="about the river")
    make_comment(article, body="about the lake")
    make_comment(other, body="about the river too")
    make_comment(article, "spam", body="river spam")

    def tabs(url: str) -> dict[str, str]:
        html = page(staff.get(url))
        return {
            text_of(a).rsplit(" ", 1)[0].split(" ", 1)[0].rstrip(","): text_of(
                a.select_one(".count")
            )
            for a in html.select("#queue-tabs a")
        }

    assert tabs("/dashboard/") == {
        "Pending": "3",
        "Published": "0",
        "Approved": "0",
        "Rejected": "0",
        "Spam": "1",
        "Reported": "0",
    }
    assert tabs(f"/dashboard/?article={article.id}") == {
        "Pending": "2 of 3",
        "Published": "0 of 0",
        "Approved": "0 of 0",
        "Rejected": "0 of 0",
        "Spam": "1 of 1",
        "Reported": "0 of 0",
    }
    assert tabs("/dashboard/?q=river")["Pending"] == "2 of 3"
    # A decision's answer keeps the narrowed counts.
    comment = page(staff.get("/dashboard/?q=river")).select_one(".queue-row")
    answer = staff.post(
        f"/dashboard/comments/{comment['id'].split('-')[1]}/decision",
        data={
            "csrf_token": csrf_token(staff, "/dashboard/"),
            "to_status": "approved",
            "expected_status": "pending",
            "q": "river",
        },
        headers=HTMX,
    )
    assert text_of(page(answer).select_one('#queue-tabs a[aria-current="page"] .count')) == (
        "1 of 2"
    )


def test_a_narrowed_count_stops_at_its_cap(staff, site, article, make_comment, monkeypatch):
    monkeypatch.setattr(queue_module, "NARROWED_COUNT_MAX", 2)
    monkeypatch.setattr(moderation, "NARROWED_COUNT_MAX", 2)
    queue_module._narrowed_count.cache_clear()
    try:
        for _ in range(4):
            make_comment(article)
        html = page(staff.get(f"/dashboard/?article={article.id}"))
        assert text_of(html.select_one("#queue-tabs a .count")) == "2+ of 4"
    finally:
        queue_module._narrowed_count.cache_clear()


# --- One Undo for a bulk decision --------------------------------------------------------


def test_one_undo_brings_back_a_whole_bulk_decision(staff, site, article, make_comment):
    chosen = [make_comment(article, author_name=f"Reader {n}") for n in range(3)]
    answer = page(_bulk(staff, chosen, "spam", HTMX))
    undo = answer.select_one("form.batch-undo")
    assert text_of(undo.button) == "Undo all 3 of this bulk decision"
    assert undo.button["aria-keyshortcuts"] == "u"
    event_ids = [field["value"] for field in undo.select('input[name="event_ids"]')]
    assert len(event_ids) == 3

    response = staff.post(
        undo["action"],
        data={"csrf_token": csrf_token(staff, "/dashboard/"), "event_ids": event_ids},
        headers=HTMX,
    )

    html = page(response)
    assert text_of(html.select_one(".flash-success")) == "Undone: 3 comments back where they were."
    assert text_of(html.select_one("#announcer")) == "Undone: 3 comments back where they were."
    rows = html.select(".queue-row")
    assert {r["id"] for r in rows} == {f"comment-{c.id}" for c in chosen}
    assert all(r["data-hx-swap-oob"] == "true" and r["data-status"] == "pending" for r in rows)
    assert text_of(html.select_one("#pending-badge")) == "3 pending"
    assert _statuses(chosen) == ["pending"] * 3
    events = db.session.scalars(sa.select(ModerationEvent).order_by(ModerationEvent.id)).all()
    assert [(e.from_status, e.to_status) for e in events] == [("pending", "spam")] * 3 + [
        ("spam", "pending")
    ] * 3


def test_undoing_a_batch_leaves_what_a_colleague_moved_since(
    staff, site, article, make_comment, second_moderator
):
    site.timezone = "America/New_York"
    db.session.commit()
    chosen = [make_comment(article) for _ in range(2)]
    undo = page(_bulk(staff, chosen, "approved", HTMX)).select_one("form.batch-undo")
    moderation.decide(chosen[1].id, "rejected", second_moderator)

    response = staff.post(
        undo["action"],
        data={
            "csrf_token": csrf_token(staff, "/dashboard/"),
            "event_ids": [f["value"] for f in undo.select('input[name="event_ids"]')],
        },
    )

    assert response.status_code == 303
    flash = text_of(page(staff.get(response.headers["Location"])).select_one(".flash-error"))
    assert flash.startswith("Undone: 1 comment back where it was. 1 not changed: ")
    assert "already rejected by Ben Moderator at" in flash
    # The time is on the site's clock, saying which clock.
    assert flash.split(" at ")[1].split(".")[0].endswith(("EST", "EDT"))
    assert _statuses(chosen) == ["pending", "rejected"]


@pytest.mark.parametrize("ids", [["x"], [], [str(n) for n in range(1, 502)]])
def test_an_undo_of_no_batch_is_refused(staff, site, article, make_comment, ids):
    comment = make_comment(article)
    response = staff.post(
        "/dashboard/decisions/undo",
        data={"csrf_token": csrf_token(staff, "/dashboard/"), "event_ids": ids},
        headers=HTMX,
    )
    assert response.status_code == 422
    assert text_of(page(response).select_one(".flash-error")) == (
        "That undo was not understood. Nothing was changed."
    )
    assert _statuses([comment]) == ["pending"]


def test_a_refused_decision_leaves_its_row_and_says_why(staff, site, article, make_comment):
    comment = make_comment(article)
    response = staff.post(
        f"/dashboard/comments/{comment.id}/decision",
        data={"csrf_token": csrf_token(staff, "/dashboard/"), "to_status": "deleted"},
        headers=HTMX,
    )
    assert response.status_code == 422
    assert response.headers["HX-Reswap"] == "none"  # the row stays as it was
    said = text_of(page(response).select_one("#announcer"))
    assert said == "That decision was not understood. Nothing was changed."


# --- Conflicts on the site's clock -------------------------------------------------------


def test_a_conflict_names_the_time_on_the_sites_clock(
    staff, site, article, make_comment, second_moderator
):
    site.timezone = "Asia/Tokyo"
    db.session.commit()
    comment = make_comment(article)
    moderation.decide(comment.id, "spam", second_moderator)
    response = staff.post(
        f"/dashboard/comments/{comment.id}/decision",
        data={
            "csrf_token": csrf_token(staff, "/dashboard/"),
            "to_status": "approved",
            "expected_status": "pending",
        },
        headers=HTMX,
    )
    said = text_of(page(response).select_one("#announcer"))
    assert said.endswith(" JST. Nothing was changed."), said
    assert "UTC" not in said


# --- Names and keys ----------------------------------------------------------------------


def test_a_row_is_named_by_author_opening_words_and_why_held(staff, site, article, make_comment):
    comment = make_comment(
        article,
        author_name="Lee Park",
        body="The council vote on the library budget was rushed and the public had no say.",
    )
    row = page(staff.get("/dashboard/")).select_one(f"#comment-{comment.id}")
    assert row["aria-label"] == (
        f"Lee Park: The council vote on the library budget was… (held: {comment.held_reasons})"
    )


def test_every_key_on_the_page_is_in_the_dialog_with_a_control(staff, site, article, make_comment):
    make_comment(article)
    html = page(staff.get("/dashboard/"))
    listed = {text_of(kbd) for kbd in html.select("#keys-help tbody th kbd")}
    on_controls = {element["aria-keyshortcuts"] for element in html.select("[aria-keyshortcuts]")}
    assert on_controls == {"?", "Shift+X", "Shift+A", "Shift+R", "Shift+S", "a", "r", "s", "e"}
    # The Undo (u) and the new comments' link (n) come with their answers; Reply (o) and
    # Back to pending (p) with approved and decided rows.
    assert on_controls | {"u", "n", "x", "j", "k", "o", "p", "Escape"} <= listed
    for row in html.select("#keys-help tbody tr"):
        assert text_of(row.select("td")[1]), text_of(row)  # the control that does the same


def test_an_undo_of_decisions_no_longer_on_record_says_so(staff, site, article, make_comment):
    response = staff.post(
        "/dashboard/decisions/undo",
        data={"csrf_token": csrf_token(staff, "/dashboard/"), "event_ids": ["4242"]},
        headers=HTMX,
    )
    assert response.status_code == 422
    assert text_of(page(response).select_one(".flash-error")) == (
        "Those decisions are no longer on record. Nothing was changed."
    )
