"""Admins keep a short list of rejection reasons and the report threshold; moderators pick a
reason when rejecting; the history and the commenter's page show it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from newsroom import moderation
from newsroom.extensions import db
from newsroom.models import Comment, ModerationEvent, RejectionReason, SiteSettings
from tests.conftest import log_in, page, submit_form, text_of

HTMX = {"HX-Request": "true", "HX-Current-URL": "http://localhost/dashboard/"}


def _listed(client) -> list[str]:
    html = page(client.get("/admin/moderation"))
    return [text_of(node) for node in html.select(".reason-list .reason-text")]


def _add(client, label: str):
    return submit_form(client, "/admin/moderation", {"label": label}, "form.reason-form")


@pytest.fixture
def reasons(app) -> list[RejectionReason]:
    return [moderation.add_rejection_reason(label) for label in ("Off-topic", "Personal attack")]


# --- The admins' list ---------------------------------------------------------------------


def test_admin_adds_moves_and_removes_reasons(admin_client, site):
    for label in ("Off-topic", "Personal attack", "  Spam   link  "):
        response = _add(admin_client, label)
        assert response.status_code == 303
        assert response.headers["Location"] == "/admin/moderation#reasons"
    assert _listed(admin_client) == ["Off-topic", "Personal attack", "Spam link"]

    submit_form(
        admin_client,
        "/admin/moderation",
        {"direction": "up"},
        f"#reason-{_id('Spam link')} form[action$=move]",
    )
    assert _listed(admin_client) == ["Off-topic", "Spam link", "Personal attack"]

    removed = submit_form(
        admin_client, "/admin/moderation", {}, f"#reason-{_id('Off-topic')} form[action$=remove]"
    )
    flashed = text_of(page(admin_client.get(removed.headers["Location"])).select_one(".flashes"))
    assert flashed == "“Off-topic” was taken off the list. Decisions that gave it keep it."
    assert _listed(admin_client) == ["Spam link", "Personal attack"]


def _id(label: str) -> int:
    return db.session.scalar(sa.select(RejectionReason.id).where(RejectionReason.label == label))


@pytest.mark.parametrize(
    ("label", "error"),
    [
        ("", "Please write the reason."),
        ("x" * 81, "A reason can be at most 80 characters."),
        ("off-TOPIC", "“off-TOPIC” is on the list already."),
    ],
)
def test_bad_reasons_are_refused_beside_the_field(admin_client, site, reasons, label, error):
    response = _add(admin_client, label)

    assert response.status_code == 422
    html = page(response)
    assert text_of(html.select_one("#label-error")) == error
    assert html.select_one("#label").get("value", "") == label
    assert _listed(admin_client) == ["Off-topic", "Personal attack"]


def test_the_list_holds_one_reason_per_number_key(admin_client, site):
    for number in range(1, 10):
        assert _add(admin_client, f"Reason {number}").status_code == 303
    html = page(admin_client.get("/admin/moderation"))
    assert html.select_one("form.reason-form") is None
    assert "The list is full (9 reasons" in text_of(html.select_one("#reasons"))
    with pytest.raises(ValueError, match="at most 9 reasons"):
        moderation.add_rejection_reason("A tenth")


def test_admin_sets_the_report_threshold(admin_client, site):
    html = page(admin_client.get("/admin/moderation"))
    assert html.select_one("#report_threshold")["value"] == "3"

    saved = submit_form(
        admin_client, "/admin/moderation", {"report_threshold": "5"}, "#reports form"
    )
    assert saved.status_code == 303
    db.session.expire_all()
    assert db.session.scalar(sa.select(SiteSettings.report_threshold)) == 5

    for bad in ("0", "101", "٣", "-1", "many"):
        refused = submit_form(
            admin_client, "/admin/moderation", {"report_threshold": bad}, "#reports form"
        )
        assert refused.status_code == 422
        assert text_of(page(refused).select_one("#report_threshold-error")) == (
            "Choose a number of reports from 1 to 100."
        )
    assert db.session.scalar(sa.select(SiteSettings.report_threshold)) == 5


def test_moderators_may_not_edit_the_list(client, site, moderator):
    log_in(client, moderator)
    assert client.get("/admin/moderation").status_code == 403


# --- Rejecting with a reason --------------------------------------------------------------


def test_each_row_offers_the_reasons_in_order_with_their_keys(
    staff, site, article, make_comment, reasons
):
    comment = make_comment(article)
    html = page(staff.get("/dashboard/"))

    select = html.select_one(f"#comment-{comment.id} select[name=reason]")
    options = [(o.get("value"), o.get("data-key"), text_of(o)) for o in select.select("option")]
    assert options == [
        ("", None, "None given"),
        (str(reasons[0].id), "1", "1. Off-topic"),
        (str(reasons[1].id), "2", "2. Personal attack"),
    ]
    label = html.select_one(f"label[for=reason-{comment.id}]")
    assert text_of(label) == "Reason for rejecting the comment by Dana Reader"
    keys = {text_of(kbd) for kbd in html.select("#keys-help tbody th kbd")}
    assert {"1", "2", "d"} <= keys
    # Where rejecting isn't allowed, there is no list: a rejected comment can only go back.
    rejected = make_comment(article, "rejected")
    html = page(staff.get("/dashboard/?status=rejected"))
    assert html.select_one(f"#comment-{rejected.id} select[name=reason]") is None


def test_a_rejection_keeps_the_reason_picked_and_shows_it(
    staff, site, article, make_comment, reasons
):
    comment = make_comment(article)

    response = submit_form(
        staff,
        "/dashboard/",
        {"to_status": "rejected", "reason": str(reasons[1].id)},
        f"#comment-{comment.id} form[action$=decision]",
    )

    assert response.status_code == 303
    [event] = db.session.scalars(sa.select(ModerationEvent)).all()
    assert (event.to_status, event.reason) == ("rejected", "Personal attack")
    # Renaming the list later leaves what was decided as it was.
    moderation.remove_rejection_reason(reasons[1].id)
    history = page(staff.get("/dashboard/history"))
    assert text_of(history.select_one("tbody td:nth-of-type(3)")) == (
        "pending → rejected Reason: Personal attack"
    )
    commenter = page(staff.get(f"/dashboard/commenters/{comment.commenter_id}"))
    assert "Reason: Personal attack" in text_of(commenter.select_one(".decisions"))


def test_htmx_rejection_names_the_reason_in_its_strip(staff, site, article, make_comment, reasons):
    comment = make_comment(article)
    token = page(staff.get("/dashboard/")).select_one("input[name=csrf_token]")["value"]

    response = staff.post(
        f"/dashboard/comments/{comment.id}/decision",
        data={
            "csrf_token": token,
            "to_status": "rejected",
            "expected_status": "pending",
            "reason": str(reasons[0].id),
        },
        headers=HTMX,
    )

    assert response.status_code == 200
    strip = page(response).select_one(f"#comment-{comment.id} .strip-text")
    assert text_of(strip) == "Rejected (Off-topic) · comment by Dana Reader"


def test_a_reason_no_longer_on_the_list_is_refused_and_nothing_changes(
    staff, site, article, make_comment, reasons
):
    comment = make_comment(article)
    page_with_reason = staff.get("/dashboard/")
    moderation.remove_rejection_reason(reasons[0].id)
    token = page(page_with_reason).select_one("input[name=csrf_token]")["value"]

    response = staff.post(
        f"/dashboard/comments/{comment.id}/decision",
        data={
            "csrf_token": token,
            "to_status": "rejected",
            "expected_status": "pending",
            "reason": str(reasons[0].id),
        },
    )

    assert response.status_code == 303
    flashed = text_of(page(staff.get("/dashboard/")).select_one(".flashes"))
    assert flashed.startswith("That rejection reason is no longer on the list.")
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).status == "pending"
    assert db.session.scalars(sa.select(ModerationEvent)).all() == []


def test_a_reason_goes_only_with_a_rejection(staff, site, article, make_comment, reasons):
    comment = make_comment(article)

    submit_form(
        staff,
        "/dashboard/",
        {"to_status": "approved", "reason": str(reasons[0].id)},
        f"#comment-{comment.id} form[action$=decision]",
    )

    [event] = db.session.scalars(sa.select(ModerationEvent)).all()
    assert (event.to_status, event.reason) == ("approved", "")
