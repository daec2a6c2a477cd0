"""Readers report comments; at the threshold a comment is hidden; moderators keep or reject
it from the Reported tab, with and without htmx."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from newsroom import moderation
from newsroom.extensions import db
from newsroom.models import ArticleStatus, Comment, Commenter, CommentReport, ModerationEvent
from newsroom.public import protection
from tests.conftest import csrf_token, page, submit_form, text_of

HTMX = {"HX-Request": "true", "HX-Current-URL": "http://localhost/dashboard/?status=reported"}


def _reader(app, number: int):
    """Another reader, at an address of their own."""
    reader = app.test_client()
    reader.environ_base["REMOTE_ADDR"] = f"192.0.2.{number}"
    return reader


def _report_url(article, comment) -> str:
    return f"/report/{comment.id}"


def _report(client, article, comment, reason="abusive", detail="", **kwargs):
    """Open the comment's report page, choose `reason`, send it as a browser would."""
    return submit_form(
        client,
        _report_url(article, comment),
        {"reason": reason, "detail": detail},
        "form.report-form",
        **kwargs,
    )


def _public_bodies(client, article) -> list[str]:
    html = page(client.get(f"/articles/{article.slug}"))
    return [text_of(node) for node in html.select(".comment-list .comment > div")]


def _stored(comment_id: int) -> Comment:
    db.session.expire_all()
    return db.session.get(Comment, comment_id)


def _reports() -> list[CommentReport]:
    return db.session.scalars(sa.select(CommentReport).order_by(CommentReport.id)).all()


@pytest.fixture
def approved(article, make_comment) -> Comment:
    return make_comment(article, "approved", body="Landlords are all crooks.")


# --- Readers ------------------------------------------------------------------------------


def test_each_approved_comment_has_a_report_link_to_its_form(app, site, article, approved):
    reader = _reader(app, 1)
    html = page(reader.get(f"/articles/{article.slug}"))

    # Named by its paragraph: the author's name is beside it (link purpose in context).
    meta = html.select_one(f"#comment-{approved.id} .comment-meta")
    link = meta.select("a")[-1]
    assert link["href"] == _report_url(article, approved)
    assert text_of(link) == "Report"
    assert text_of(meta).startswith("Dana Reader ")

    form_page = page(reader.get(link["href"]))
    assert text_of(form_page.select_one("h1")) == "Report a comment"
    assert text_of(form_page.select_one(".reported-comment")) == "Landlords are all crooks."
    choices = [text_of(label) for label in form_page.select(".report-form fieldset label")]
    assert choices == ["Abusive or hateful", "Spam or advertising", "Off-topic", "Something else"]
    # The same page for every reader, as the article is: no session, no per-reader token.
    assert reader.get_cookie("session") is None
    assert form_page.select_one("input[name=form_token]")["value"] == protection.form_token()


def test_only_comments_readers_see_can_be_reported(app, site, article, make_article, make_comment):
    reader = _reader(app, 1)
    pending = make_comment(article, body="Still waiting.")
    rejected = make_comment(article, "rejected")
    # Approved, on an article readers can't see (a draft).
    elsewhere = make_comment(make_article(status=ArticleStatus.DRAFT), "approved")

    assert _report_url(article, pending) not in reader.get(f"/articles/{article.slug}").text
    for comment in (pending, rejected, elsewhere):
        assert reader.get(_report_url(article, comment)).status_code == 404
        response = reader.post(
            _report_url(article, comment),
            data={"reason": "spam", "form_token": protection.form_token()},
        )
        assert response.status_code == 404
    assert _reports() == []


def test_a_report_is_stored_once_per_reader(app, site, article, approved):
    reader = _reader(app, 1)

    first = _report(reader, article, approved, "off-topic")
    assert first.status_code == 303
    assert first.headers["Location"] == f"/articles/{article.slug}#comments"
    notice = text_of(page(reader.get(first.headers["Location"])).select_one(".flashes"))
    assert notice == "Thank you. A moderator will look at the comment you reported."

    again = _report(reader, article, approved, "spam")
    assert again.status_code == 303
    notice = text_of(page(reader.get(again.headers["Location"])).select_one(".flashes"))
    assert notice.startswith("You had already reported that comment.")

    [report] = _reports()
    assert (report.comment_id, report.reason) == (approved.id, "off-topic")
    assert report.fingerprint == moderation.client_fingerprint("192.0.2.1", "test-secret-key")
    assert _stored(approved.id).open_reports == 1


def test_reports_up_to_the_threshold_hide_the_comment_from_every_reader(
    app, site, article, approved
):
    site.report_threshold = 3
    db.session.commit()
    bystander = _reader(app, 99)
    # The page is drawn and kept for every reader before the reports come.
    assert _public_bodies(bystander, article) == ["Landlords are all crooks."]

    for number in (1, 2):
        assert _report(_reader(app, number), article, approved).status_code == 303
        assert _public_bodies(bystander, article) == ["Landlords are all crooks."]
        assert not _stored(approved.id).hidden_by_reports

    assert _report(_reader(app, 3), article, approved, "other", "Names a neighbour").status_code
    assert _public_bodies(bystander, article) == []
    assert text_of(page(bystander.get(f"/articles/{article.slug}")).select_one("h2")) == (
        "0 Comments"
    )
    stored = _stored(approved.id)
    assert (stored.status, stored.open_reports, stored.hidden_by_reports) == ("approved", 3, True)
    # Hidden, it can't be reported any more, and its commenter counts one reported comment.
    assert _reader(app, 4).get(_report_url(article, approved)).status_code == 404
    assert db.session.get(Commenter, approved.commenter_id).reported_count == 1


def test_bad_reports_are_refused_and_keep_what_was_chosen(app, site, article, approved):
    reader = _reader(app, 1)

    other = _report(reader, article, approved, "other", "")
    assert other.status_code == 422
    html = page(other)
    assert text_of(html.select_one(".form-error")).startswith("Your report was not sent.")
    assert text_of(html.select_one("#detail-error")) == (
        "Please say in a few words what is wrong with it."
    )
    assert html.select_one("input[name=reason][value=other]").has_attr("checked")

    long = _report(reader, article, approved, "abusive", "x" * 201)
    assert long.status_code == 422
    assert page(long).select_one("#detail").get_text().strip() == "x" * 201

    none = reader.post(
        _report_url(article, approved), data={"detail": "", "form_token": protection.form_token()}
    )
    assert none.status_code == 422
    assert text_of(page(none).select_one("#reason-error")) == (
        "Please choose why you are reporting it."
    )

    stale = reader.post(
        _report_url(article, approved), data={"reason": "spam", "form_token": "1.forged"}
    )
    assert stale.status_code == 422
    assert "This form was opened too long ago" in text_of(page(stale).select_one(".form-error"))
    assert _reports() == []


def test_a_report_from_another_site_is_refused(app, site, article, approved):
    reader = _reader(app, 1)
    response = _report(reader, article, approved, headers={"Sec-Fetch-Site": "cross-site"})

    assert response.status_code == 403
    assert "sent from a page on another website" in response.text
    assert _reports() == []


def test_reports_are_rate_limited_and_the_choice_is_kept(app, site, article, make_comment):
    app.config["REPORT_RATE_LIMIT"] = "2 per minute"
    comments = [make_comment(article, "approved", body=f"Remark {n}") for n in range(3)]
    reader = _reader(app, 1)

    assert _report(reader, article, comments[0]).status_code == 303
    assert _report(reader, article, comments[1]).status_code == 303
    refused = _report(reader, article, comments[2], "other", "Rude to me")

    assert refused.status_code == 429
    html = page(refused)
    assert "several reports in a short time" in text_of(html.select_one("[role=alert]"))
    assert html.select_one("#detail").get_text().strip() == "Rude to me"
    assert len(_reports()) == 2


# --- Moderators ---------------------------------------------------------------------------


def _reported_by(app, article, comment, *reasons: tuple[str, str]) -> None:
    for number, (reason, detail) in enumerate(reasons, start=1):
        assert _report(_reader(app, number), article, comment, reason, detail).status_code == 303


def test_the_reported_tab_lists_reported_comments_with_count_and_reasons(
    app, staff, site, article, approved, make_comment
):
    make_comment(article, "approved", body="Nobody minds this one.")
    _reported_by(app, article, approved, ("abusive", ""), ("other", "Names my neighbour"))

    html = page(staff.get("/dashboard/?status=reported"))

    tab = html.select_one('#queue-tabs a[aria-current="page"]')
    assert text_of(tab) == "Reported 1"
    [row] = html.select("#queue-list > .queue-row")
    assert row["id"] == f"comment-{approved.id}"
    assert text_of(row.select_one(".reported")) == (
        "Reported: 2 times — abusive or hateful (1), something else (1)"
    )
    assert [text_of(li) for li in row.select(".report-details li")] == ["“Names my neighbour”"]
    buttons = [text_of(b).split(" the comment")[0] for b in row.select(".row-actions button")]
    # Keep first, then the decisions an approved comment can take.
    decisions = [b for b in buttons if b in ("Keep", "Back to pending", "Reject", "Spam")]
    assert decisions == ["Keep", "Back to pending", "Reject", "Spam"]


def test_keep_dismisses_the_reports_and_shows_the_comment_again(
    app, staff, site, article, approved
):
    site.report_threshold = 2
    db.session.commit()
    _reported_by(app, article, approved, ("abusive", ""), ("spam", ""))
    assert _public_bodies(_reader(app, 50), article) == []

    response = submit_form(
        staff, "/dashboard/?status=reported", {}, f"#comment-{approved.id} form[action$=keep]"
    )

    assert response.status_code == 303
    assert response.headers["Location"] == "/dashboard/?status=reported"
    html = page(staff.get(response.headers["Location"]))
    assert "Kept: the comment by Dana Reader; its reports were dismissed." in text_of(
        html.select_one(".flashes")
    )
    assert html.select("#queue-list > .queue-row") == []
    assert text_of(html.select_one('#queue-tabs a[aria-current="page"]')) == "Reported 0"
    stored = _stored(approved.id)
    assert (stored.status, stored.open_reports, stored.hidden_by_reports) == ("approved", 0, False)
    assert _public_bodies(_reader(app, 50), article) == ["Landlords are all crooks."]
    [event] = db.session.scalars(sa.select(ModerationEvent)).all()
    assert (event.from_status, event.to_status, event.note) == (
        "approved",
        "approved",
        "kept after 2 reports",
    )
    history = page(staff.get(f"/dashboard/history?comment={approved.id}"))
    assert text_of(history.select_one("tbody td:nth-of-type(3)")) == "kept (kept after 2 reports)"


def test_after_a_keep_the_same_reports_stay_dismissed_and_only_new_ones_count(
    app, staff, site, article, approved, moderator
):
    _reported_by(app, article, approved, ("abusive", ""), ("spam", ""))
    moderation.keep_comment(approved.id, moderator, seen_reports=2)

    # The same readers can't report it again; a new reader brings it back with one report.
    assert _report(_reader(app, 1), article, approved).status_code == 303
    assert _stored(approved.id).open_reports == 0
    assert _report(_reader(app, 7), article, approved, "off-topic").status_code == 303

    html = page(staff.get("/dashboard/?status=reported"))
    [row] = html.select("#queue-list > .queue-row")
    assert text_of(row.select_one(".reported")) == "Reported: 1 time — off-topic (1)"
    # A comment brought back counts again on its commenter's record.
    assert db.session.get(Commenter, approved.commenter_id).reported_count == 2


def test_rejecting_a_reported_comment_answers_its_reports(
    app, staff, site, article, approved, moderator
):
    site.report_threshold = 2
    db.session.commit()
    _reported_by(app, article, approved, ("abusive", ""), ("abusive", ""))

    response = submit_form(
        staff,
        "/dashboard/?status=reported",
        {"to_status": "rejected"},
        f"#comment-{approved.id} form[action$=decision]",
    )

    assert response.status_code == 303
    stored = _stored(approved.id)
    assert (stored.status, stored.open_reports, stored.hidden_by_reports) == ("rejected", 0, False)
    html = page(staff.get("/dashboard/?status=reported"))
    assert html.select("#queue-list > .queue-row") == []
    assert _public_bodies(_reader(app, 50), article) == []
    commenter = db.session.get(Commenter, approved.commenter_id)
    assert (commenter.approved_count, commenter.rejected_count) == (0, 1)
    # Undone, it is approved and shown again, its reports answered.
    [event] = db.session.scalars(sa.select(ModerationEvent)).all()
    moderation.undo(event.id, moderator)
    assert _public_bodies(_reader(app, 50), article) == ["Landlords are all crooks."]
    assert _stored(approved.id).open_reports == 0


def test_htmx_keep_answers_with_a_strip_and_fresh_tab_counts(app, staff, site, article, approved):
    _reported_by(app, article, approved, ("spam", ""))
    token = csrf_token(staff, "/dashboard/?status=reported")

    response = staff.post(
        f"/dashboard/comments/{approved.id}/keep",
        data={"csrf_token": token, "seen_reports": "1", "status": "reported"},
        headers=HTMX,
    )

    assert response.status_code == 200
    html = page(response)
    strip = html.select_one(f"#comment-{approved.id}")
    assert text_of(strip.select_one(".strip-text")) == (
        "Kept · comment by Dana Reader; its reports were dismissed"
    )
    assert strip.select_one("[data-undo]") is None  # a Keep has no undo
    tabs = html.select_one("#queue-tabs")
    assert tabs["data-hx-swap-oob"] == "true"
    assert text_of(tabs.select_one('a[href="/dashboard/?status=reported"]')) == "Reported 0"


def test_keep_on_a_stale_page_changes_nothing(
    app, staff, site, article, approved, second_moderator
):
    _reported_by(app, article, approved, ("spam", ""))
    token = csrf_token(staff, "/dashboard/?status=reported")
    # A new report arrived after the moderator's page was drawn.
    assert _report(_reader(app, 9), article, approved).status_code == 303

    response = staff.post(
        f"/dashboard/comments/{approved.id}/keep",
        data={"csrf_token": token, "seen_reports": "1", "status": "reported"},
        headers=HTMX,
    )
    assert response.status_code == 409
    assert "New reports came in since this page was drawn: 2 are open now." in response.text
    assert _stored(approved.id).open_reports == 2

    # A colleague rejected it meanwhile: the Keep says so and changes nothing.
    moderation.decide(approved.id, "rejected", second_moderator, expected_status="approved")
    response = staff.post(
        f"/dashboard/comments/{approved.id}/keep",
        data={"csrf_token": token, "seen_reports": "2", "status": "reported"},
    )
    assert response.status_code == 303
    flashed = text_of(page(staff.get(response.headers["Location"])).select_one(".flashes"))
    assert flashed.startswith("This comment was already rejected by Ben Moderator at")
    assert _stored(approved.id).status == "rejected"


def test_a_keep_cannot_be_undone(app, staff, site, article, approved, moderator):
    _reported_by(app, article, approved, ("spam", ""))
    decision = moderation.keep_comment(approved.id, moderator, seen_reports=1)

    undone = moderation.undo(decision.event.id, moderator)

    assert not undone.ok
    assert undone.error == "Keeping a reported comment can't be undone."
    assert len(db.session.scalars(sa.select(ModerationEvent)).all()) == 1
