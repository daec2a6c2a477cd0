"""Commenters: the record a comment makes known, the counts every decision keeps, the line
on each queue row, the commenter's page, and trust, watching and bans."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from newsroom import moderation
from newsroom.extensions import db
from newsroom.models import (
    Comment,
    Commenter,
    CommenterEvent,
    CommenterFingerprint,
    ModerationEvent,
    utcnow,
)
from tests.conftest import csrf_token, form_fields, page, text_of

HTMX = {"HX-Request": "true", "HX-Current-URL": "http://localhost/dashboard/"}
HOME = moderation.client_fingerprint("10.0.0.7", "test-secret-key")


def _commenter(email: str = "dana@example.com") -> Commenter:
    db.session.expire_all()
    return db.session.scalar(sa.select(Commenter).where(Commenter.email == email))


def _counts(commenter: Commenter) -> tuple[int, int, int]:
    db.session.refresh(commenter)
    return commenter.approved_count, commenter.rejected_count, commenter.spam_count


def _post_comment(client, article, email="dana@example.com", address="10.0.0.7", **fields):
    """What a reader's browser sends: the form as the article page drew it."""
    opened = client.get(f"/articles/{article.slug}")
    form = page(opened).select_one("form.comment-form")
    data = {
        **form_fields(form),
        "author_name": "Dana Reader",
        "author_email": email,
        "body": "A thoughtful remark.",
        **fields,
    }
    return client.post(
        f"/articles/{article.slug}/comments",
        data=data,
        environ_base={"REMOTE_ADDR": address},
    )


# --- The record -------------------------------------------------------------------------


def test_a_comment_makes_its_commenter_known_by_the_normalized_address(app, article, make_comment):
    first = make_comment(article, author_email="  Dana@Example.COM ", fingerprint="f" * 32)
    second = make_comment(article, author_email="dana@example.com", fingerprint="e" * 32)
    commenter = _commenter()
    assert commenter is not None
    assert first.commenter_id == second.commenter_id == commenter.id
    assert commenter.first_seen_at == first.created_at
    assert commenter.last_seen_at == second.created_at
    assert _counts(commenter) == (0, 0, 0)
    fingerprints = db.session.scalars(
        sa.select(CommenterFingerprint.fingerprint).where(
            CommenterFingerprint.commenter_id == commenter.id
        )
    ).all()
    assert sorted(fingerprints) == ["e" * 32, "f" * 32]
    # The first comment says so; the next has no approved one before it.
    assert first.held_reasons == "first comment from this commenter"
    assert second.held_reasons == "no approved comment from this commenter yet"


def test_an_approved_commenter_is_not_held_as_new(app, article, make_comment, moderator):
    first = make_comment(article)
    moderation.decide(first.id, "approved", moderator)
    again = make_comment(article)
    assert again.held_reasons == ""


def test_decisions_move_the_commenters_counts(app, article, make_comment, moderator):
    comments = [make_comment(article) for _ in range(4)]
    commenter = _commenter()
    moderation.decide(comments[0].id, "approved", moderator)
    moderation.decide(comments[1].id, "rejected", moderator)
    spam = moderation.decide(comments[2].id, "spam", moderator)
    assert _counts(commenter) == (1, 1, 1)

    moderation.undo(spam.event.id, moderator)
    assert _counts(commenter) == (1, 1, 0)
    moderation.decide(comments[0].id, "rejected", moderator)  # approved -> rejected
    assert _counts(commenter) == (0, 2, 0)
    moderation.decide_many([comments[2].id, comments[3].id], "approved", moderator)
    assert _counts(commenter) == (2, 2, 0)

    # The kept counts are what counting the comments gives.
    moderation.recount()
    assert _counts(commenter) == (2, 2, 0)


def test_a_lost_decision_moves_no_count(app, article, make_comment, moderator, second_moderator):
    comment = make_comment(article)
    commenter = _commenter()
    assert moderation.decide(comment.id, "approved", moderator, expected_status="pending").ok
    lost = moderation.decide(comment.id, "rejected", second_moderator, expected_status="pending")
    assert not lost.ok
    assert _counts(commenter) == (1, 0, 0)


def test_deleting_an_article_takes_its_comments_off_the_counts(
    app, make_article, make_comment, moderator
):
    from newsroom import articles

    kept, doomed = make_article(), make_article()
    moderation.decide(make_comment(kept).id, "approved", moderator)
    moderation.decide(make_comment(doomed).id, "approved", moderator)
    moderation.decide(make_comment(doomed).id, "spam", moderator)
    commenter = _commenter()
    assert _counts(commenter) == (2, 0, 1)
    articles.delete_article(doomed.id)
    assert _counts(commenter) == (1, 0, 0)


def test_a_privacy_erasure_deletes_the_commenter_record(app, article, make_comment, admin):
    from newsroom import privacy

    make_comment(article, fingerprint="f" * 32)
    other = make_comment(article, author_email="lee@example.com")
    privacy.erase("DANA@example.com", "anonymize", admin)
    assert _commenter() is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CommenterFingerprint)) == 0
    assert db.session.get(Comment, other.id).commenter_id is not None


# --- The queue row's line ---------------------------------------------------------------


def test_each_queue_row_shows_its_commenter_in_one_line(
    staff, site, article, make_comment, moderator
):
    regular = [make_comment(article) for _ in range(6)]
    for comment in regular[:4]:
        moderation.decide(comment.id, "approved", moderator)
    moderation.decide(regular[4].id, "rejected", moderator)
    newcomer = make_comment(article, author_email="new@example.com")
    commenter = _commenter()

    rows = page(staff.get("/dashboard/"))
    line = rows.select_one(f"#comment-{regular[5].id} .commenter-summary")
    since = commenter.first_seen_at.strftime("%B %Y")
    assert text_of(line).startswith(f"4 approved · 1 rejected · since {since}")
    link = line.select_one("a")
    assert link["href"] == f"/dashboard/commenters/{commenter.id}"
    assert text_of(rows.select_one(f"#comment-{newcomer.id} .commenter-summary")).startswith(
        "new commenter"
    )
    # Every row has its standing controls, each control labelled.
    row = rows.select_one(f"#comment-{newcomer.id}")
    assert [text_of(b) for b in row.select(".standing-form button")] == [
        "Trust new@example.com",
        "Watch new@example.com",
    ]
    for field in row.select(".ban-form input[type=text], .ban-form input[type=date]"):
        assert row.select_one(f"label[for={field['id']}]") is not None


def test_the_queue_loads_the_page_of_commenters_with_the_rows(staff, site, article, make_comment):
    from tests.conftest import statements_sent

    for number in range(5):
        make_comment(article, author_email=f"reader{number}@example.com")
    with statements_sent() as sent:
        assert staff.get("/dashboard/").status_code == 200
    assert not [s for s, _ in sent if s.lstrip().startswith("SELECT") and "FROM commenters" in s]
    assert [s for s, _ in sent if "LEFT OUTER JOIN commenters" in s]


# --- The commenter's page ---------------------------------------------------------------


def test_the_commenter_page_lists_their_comments_newest_first_by_keyset(
    staff, site, article, make_comment, moderator, monkeypatch
):
    monkeypatch.setattr(moderation.queue, "COMMENTER_PAGE_SIZE", 3)
    monkeypatch.setattr(moderation.queue.commenter_comments, "__defaults__", (None, 3))
    comments = [make_comment(article, body=f"Remark number {n}.") for n in range(7)]
    for number, comment in enumerate(comments):
        db.session.execute(
            sa.update(Comment)
            .where(Comment.id == comment.id)
            .values(created_at=utcnow() - timedelta(hours=10 - number))
        )
    db.session.commit()
    moderation.decide(comments[6].id, "approved", moderator)
    commenter = _commenter()

    url = f"/dashboard/commenters/{commenter.id}"
    seen = []
    first = page(staff.get(url))
    assert text_of(first.select_one("h1")) == "dana@example.com"
    newest = first.select_one(f"#comment-{comments[6].id}")
    assert "approved" in text_of(newest.select_one(".comment-status"))
    assert "Approved by Ana Moderator" in text_of(newest.select_one(".decisions"))
    assert "1 approved" in text_of(first.select_one(".facts"))
    while url:
        view = page(staff.get(url))
        seen += [
            int(li["id"].removeprefix("comment-")) for li in view.select(".commenter-comments > li")
        ]
        more = view.find("a", string="Older comments")
        url = more["href"] if more else None
    assert seen == [c.id for c in reversed(comments)]


@pytest.mark.parametrize(
    "after", ["x", "1_", "_1", "99999999999999999999_1", "1_99999999999999", "١_1", "-1_1"]
)
def test_a_bad_cursor_is_a_clear_400(staff, site, article, make_comment, after):
    make_comment(article)
    response = staff.get(f"/dashboard/commenters/{_commenter().id}", query_string={"after": after})
    assert response.status_code == 400
    assert "not one this site links to" in response.get_data(as_text=True)


@pytest.mark.parametrize("commenter_id", ["999999", "99999999999999999999", "%D9%A3"])
def test_no_such_commenter_is_a_404(staff, site, commenter_id):
    assert staff.get(f"/dashboard/commenters/{commenter_id}").status_code == 404


def test_readers_never_see_a_commenter_page(client, site, article, make_comment):
    make_comment(article)
    response = client.get(f"/dashboard/commenters/{_commenter().id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- Trust, watching, bans --------------------------------------------------------------


def _standing_form(client, commenter, selector=".standing-form"):
    """The form on the commenter's page, as a browser would send it."""
    view = page(client.get(f"/dashboard/commenters/{commenter.id}"))
    form = view.select_one(f"#standing {selector}")
    return form["action"], form_fields(form)


def test_trust_from_the_commenter_page_is_recorded_shown_and_undone(
    staff, site, article, make_comment, moderator
):
    make_comment(article)
    commenter = _commenter()
    action, fields = _standing_form(staff, commenter)
    response = staff.post(action, data={**fields, "standing": "trusted"})
    assert response.status_code == 303
    assert _commenter().standing == "trusted"
    view = page(staff.get(response.headers["Location"]))
    assert "Trusted" in text_of(view.select_one(".standing-now"))
    assert "dana@example.com is now trusted." in text_of(view.select_one(".flash"))
    [change] = view.select(".standing-history li")
    assert "Ana Moderator made them trusted" in text_of(change)

    undo = change.select_one("form")
    response = staff.post(undo["action"], data=form_fields(undo), headers=HTMX)
    assert response.status_code == 200
    fragment = page(response)
    assert "Undone: dana@example.com is no special standing again." in text_of(fragment)
    assert _commenter().standing == "normal"
    events = db.session.scalars(sa.select(CommenterEvent).order_by(CommenterEvent.id)).all()
    assert [(e.from_standing, e.to_standing, e.actor_id) for e in events] == [
        ("normal", "trusted", moderator.id),
        ("trusted", "normal", moderator.id),
    ]
    assert events[1].undoes_id == events[0].id


def test_watch_from_the_queue_row_in_place(staff, site, article, make_comment):
    comment = make_comment(article)
    rows = page(staff.get("/dashboard/"))
    form = rows.select_one(f"#comment-{comment.id} .standing-form")
    assert form["data-hx-target"] == "closest .commenter-line"
    response = staff.post(
        form["action"], data={**form_fields(form), "standing": "watched"}, headers=HTMX
    )
    assert response.status_code == 200
    line = page(response).select_one(f"#commenter-line-{comment.id}")
    assert text_of(line.select_one(".standing-badge")) == "watched"
    assert "is now watched (always held)" in text_of(line.select_one("[role=status]"))
    # The next comment of a watched commenter is held, and says why.
    assert make_comment(article).held_reasons.startswith("watched commenter")


def test_a_stale_page_changes_nothing_and_names_the_colleague(
    staff, site, article, make_comment, second_moderator
):
    make_comment(article)
    commenter = _commenter()
    action, fields = _standing_form(staff, commenter)
    # A colleague watched the commenter after the page was drawn.
    assert moderation.change_standing(commenter.id, "watched", second_moderator, seen_version=0).ok
    response = staff.post(action, data={**fields, "standing": "trusted"}, headers=HTMX)
    assert response.status_code == 409
    assert "already changed by Ben Moderator" in text_of(page(response).select_one("[role=alert]"))
    assert _commenter().standing == "watched"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CommenterEvent)) == 1


def test_undo_after_a_later_change_is_refused(app, article, make_comment, moderator):
    make_comment(article)
    commenter = _commenter()
    trusted = moderation.change_standing(commenter.id, "trusted", moderator, seen_version=0)
    moderation.change_standing(commenter.id, "watched", moderator, seen_version=1)
    undone = moderation.undo_standing(trusted.event.id, moderator)
    assert not undone.ok and "Nothing was changed" in undone.error
    assert _commenter().standing == "watched"


def _ban(client, commenter, htmx=False, **fields):
    action, form = _standing_form(client, commenter, ".ban-form")
    data = {**form, "reason": "Threats against a neighbor.", **fields}
    return client.post(action, data=data, headers=HTMX if htmx else None)


def _reader_answer(response) -> tuple:
    return response.status_code, response.headers.get("Location")


def test_a_banned_commenter_learns_nothing_and_their_comment_is_rejected(
    staff, site, article, make_comment
):
    make_comment(article)
    commenter = _commenter()
    assert _ban(staff, commenter).status_code == 303
    assert _commenter().standing == "banned"

    reader = staff.application.test_client()
    ordinary = _reader_answer(_post_comment(reader, article, email="lee@example.com"))
    banned = _post_comment(reader, article, email="DANA@Example.com")
    assert _reader_answer(banned) == ordinary == (303, f"/articles/{article.slug}#comments")
    notice = page(reader.get(banned.headers["Location"])).select_one(".flash")
    assert "Your comment will show once it has been approved." in text_of(notice)

    stored = db.session.scalars(
        sa.select(Comment).where(Comment.commenter_id == commenter.id).order_by(Comment.id)
    ).all()[-1]
    assert (stored.status, stored.held_reasons) == ("rejected", "banned")
    [event] = db.session.scalars(
        sa.select(ModerationEvent).where(ModerationEvent.comment_id == stored.id)
    ).all()
    assert (event.actor_id, event.rule, event.from_status, event.to_status) == (
        None,
        "banned",
        "pending",
        "rejected",
    )
    assert _counts(_commenter()) == (0, 1, 0)
    history = page(staff.get(f"/dashboard/history?comment={stored.id}"))
    assert "The rules (banned)" in text_of(history.select_one("tbody"))


def test_a_ban_reaches_a_new_address_from_the_same_network_address(staff, site, article):
    reader = staff.application.test_client()
    _post_comment(reader, article, email="dana@example.com", address="10.0.0.7")
    _ban(staff, _commenter())

    _post_comment(reader, article, email="dana.new@example.com", address="10.0.0.7")
    _post_comment(reader, article, email="someone@example.com", address="10.0.0.8")
    renamed = _commenter("dana.new@example.com")
    stranger = _commenter("someone@example.com")
    [evading] = db.session.scalars(sa.select(Comment).where(Comment.commenter_id == renamed.id))
    [innocent] = db.session.scalars(sa.select(Comment).where(Comment.commenter_id == stranger.id))
    assert (evading.status, evading.held_reasons) == ("rejected", "banned")
    assert innocent.status == "pending"


def test_a_ban_reaches_the_address_of_a_commenter_who_shares_it(staff, site, article):
    """An office or a mobile network's gateway: readers before and after the banned one
    posted from the same address. Each is linked to it, so banning the second one reaches
    it; lifting the ban frees it again."""
    reader = staff.application.test_client()
    for email in ("first@example.com", "dana@example.com", "third@example.com"):
        assert _post_comment(reader, article, email=email, address="10.0.0.7").status_code == 303
    linked = db.session.scalars(
        sa.select(Commenter.email)
        .join(CommenterFingerprint, CommenterFingerprint.commenter_id == Commenter.id)
        .where(CommenterFingerprint.fingerprint == HOME)
        .order_by(Commenter.email)
    ).all()
    assert linked == ["dana@example.com", "first@example.com", "third@example.com"]
    banned = _commenter()
    assert _ban(staff, banned).status_code == 303

    _post_comment(reader, article, email="evading@example.com", address="10.0.0.7")
    [evading] = db.session.scalars(
        sa.select(Comment).where(Comment.commenter_id == _commenter("evading@example.com").id)
    )
    assert (evading.status, evading.held_reasons) == ("rejected", "banned")

    action, form = _standing_form(staff, _commenter())
    assert staff.post(action, data={**form, "standing": "normal"}).status_code == 303
    assert _commenter().standing == "normal"
    _post_comment(reader, article, email="later@example.com", address="10.0.0.7")
    [later] = db.session.scalars(
        sa.select(Comment).where(Comment.commenter_id == _commenter("later@example.com").id)
    )
    assert later.status == "pending"


def test_a_banned_commenters_new_address_is_banned_too(staff, site, article):
    """Banned, they post from a new address: rejected, and the new address is theirs, so
    the next stranger who posts from it without a ban of their own is still held."""
    reader = staff.application.test_client()
    _post_comment(reader, article, email="dana@example.com", address="10.0.0.7")
    _ban(staff, _commenter())
    _post_comment(reader, article, email="dana@example.com", address="10.0.0.9")
    _post_comment(reader, article, email="alias@example.com", address="10.0.0.9")
    statuses = db.session.execute(
        sa.select(Comment.author_email, Comment.status).order_by(Comment.id)
    ).all()
    assert statuses[-2:] == [("dana@example.com", "rejected"), ("alias@example.com", "rejected")]


def test_an_expired_ban_no_longer_applies(staff, site, article, make_comment, moderator):
    make_comment(article, fingerprint=HOME)
    commenter = _commenter()
    moderation.change_standing(
        commenter.id,
        "banned",
        moderator,
        seen_version=0,
        reason="Cooling off.",
        banned_until=utcnow() + timedelta(days=1),
    )
    assert make_comment(article).status == "rejected"
    db.session.execute(
        sa.update(Commenter)
        .where(Commenter.id == commenter.id)
        .values(banned_until=utcnow() - timedelta(minutes=1))
    )
    db.session.commit()
    assert make_comment(article).status == "pending"
    assert make_comment(article, author_email="alias@example.com", fingerprint=HOME).status == (
        "pending"
    )
    view = page(staff.get(f"/dashboard/commenters/{commenter.id}"))
    assert "the ban ended on" in text_of(view.select_one(".standing-now"))


def test_a_ban_with_an_end_date_and_its_undo(staff, site, article, make_comment):
    make_comment(article)
    commenter = _commenter()
    until = (utcnow() + timedelta(days=30)).date()
    response = _ban(staff, commenter, htmx=True, until=until.isoformat())
    assert response.status_code == 200
    panel = page(response).select_one("#standing")
    assert until.strftime("%B %d, %Y") in text_of(panel.select_one(".standing-now"))
    banned = _commenter()
    assert (
        banned.banned_until.date() == until and banned.ban_reason == "Threats against a neighbor."
    )

    undo = panel.select_one(".standing-history form")
    assert staff.post(undo["action"], data=form_fields(undo)).status_code == 303
    lifted = _commenter()
    assert (lifted.standing, lifted.ban_reason, lifted.banned_until) == ("normal", "", None)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"reason": ""}, "Please say why this commenter is banned."),
        ({"until": "2000-01-01"}, "A ban's end must be a day after today."),
        ({"until": "9999-12-31"}, "at most 10 years"),
        ({"until": "not a date"}, "Not a valid date value."),
        ({"until": "99999-01-01"}, "Not a valid date value."),
        ({"reason": "x" * 300}, "at most 255 characters"),
    ],
)
def test_bad_ban_input_changes_nothing(staff, site, article, make_comment, fields, message):
    make_comment(article)
    commenter = _commenter()
    for htmx in (False, True):
        response = _ban(staff, commenter, htmx=htmx, **fields)
        assert response.status_code == 422
        answer = page(response)
        assert message in text_of(answer.select_one("#standing [role=alert]"))
        # What was typed is kept, and the ban form stays open on its error.
        assert answer.select_one("#standing .ban-details").has_attr("open")
        if fields.get("reason"):
            assert answer.select_one("#page-ban-reason")["value"] == fields["reason"]
    assert _commenter().standing == "normal"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CommenterEvent)) == 0


@pytest.mark.parametrize(
    "fields",
    [
        {"standing": "emperor"},
        {"version": "99999999999999999999"},
        {"version": "٣"},
        {"version": ""},
        {"standing": ""},
    ],
)
def test_a_malformed_change_is_refused(staff, site, article, make_comment, fields):
    make_comment(article)
    action, form = _standing_form(staff, _commenter())
    response = staff.post(action, data={**form, "standing": "trusted", **fields})
    assert response.status_code == 422
    assert _commenter().standing == "normal"


def test_a_nul_byte_is_refused(staff, site, article, make_comment):
    make_comment(article)
    action, form = _standing_form(staff, _commenter(), ".ban-form")
    response = staff.post(action, data={**form, "reason": "bad\x00reason"})
    assert response.status_code == 400
    assert _commenter().standing == "normal"


def test_changes_without_a_csrf_token_are_refused(staff, site, article, make_comment):
    make_comment(article)
    commenter = _commenter()
    response = staff.post(
        f"/dashboard/commenters/{commenter.id}/standing",
        data={"standing": "trusted", "version": "0"},
    )
    assert response.status_code == 400
    assert _commenter().standing == "normal"
    assert csrf_token(staff, "/dashboard/")  # the moderator is still logged in
