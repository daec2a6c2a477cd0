"""Privacy requests: an admin looks up what is stored under a commenter's e-mail address,
downloads it, and erases it (removed or anonymized); the erasure is recorded without the
address. Readers see the result at once, cached pages included; the tallies stay right."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from newsroom import moderation, privacy
from newsroom.extensions import db
from newsroom.models import Article, Comment, CommentStatus, Erasure, ModerationEvent
from newsroom.refused import FieldError
from tests.conftest import csrf_token, form_fields, log_in, page, submit_form, text_of

LOOKUP = "form.privacy-lookup"
ERASE = "form.privacy-erase"
ANONYMIZED = "Removed at the reader's request"


def _look_up(client, email: str):
    return submit_form(client, "/admin/privacy", {"email": email}, LOOKUP)


def _erase(client, email: str, mode: str | None = "remove", confirm: bool = True):
    """Look the address up, then send the erase form as the admin filled it in."""
    found = _look_up(client, email)
    assert found.status_code == 200
    form = page(found).select_one(ERASE)
    assert form is not None, "no erase form for " + email
    data = form_fields(form)
    data.pop("mode", None)  # radio buttons: none is chosen until the admin chooses
    if mode is not None:
        data["mode"] = mode
    if confirm:
        data["confirm"] = "y"
    return client.post(form["action"], data=data)


def _download(client, email: str):
    form = page(_look_up(client, email)).select_one("form[action='/admin/privacy/export']")
    return client.post(form["action"], data=form_fields(form))


def _public_names(client, article: Article) -> list[str]:
    response = client.get(f"/articles/{article.slug}")
    assert response.status_code == 200
    return [text_of(n) for n in page(response).select("#comments .comment-meta b")]


def _public_bodies(client, article: Article) -> list[str]:
    html = page(client.get(f"/articles/{article.slug}"))
    return [text_of(n) for n in html.select("#comments .comment > div")]


def _snapshot() -> dict[str, list]:
    db.session.expire_all()
    return {
        table.name: sorted(map(tuple, db.session.execute(sa.select(table)).all()), key=repr)
        for table in db.metadata.sorted_tables
    }


_ARTICLE_COUNTS = sa.select(Article.id, Article.approved_comment_count).order_by(Article.id)


def _kept_counts_are_right() -> None:
    """The kept tallies (site and articles) are what a recount from the comments makes."""
    db.session.expire_all()
    kept_site = moderation.tally()
    kept_articles = db.session.execute(_ARTICLE_COUNTS).all()
    moderation.recount()
    db.session.expire_all()
    assert moderation.tally() == kept_site
    assert db.session.execute(_ARTICLE_COUNTS).all() == kept_articles


@pytest.fixture
def other_article(make_article) -> Article:
    return make_article("Rent Board Meets Tuesday", slug="rent-board-meets")


@pytest.fixture
def dana(article, other_article, make_comment, moderator) -> list[Comment]:
    """Dana's comments, typed with her address spelled three ways; one approved by Ana."""
    approved = make_comment(
        article,
        author_name="Dana Reader",
        author_email="Dana@Example.com",
        body="The boilers failed again in March.",
        fingerprint="f" * 32,
    )
    assert moderation.decide(approved.id, CommentStatus.APPROVED, moderator).ok
    pending = make_comment(
        other_article,
        author_name="Dana R.",
        author_email=" dana@example.COM ",
        body="I'll be at the meeting.",
        fingerprint="e" * 32,
    )
    spam = make_comment(
        article, "spam", author_name="Dana", author_email="dana@example.com", body="Again!"
    )
    return [approved, pending, spam]


@pytest.fixture
def others(article, make_comment) -> list[Comment]:
    """Commenters whose addresses look like Dana's but are not hers."""
    return [
        make_comment(article, "approved", author_name="Dan", author_email="dana@example.co"),
        make_comment(article, "approved", author_name="Adana", author_email="adana@example.com"),
        make_comment(article, author_name="Lee", author_email="dana@example.com.au"),
    ]


# --- Looking up and downloading --------------------------------------------------------


def test_lookup_shows_how_many_comments_where_and_when(
    admin_client, site, article, other_article, dana, others
):
    response = _look_up(admin_client, "  DANA@example.com ")

    assert response.status_code == 200
    html = page(response)
    found = html.select_one(".privacy-found")
    assert text_of(found.select_one("h2")) == "Stored under dana@example.com"
    facts = text_of(found.select_one("dl.facts"))
    assert "3 comments: 1 approved, 1 pending, 0 rejected, 1 spam" in facts
    rows = [
        [text_of(cell) for cell in row.select("th, td")][:5]
        for row in found.select("table tbody tr")
    ]
    # The article commented on last comes first.
    assert rows == [
        ["Council Hears Tenants on Repairs", "1", "0", "0", "1"],
        ["Rent Board Meets Tuesday", "0", "1", "0", "0"],
    ]
    assert text_of(html.select_one(f"{ERASE} button")) == "Erase 3 comments"
    # What the admin typed is still in the form.
    assert html.select_one(f"{LOOKUP} input[name=email]")["value"] == "  DANA@example.com "


def test_every_privacy_form_sends_the_address_by_post(admin_client, site, dana):
    html = page(_look_up(admin_client, "dana@example.com"))

    forms = html.select("main form")
    assert len(forms) >= 3
    assert all(form["method"] == "post" for form in forms)
    # A lookup by URL shows nothing: addresses in URLs end up in logs.
    by_url = page(admin_client.get("/admin/privacy?email=dana%40example.com"))
    assert by_url.select_one(".privacy-found") is None


def test_download_holds_exactly_that_commenters_comments_and_their_trail(
    admin_client, site, article, other_article, dana, others, moderator
):
    response = _download(admin_client, "dana@example.com")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    digest = privacy.digest_of("dana@example.com")
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=commenter-{digest[:12]}.json"
    )
    text = response.get_data(as_text=True)
    data = json.loads(text)
    assert data["email"] == "dana@example.com"
    assert data["exported_at"].endswith("+00:00")
    assert data["comment_count"] == 3
    assert [c["id"] for c in data["comments"]] == [c.id for c in dana]
    first, second, third = data["comments"]
    assert first["article"] == {
        "title": "Council Hears Tenants on Repairs",
        "address": "http://localhost/articles/council-hears-tenants",
    }
    assert first["author_name"] == "Dana Reader"
    assert first["author_email"] == "Dana@Example.com"
    assert first["body"] == "The boilers failed again in March."
    assert first["status"] == "approved"
    assert first["created_at"] == dana[0].created_at.isoformat()
    assert first["client_fingerprint"] == "f" * 32
    assert first["held_reasons"] == ["first comment from this commenter"]
    [event] = first["moderation_events"]
    assert (event["from_status"], event["to_status"]) == ("pending", "approved")
    assert event["at"].endswith("+00:00")
    assert second["author_email"] == "dana@example.COM"  # as stored, trimmed by the form
    assert second["article"]["title"] == "Rent Board Meets Tuesday"
    assert second["moderation_events"] == []
    assert third["status"] == "spam"
    # Not the moderators: neither who decided nor their addresses.
    assert moderator.email not in text
    assert moderator.display_name not in text
    # Nor anyone else's comments.
    for other in others:
        assert other.author_name not in {c["author_name"] for c in data["comments"]}
    assert data["earlier_erasures"] == []


def test_addresses_match_whatever_their_capitals_in_any_alphabet(
    admin_client, site, article, make_comment
):
    zoe = make_comment(article, author_name="Zoë", author_email="ZOË.ÅBERG@Example.org")
    make_comment(article, author_name="Zoe", author_email="zoe.aberg@example.org")
    make_comment(article, author_name="Joker", author_email="z%e_.aberg@example.org")

    data = json.loads(_download(admin_client, "zoë.åberg@EXAMPLE.org").get_data(as_text=True))

    assert [c["id"] for c in data["comments"]] == [zoe.id]


def test_an_address_without_comments_says_so_and_offers_nothing_to_erase(
    admin_client, admin, site, others
):
    before = _snapshot()

    html = page(_look_up(admin_client, "nobody@example.com"))

    found = html.select_one(".privacy-found")
    assert "No comments are stored under this address." in text_of(found)
    assert html.select_one(ERASE) is None
    with pytest.raises(FieldError, match="No comments are stored"):
        privacy.erase("nobody@example.com", "remove", admin)
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("", "Please enter the commenter's e-mail address."),
        ("   ", "Please enter the commenter's e-mail address."),
        ("dana.example.com", "That is not an e-mail address"),
        ("dana reader@example.com", "That is not an e-mail address"),
        ("@example.com", "That is not an e-mail address"),
        ("x" * 250 + "@example.com", "That is too long for an e-mail address"),
    ],
)
def test_a_bad_address_says_why_and_keeps_what_was_typed(admin_client, site, dana, typed, why):
    response = _look_up(admin_client, typed)

    assert response.status_code == 422
    html = page(response)
    field = html.select_one(f"{LOOKUP} input[name=email]")
    assert field.get("value", "") == typed
    assert field["aria-invalid"] == "true"
    assert why in text_of(html.select_one(f"{LOOKUP} .field-error"))
    assert html.select_one(".privacy-found") is None


def test_a_tampered_download_is_refused_with_the_reason(admin_client, site, dana):
    token = csrf_token(admin_client, "/admin/privacy")

    response = admin_client.post(
        "/admin/privacy/export", data={"csrf_token": token, "email": "not an address"}
    )

    assert response.status_code == 422
    assert "That is not an e-mail address" in text_of(page(response).select_one(".field-error"))


# --- Erasing ---------------------------------------------------------------------------


def test_anonymizing_keeps_the_text_and_drops_the_name_address_and_fingerprints(
    app, admin_client, site, article, other_article, dana, others
):
    reader = app.test_client()
    assert "Dana Reader" in _public_names(reader, article)  # and now the page is cached
    tally_before = moderation.tally()
    bodies = {c.id: c.body for c in dana}

    response = _erase(admin_client, "dana@example.com", "anonymize")

    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/privacy"
    after = admin_client.get("/admin/privacy")
    flash = text_of(page(after).select_one(".flash-success"))
    assert flash.startswith("Erased: 3 comments anonymized.")
    assert "dana@example.com" not in after.get_data(as_text=True).lower()

    names = _public_names(reader, article)
    assert "Dana Reader" not in names
    assert ANONYMIZED in names
    assert "The boilers failed again in March." in _public_bodies(reader, article)
    db.session.expire_all()
    for comment in dana:
        stored = db.session.get(Comment, comment.id)
        assert stored.author_name == ANONYMIZED
        assert stored.author_email == ""
        assert stored.client_fingerprint is None
        assert stored.body == bodies[comment.id]
    # The others are as they were.
    assert [db.session.get(Comment, c.id).author_name for c in others] == ["Dan", "Adana", "Lee"]
    assert moderation.tally() == tally_before
    _kept_counts_are_right()
    # Nothing is left to find under the address, and the lookup says it was erased.
    again = page(_look_up(admin_client, "dana@example.com"))
    text = text_of(again.select_one(".privacy-found"))
    assert "No comments are stored under this address." in text
    assert "Erased before:" in text and "(3 comments anonymized)" in text


def test_removing_deletes_comments_and_their_trail_and_keeps_counts_and_pages_right(
    app, admin_client, site, article, other_article, dana, others, make_comment, monkeypatch
):
    # Two ids per statement: the erasure works through the comments in several rounds.
    monkeypatch.setattr(privacy, "_CHUNK", 2)
    reply = make_comment(
        article, "approved", author_name="Sam", author_email="sam@example.com", body="Same here."
    )
    reply.parent_id = dana[0].id
    db.session.commit()
    reader = app.test_client()
    assert "Dana Reader" in _public_names(reader, article)  # and now the page is cached
    assert "The boilers failed again in March." in _public_bodies(reader, article)
    dana_ids = [c.id for c in dana]

    response = _erase(admin_client, "DANA@example.com", "remove")

    assert response.status_code == 303
    flash = text_of(page(admin_client.get("/admin/privacy")).select_one(".flash-success"))
    assert flash.startswith("Erased: 3 comments removed from the site")
    # The cached page drew itself again: Dana is gone, Sam's reply to her stays.
    names = _public_names(reader, article)
    assert "Dana Reader" not in names
    assert "Sam" in names
    assert "The boilers failed again in March." not in _public_bodies(reader, article)
    db.session.expire_all()
    assert db.session.scalars(sa.select(Comment).where(Comment.id.in_(dana_ids))).all() == []
    assert (
        db.session.scalars(
            sa.select(ModerationEvent).where(ModerationEvent.comment_id.in_(dana_ids))
        ).all()
        == []
    )
    assert db.session.get(Comment, reply.id).parent_id is None
    assert [db.session.get(Comment, c.id).author_name for c in others] == ["Dan", "Adana", "Lee"]
    assert moderation.tally() == {"pending": 1, "approved": 3, "rejected": 0, "spam": 0}
    assert db.session.get(Article, article.id).approved_comment_count == 3
    assert moderation.pending_on([other_article.id]) == {}
    _kept_counts_are_right()


def test_an_erasure_is_recorded_with_who_how_and_how_many_but_not_the_address(
    admin_client, admin, site, dana
):
    _erase(admin_client, "dana@example.com", "remove")

    [erasure] = db.session.scalars(sa.select(Erasure)).all()
    assert erasure.actor_id == admin.id
    assert erasure.mode == "remove"
    assert erasure.comment_count == 3
    assert erasure.email_digest == privacy.digest_of("Dana@Example.com")
    assert len(erasure.email_digest) == 64
    row = db.session.execute(sa.select(Erasure.__table__)).one()
    assert not any("dana" in str(value).lower() for value in row)
    html = page(admin_client.get("/admin/privacy"))
    history = html.select(".erasure-table tbody tr")
    assert [[text_of(cell) for cell in tr.select("th, td")][1:] for tr in history] == [
        ["Ada Admin", "Removed", "3"]
    ]
    assert "dana" not in text_of(html.select_one(".privacy-history")).lower()


def test_erasing_without_the_confirmation_changes_nothing_and_says_why(
    admin_client, site, dana, others
):
    before = _snapshot()

    response = _erase(admin_client, "dana@example.com", "anonymize", confirm=False)

    assert response.status_code == 422
    html = page(response)
    assert "Nothing was erased" in text_of(html.select_one(f"{ERASE} .form-error"))
    assert "Tick the box to confirm" in text_of(html.select_one(f"{ERASE} .field-error"))
    # What the admin chose and typed is still there.
    assert html.select_one(f"{ERASE} input[name=mode][checked]")["value"] == "anonymize"
    assert html.select_one(f"{LOOKUP} input[name=email]")["value"] == "dana@example.com"
    assert "3 comments" in text_of(html.select_one(".privacy-found dl"))
    assert _snapshot() == before


def test_erasing_without_a_choice_of_how_changes_nothing_and_says_why(admin_client, site, dana):
    before = _snapshot()

    response = _erase(admin_client, "dana@example.com", mode=None)

    assert response.status_code == 422
    error = page(response).select_one(f"{ERASE} #mode-error")
    assert text_of(error) == "Choose whether to remove the comments or anonymize them."
    assert _snapshot() == before


def test_an_erase_form_sent_again_says_nothing_was_left_to_erase(admin_client, site, dana):
    found = page(_look_up(admin_client, "dana@example.com"))
    data = {**form_fields(found.select_one(ERASE)), "mode": "remove", "confirm": "y"}
    assert admin_client.post("/admin/privacy/erase", data=data).status_code == 303

    again = admin_client.post("/admin/privacy/erase", data=data)  # a second tab, say

    assert again.status_code == 422
    html = page(again)
    assert text_of(html.select_one(f"{LOOKUP} .form-error")) == (
        "No comments are stored for that e-mail address: nothing was erased."
    )
    assert html.select_one(ERASE) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Erasure)) == 1


def test_the_service_refuses_an_unknown_way_of_erasing(admin, site, dana):
    with pytest.raises(FieldError, match="remove the comments or anonymize") as refused:
        privacy.erase("dana@example.com", "shred", admin)
    assert refused.value.field == "mode"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Erasure)) == 0


def test_moderators_can_neither_look_up_nor_download_nor_erase(client, site, dana, moderator):
    log_in(client, moderator)
    token = csrf_token(client, "/account")
    before = _snapshot()

    assert client.get("/admin/privacy").status_code == 403
    for url, data in [
        ("/admin/privacy", {"email": "dana@example.com"}),
        ("/admin/privacy/export", {"email": "dana@example.com"}),
        ("/admin/privacy/erase", {"email": "dana@example.com", "mode": "remove", "confirm": "y"}),
    ]:
        response = client.post(url, data={**data, "csrf_token": token})
        assert response.status_code == 403
        assert "dana" not in response.get_data(as_text=True).lower()
    assert _snapshot() == before


def test_the_admin_tabs_lead_to_privacy_requests(admin_client, site):
    html = page(admin_client.get("/admin/privacy"))

    current = html.select_one("nav.admin-tabs a[aria-current=page]")
    assert text_of(current) == "Privacy requests"
    assert current["href"] == "/admin/privacy"
    assert text_of(html.select_one(".privacy-history")).startswith("Erasures No erasures yet.")
