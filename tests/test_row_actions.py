"""A queue row's other actions, through the test client on both paths (htmx and plain):
edit the text and undo the edit, reply as the organization, back to pending, delete for
good, empty the spam; what readers see afterwards, and what was stored."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from newsroom import moderation
from newsroom.extensions import db
from newsroom.models import (
    Article,
    Comment,
    CommentEdit,
    Commenter,
    EventAction,
    ModerationEvent,
    utcnow,
)
from tests.conftest import csrf_token, form_fields, log_in, page, text_of

HTMX = {"HX-Request": "true", "HX-Current-URL": "http://localhost/dashboard/?status=approved"}


@pytest.fixture
def chief(client, admin):
    log_in(client, admin)
    return client


def _row_form(client, comment, selector: str, tab: str = "approved") -> tuple[str, dict]:
    """The action and the fields of a form on the comment's queue row, as a browser sends
    them before anything is typed."""
    html = page(client.get(f"/dashboard/?status={tab}"))
    form = html.select_one(f"#comment-{comment.id} {selector}")
    assert form is not None, f"no {selector} on the row"
    return form["action"], form_fields(form)


def _public(client, article) -> list[str]:
    """The comments a reader sees on the article, in reading order (replies nested in the
    comments they answer): author, badge, text, marks, each without its replies."""
    html = page(client.get(f"/articles/{article.slug}"))
    shown = html.select(".comment-list .comment")
    for item in shown:
        for replies in item.find_all("ol", recursive=False):
            replies.extract()
    return [text_of(li) for li in shown]


def _stored(comment_id: int) -> Comment | None:
    db.session.expire_all()
    return db.session.get(Comment, comment_id)


def _events(action: str) -> list[ModerationEvent]:
    db.session.expire_all()
    return db.session.scalars(
        sa.select(ModerationEvent).where(ModerationEvent.action == action)
    ).all()


# --- Edit ----------------------------------------------------------------------------------


def test_htmx_edit_changes_the_text_readers_see_and_keeps_the_original_for_staff(
    app, staff, site, article, make_comment, moderator
):
    comment = make_comment(article, "approved", body="Call me on 555-0199 about it.")
    reader = app.test_client()
    assert "Call me on 555-0199" in " ".join(_public(reader, article))  # now in the cache

    action, fields = _row_form(staff, comment, ".row-edit form")
    response = staff.post(
        action, data={**fields, "body": "Call me on [number removed] about it."}, headers=HTMX
    )

    assert response.status_code == 200
    swapped = page(response)
    assert swapped.select_one(".row-text")["id"] == f"row-text-{comment.id}"
    assert "<html" not in response.get_data(as_text=True)
    assert "[number removed]" in text_of(swapped.select_one(".row-body"))
    assert "Edited: readers see the new text" in text_of(swapped.select_one("[role=status]"))
    assert swapped.select_one("button[data-undo-edit]") is not None
    # Readers: the new text, marked, and the number nowhere (the cached page was redrawn).
    [shown] = _public(reader, article)
    assert "Call me on [number removed] about it." in shown
    assert "Edited by the moderators" in shown
    assert "555-0199" not in reader.get(f"/articles/{article.slug}").get_data(as_text=True)
    # Staff: the original in the comment's history, with who edited it.
    history = page(staff.get(f"/dashboard/history?comment={comment.id}"))
    earlier = text_of(history.select_one("#earlier-texts"))
    assert "Call me on 555-0199 about it." in earlier
    assert "Ana Moderator edited the text" in earlier
    [event] = _events(EventAction.EDIT)
    assert (event.comment_id, event.actor_id, event.from_status, event.to_status) == (
        comment.id,
        moderator.id,
        "approved",
        "approved",
    )
    stored = _stored(comment.id)
    assert stored.status == "approved" and stored.text_version == 1


def test_edit_without_javascript_redirects_with_a_message(staff, site, article, make_comment):
    comment = make_comment(article, body="Teh council met.")
    action, fields = _row_form(staff, comment, ".row-edit form", tab="pending")

    response = staff.post(action, data={**fields, "body": "The council met."})

    assert response.status_code == 303
    assert response.headers["Location"] == f"/dashboard/#comment-{comment.id}"
    html = page(staff.get(response.headers["Location"]))
    assert "Edited: readers see the new text" in text_of(html.select_one(".flash"))
    assert text_of(html.select_one(f"#comment-{comment.id} .row-body")) == "The council met."
    assert "Edited by the moderators" in text_of(html.select_one(f"#comment-{comment.id}"))


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("   \n  ", "The comment can't be left empty"),
        ("x" * (moderation.BODY_MAX + 1), "at most 5,000 characters; this one has 5,001"),
    ],
)
@pytest.mark.parametrize("htmx", [True, False])
def test_refused_text_comes_back_with_the_reason_and_what_was_typed(
    staff, site, article, make_comment, typed, message, htmx
):
    comment = make_comment(article, body="As written.")
    action, fields = _row_form(staff, comment, ".row-edit form", tab="pending")

    response = staff.post(action, data={**fields, "body": typed}, headers=HTMX if htmx else None)

    assert response.status_code == 422
    html = page(response)
    assert ("<html" in response.get_data(as_text=True)) is not htmx
    box = html.select_one(".row-edit")
    assert box.has_attr("open")
    field = box.select_one("textarea")
    assert field.get_text() == typed.replace("\r", "")
    assert field["aria-invalid"] == "true"
    assert message in text_of(html.select_one(f"#{field['aria-describedby']}"))
    assert _stored(comment.id).body == "As written."
    assert _events(EventAction.EDIT) == []


def test_an_edit_on_a_stale_row_is_refused_and_changes_nothing(
    staff, site, article, make_comment, second_moderator
):
    comment = make_comment(article, "approved", body="First words.")
    action, fields = _row_form(staff, comment, ".row-edit form")
    # Ben edits it meanwhile: Ana's page shows the old text.
    moderation.edit_comment(
        comment.id, "Ben's words.", second_moderator, expected_status="approved", expected_version=0
    )

    response = staff.post(action, data={**fields, "body": "Ana's words."}, headers=HTMX)

    assert response.status_code == 409
    alert = text_of(page(response).select_one("[role=alert]"))
    assert "text was changed by Ben Moderator at" in alert and "Nothing was changed" in alert
    # The row shows the text as it is now.
    assert text_of(page(response).select_one(".row-body")) == "Ben's words."
    assert _stored(comment.id).body == "Ben's words."


def test_an_edit_of_a_comment_a_colleague_just_decided_is_refused(
    staff, site, article, make_comment, second_moderator
):
    comment = make_comment(article, body="Still pending?")
    action, fields = _row_form(staff, comment, ".row-edit form", tab="pending")
    moderation.decide(comment.id, "rejected", second_moderator)

    response = staff.post(action, data={**fields, "body": "Edited anyway."})

    assert response.status_code == 303
    flashed = text_of(page(staff.get(response.headers["Location"])).select_one(".flash"))
    assert "already rejected by Ben Moderator" in flashed
    assert _stored(comment.id).body == "Still pending?"
    assert _events(EventAction.EDIT) == []


def test_undo_of_an_edit_gives_the_text_back_unmarked(
    app, staff, site, article, make_comment, moderator
):
    comment = make_comment(article, "approved", body="Original words.")
    reader = app.test_client()
    action, fields = _row_form(staff, comment, ".row-edit form")
    edited = page(staff.post(action, data={**fields, "body": "Changed words."}, headers=HTMX))
    undo = edited.select_one("button[data-undo-edit]").find_parent("form")
    assert "Changed words." in " ".join(_public(reader, article))

    response = staff.post(undo["action"], data=form_fields(undo), headers=HTMX)

    assert response.status_code == 200
    swapped = page(response)
    assert text_of(swapped.select_one(".row-body")) == "Original words."
    assert "Undone" in text_of(swapped.select_one("[role=status]"))
    assert swapped.select_one(".edited-mark") is None
    [shown] = _public(reader, article)
    assert "Original words." in shown and "Edited by the moderators" not in shown
    assert _stored(comment.id).edited_at is None
    # Both steps are in the history; undoing again finds the text changed since.
    assert [e.note for e in _events(EventAction.EDIT)] == ["", f"undo of #{edited_event_id()}"]
    again = staff.post(undo["action"], data=form_fields(undo), headers=HTMX)
    assert again.status_code == 409
    assert _stored(comment.id).body == "Original words."


def edited_event_id() -> int:
    return _events(EventAction.EDIT)[0].id


def test_decision_undo_does_not_undo_an_edit(staff, site, article, make_comment, moderator):
    comment = make_comment(article, "approved", body="Words.")
    written = moderation.edit_comment(
        comment.id, "Other words.", moderator, expected_status="approved", expected_version=0
    )
    undone = moderation.undo(written.event.id, moderator)
    assert not undone.ok and "not a decision" in undone.error
    assert _stored(comment.id).body == "Other words."


# --- Reply as the organization ---------------------------------------------------------


def test_reply_is_published_at_once_under_the_comment_it_answers(
    app, staff, site, article, make_comment, moderator
):
    first = make_comment(article, "approved", author_name="Dana Reader", body="When is it?")
    later = make_comment(article, "approved", author_name="Lee Park", body="Me too.")
    reader = app.test_client()
    before = _public(reader, article)
    tallies = moderation.tally()

    action, fields = _row_form(staff, first, ".row-reply form")
    response = staff.post(
        action, data={**fields, "body": "On Tuesday at 7, in the hall."}, headers=HTMX
    )

    assert response.status_code == 200
    answer = page(response)
    assert f"Published under the comment as {site.organization_name}" in text_of(
        answer.select_one("[role=status]")
    )
    # The Approved tab counts it, in the same answer.
    approved_tab = answer.select_one("#queue-tabs a[href*='status=approved'] .count")
    assert text_of(approved_tab) == str(tallies["approved"] + 1)
    shown = _public(reader, article)
    assert len(shown) == len(before) + 1 == 3
    assert shown[0].startswith("Dana Reader")
    assert shown[1].startswith(f"{site.organization_name} Staff")
    assert "On Tuesday at 7" in shown[1]
    assert shown[2].startswith("Lee Park")
    html = page(reader.get(f"/articles/{article.slug}"))
    assert text_of(html.select_one("#comments-heading")) == "3 Comments"
    # Nested under the comment it answers, marked as the organization's.
    reply = html.select_one(f"#comment-{first.id} > ol > .comment")
    assert "comment-staff" in reply["class"]
    # Stored as the organization's, approved, answering the comment; who wrote it is audited.
    stored = db.session.scalar(sa.select(Comment).where(Comment.parent_id == first.id))
    assert (stored.status, stored.by_organization, stored.author_email) == ("approved", True, "")
    [event] = _events(EventAction.REPLY)
    assert (event.comment_id, event.actor_id) == (stored.id, moderator.id)
    assert later.id != stored.id
    db.session.expire_all()
    assert db.session.get(Article, article.id).approved_comment_count == 3


def test_reply_without_javascript_and_to_a_hidden_comment(staff, site, article, make_comment):
    approved = make_comment(article, "approved")
    action, fields = _row_form(staff, approved, ".row-reply form")
    response = staff.post(action, data={**fields, "body": "Thanks for writing."})
    assert response.status_code == 303
    flashed = text_of(page(staff.get(response.headers["Location"])).select_one(".flash"))
    assert flashed == f"Published under the comment as {site.organization_name}."

    # A pending row has no reply box, and the service refuses one anyway.
    waiting = make_comment(article)
    assert page(staff.get("/dashboard/")).select_one(f"#comment-{waiting.id} .row-reply") is None
    refused = staff.post(
        f"/dashboard/comments/{waiting.id}/reply",
        data={"csrf_token": csrf_token(staff, "/dashboard/"), "body": "Hello."},
    )
    assert refused.status_code == 303
    flashed = text_of(page(staff.get(refused.headers["Location"])).select_one(".flash"))
    assert "approve it first" in flashed
    assert db.session.scalar(sa.select(sa.func.count()).where(Comment.by_organization)) == 1


def test_an_empty_reply_comes_back_with_what_was_typed(staff, site, article, make_comment):
    approved = make_comment(article, "approved")
    action, fields = _row_form(staff, approved, ".row-reply form")
    response = staff.post(action, data={**fields, "body": "  "}, headers=HTMX)
    assert response.status_code == 422
    box = page(response).select_one(".row-reply-box")
    assert box.has_attr("open")
    assert "Write the reply first" in text_of(page(response).select_one(".field-error"))
    plain = staff.post(action, data={**fields, "body": "  "})
    assert plain.status_code == 422
    assert page(plain).select_one("h1") is not None
    assert page(plain).select_one(".row-reply-box textarea").get_text() == "  "


# --- Back to pending -------------------------------------------------------------------


def test_back_to_pending_takes_it_off_the_public_page_and_undo_puts_it_back(
    app, staff, site, article, make_comment
):
    comment = make_comment(article, "approved", body="Look again at this.")
    reader = app.test_client()
    assert len(_public(reader, article)) == 1
    html = page(staff.get("/dashboard/?status=approved"))
    button = html.select_one(f"#comment-{comment.id} button[value=pending]")
    assert text_of(button) == "Back to pending the comment by Dana Reader"
    assert button["aria-keyshortcuts"] == "p"
    form = button.find_parent("form")

    response = staff.post(
        form["action"], data={**form_fields(form), "to_status": "pending"}, headers=HTMX
    )

    assert response.status_code == 200
    strip = page(response).select_one(f"#comment-{comment.id}")
    assert "outcome-pending" in strip["class"]
    assert text_of(strip.select_one(".strip-text")) == "Back to pending · comment by Dana Reader"
    assert _public(reader, article) == []
    assert _stored(comment.id).status == "pending"
    [event] = _events(EventAction.DECISION)
    assert (event.from_status, event.to_status) == ("approved", "pending")

    undo = strip.select_one("button[data-undo]").find_parent("form")
    assert staff.post(undo["action"], data=form_fields(undo), headers=HTMX).status_code == 200
    assert _stored(comment.id).status == "approved"
    assert len(_public(reader, article)) == 1


# --- Delete for good -------------------------------------------------------------------


def test_moderators_have_no_delete_and_are_refused(staff, site, article, make_comment):
    comment = make_comment(article, "approved")
    assert page(staff.get("/dashboard/?status=approved")).select_one(".row-delete") is None
    response = staff.post(
        f"/dashboard/comments/{comment.id}/delete",
        data={"csrf_token": csrf_token(staff, "/dashboard/"), "expected_status": "approved"},
    )
    assert response.status_code == 403
    assert _stored(comment.id) is not None


def test_admin_deletes_for_good_keeping_only_who_and_when(
    app, chief, site, article, make_comment, admin, moderator
):
    comment = make_comment(article, "approved", author_name="Dana Reader", body="Secret text.")
    comment_id = comment.id
    moderation.edit_comment(
        comment.id, "Redacted text.", moderator, expected_status="approved", expected_version=0
    )
    moderation.reply_as_organization(comment.id, "We answered.", moderator, "Riverside")
    reader = app.test_client()
    assert len(_public(reader, article)) == 2
    commenter_id = comment.commenter_id
    before = moderation.tally()
    box = page(chief.get("/dashboard/?status=approved")).select_one(
        f"#comment-{comment.id} .row-delete"
    )
    assert "This can't be undone." in text_of(box)
    form = box.select_one("form")

    response = chief.post(form["action"], data=form_fields(form), headers=HTMX)

    assert response.status_code == 200
    strip = page(response).select_one(f"#comment-{comment_id}")
    assert "outcome-deleted" in strip["class"]
    assert "Deleted for good · comment by Dana Reader" in text_of(strip)
    assert strip.select_one("button") is None  # nothing to undo
    assert _stored(comment_id) is None
    # Counters: the article, the site's tallies and the commenter's record.
    assert moderation.tally()["approved"] == before["approved"] - 1
    db.session.expire_all()
    assert db.session.get(Article, article.id).approved_comment_count == 1
    assert db.session.get(Commenter, commenter_id).approved_count == 0
    # Readers: the comment is gone; the reply stays, answering nothing.
    shown = _public(reader, article)
    assert len(shown) == 1 and "We answered." in shown[0] and "In reply to" not in shown[0]
    # What is kept: one event with who and when, and nothing the reader wrote.
    [event] = _events(EventAction.DELETION)
    assert (event.comment_id, event.actor_id, event.from_status) == (None, admin.id, "approved")
    assert f"#{comment_id}" in event.note
    kept = " ".join(e.note for e in db.session.scalars(sa.select(ModerationEvent)))
    assert "Secret" not in kept and "Redacted" not in kept and "Dana" not in kept
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CommentEdit)) == 0
    history = text_of(page(chief.get("/dashboard/history")).select_one("table"))
    assert "Ada Admin" in history and "Deleted for good" in history


def test_delete_on_a_stale_row_deletes_nothing(
    chief, site, article, make_comment, second_moderator
):
    comment = make_comment(article)
    action, fields = _row_form(chief, comment, ".row-delete form", tab="pending")
    moderation.decide(comment.id, "approved", second_moderator)

    response = chief.post(action, data=fields)

    assert response.status_code == 303
    flashed = text_of(page(chief.get(response.headers["Location"])).select_one(".flash"))
    assert "already approved by Ben Moderator" in flashed and "Nothing was deleted" in flashed
    assert _stored(comment.id).status == "approved"
    assert _events(EventAction.DELETION) == []


# --- Empty the spam --------------------------------------------------------------------


def test_admin_empties_old_spam_after_confirming(chief, site, article, make_comment, admin):
    old = [
        make_comment(article, "spam", created_at=utcnow() - timedelta(days=40)).id for _ in range(2)
    ]
    recent = make_comment(article, "spam", created_at=utcnow() - timedelta(days=3))
    kept = make_comment(article, "rejected", created_at=utcnow() - timedelta(days=90))
    spam_tab = page(chief.get("/dashboard/?status=spam"))
    ask = spam_tab.select_one("form.empty-spam")
    assert ask is not None and ask["method"] == "get"

    confirm = page(chief.get(f"{ask['action']}?days=30"))
    assert "2 spam comments arrived more than 30 days ago" in text_of(confirm.select_one("main"))
    form = confirm.select_one("main form[method=post]")
    response = chief.post(form["action"], data=form_fields(form))

    assert response.status_code == 303
    assert response.headers["Location"] == "/dashboard/?status=spam"
    flashed = text_of(page(chief.get(response.headers["Location"])).select_one(".flash"))
    assert flashed == "Deleted for good: 2 spam comments older than 30 days."
    assert [_stored(comment_id) for comment_id in old] == [None, None]
    assert _stored(recent.id) is not None and _stored(kept.id) is not None
    assert moderation.tally()["spam"] == 1
    [event] = _events(EventAction.DELETION)
    assert event.actor_id == admin.id and "2 comments older than 30 days" in event.note


@pytest.mark.parametrize("days", ["0", "-1", "abc", "3651", "9" * 40, "٣"])
def test_empty_spam_refuses_a_bad_number_of_days(chief, site, days):
    response = chief.get(f"/dashboard/spam/empty?days={days}")
    assert response.status_code == 422
    assert "from 1 to 3,650" in text_of(page(response).select_one("[role=alert]"))
    posted = chief.post(
        "/dashboard/spam/empty",
        data={"csrf_token": csrf_token(chief, "/dashboard/"), "days": days},
    )
    assert posted.status_code == 422


def test_moderators_cannot_empty_the_spam(staff, site):
    assert page(staff.get("/dashboard/?status=spam")).select_one("form.empty-spam") is None
    assert staff.get("/dashboard/spam/empty?days=30").status_code == 403


def test_privacy_export_holds_the_earlier_texts_and_erasure_takes_them(
    app, site, article, make_comment, admin
):
    from newsroom import privacy

    comment = make_comment(article, "approved", author_email="dana@example.com", body="Mine.")
    moderation.edit_comment(
        comment.id, "Edited.", admin, expected_status="approved", expected_version=0
    )
    exported = privacy.export("dana@example.com")["comments"][0]
    assert exported["body"] == "Edited."
    assert [e["text"] for e in exported["earlier_texts"]] == ["Mine."]
    comment_id = comment.id
    privacy.erase("dana@example.com", "remove", admin)
    assert _stored(comment_id) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CommentEdit)) == 0
