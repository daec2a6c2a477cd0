"""Readers reply to comments: threads three levels deep, flat below that, placeholders for
removed comments, replies moderated like any comment, and every wrong parent refused with
the reader's text kept."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
import sqlalchemy as sa

from newsroom import moderation, threads
from newsroom.benchdata import _comment_row
from newsroom.extensions import cache, db
from newsroom.models import Comment, CommentStatus, utcnow
from tests.conftest import page, statements_sent, submit_form, text_of

GOOD = {"author_name": "Lee Park", "author_email": "lee@example.com", "body": "I agree."}


def _reply(article, parent: Comment, status: str = "approved", name: str = "Lee", **fields):
    """A reply stored as the form stores one, then given `status`."""
    submitted = moderation.submit_comment(
        article.id,
        author_name=name,
        author_email=f"{name.lower()}@example.com",
        body=fields.pop("body", f"A reply by {name}."),
        fingerprint=None,
        parent_id=parent.id if parent is not None else None,
    )
    comment = db.session.get(Comment, submitted.id)
    if status != "pending":
        comment.status = status
        db.session.commit()
        moderation.recount()
        db.session.refresh(comment)
    return comment


def _thread(client, article) -> list[tuple[int, str, str]]:
    """(depth, author or "removed", "in reply to" line) for each item, in reading order."""
    html = page(client.get(f"/articles/{article.slug}"))
    items = []
    for item in html.select("#comments li.comment"):
        depth = len(item.find_parents("ol"))
        author = text_of(item.select_one(":scope > .comment-meta b")) or "removed"
        answers = text_of(item.select_one(":scope > .comment-in-reply"))
        items.append((depth, author, answers))
    return items


def test_replies_nest_three_levels_and_deeper_ones_stay_flat(client, site, article, make_comment):
    top = make_comment(article, "approved", author_name="Ann")
    second = _reply(article, top, name="Bo")
    third = _reply(article, second, name="Cy")
    fourth = _reply(article, third, name="Di")
    _reply(article, fourth, name="Ed")
    _reply(article, top, name="Flo")
    make_comment(article, "approved", author_name="Gus")

    assert _thread(client, article) == [
        (1, "Ann", ""),
        (2, "Bo", ""),
        (3, "Cy", ""),
        # Below the third level: in the third level's list, saying whom they answer.
        (3, "Di", "In reply to Cy"),
        (3, "Ed", "In reply to Di"),
        (2, "Flo", ""),
        (1, "Gus", ""),
    ]
    html = page(client.get(f"/articles/{article.slug}"))
    assert text_of(html.select_one("#comments-heading")) == "7 Comments"
    assert text_of(html.select_one(".jump a")) == "7 comments"
    assert html.select_one(".jump a")["href"] == "#comments"


def test_a_reply_to_a_removed_comment_keeps_its_place_under_a_placeholder(
    client, site, article, make_comment, moderator
):
    top = make_comment(article, "approved", author_name="Ann")
    middle = _reply(article, top, name="Bo")
    _reply(article, middle, name="Cy")
    _reply(article, _reply(article, _reply(article, top, name="Di"), name="Ed"), name="Fay")
    moderation.decide(middle.id, "rejected", moderator)
    assert moderation.decide(
        db.session.scalar(sa.select(Comment.id).where(Comment.author_name == "Ed")),
        "spam",
        moderator,
    ).ok

    assert _thread(client, article) == [
        (1, "Ann", ""),
        (2, "removed", ""),
        (3, "Cy", ""),
        (2, "Di", ""),
        (3, "removed", ""),
        (3, "Fay", "In reply to a removed comment"),
    ]
    html = page(client.get(f"/articles/{article.slug}"))
    removed = html.select(".comment-removed")
    assert [text_of(r.select_one(".comment-meta")) for r in removed] == ["Comment removed"] * 2
    # Nothing of a removed comment is shown: its author, text, links.
    assert "A reply by Bo." not in html.get_text() and "A reply by Ed." not in html.get_text()
    assert all(r.get("id") is None for r in removed)
    # The count is of the comments shown.
    assert text_of(html.select_one("#comments-heading")) == "4 Comments"


def test_a_chain_of_removed_comments_is_placed_with_few_queries(app, site, article, make_comment):
    top = make_comment(article, "approved", author_name="Ann")
    chain = top
    for number in range(6):
        chain = _reply(article, chain, status="rejected", name=f"Gone{number}")
    _reply(article, chain, name="Last")

    article_id = article.id
    with statements_sent() as sent:
        found = threads.conversation(article_id)
    # One query for the shown comments, then one per step up the removed chain, bounded.
    assert len(sent) == 1 + threads.REMOVED_CHAIN_STEPS
    assert [e.comment.author_name if e.comment else None for e in found.entries] == [
        "Ann",
        None,
        None,
        None,
        "Last",
    ]
    assert found.count == 2


def test_the_staff_reply_carries_the_badge(client, site, article, make_comment, admin):
    asked = make_comment(article, "approved", author_name="Ann")
    moderation.reply_as_organization(asked.id, "We will look into it.", admin, "The Union")

    assert _thread(client, article) == [(1, "Ann", ""), (2, "The Union", "")]
    html = page(client.get(f"/articles/{article.slug}"))
    staff = html.select_one(".comment-staff")
    assert text_of(staff.select_one(".badge-staff")) == "Staff"


# --- Replying, as a reader ------------------------------------------------------------------


def test_reply_link_opens_the_form_answering_that_comment(app, client, site, article, make_comment):
    asked = make_comment(article, "approved", author_name="Ann <Admin>")
    html = page(client.get(f"/articles/{article.slug}"))
    link = html.select_one(f"#comment-{asked.id} .comment-meta a")
    assert text_of(link) == "Reply"
    assert link["href"] == f"?reply_to={asked.id}#write"

    response = client.get(f"/articles/{article.slug}?reply_to={asked.id}")
    assert response.status_code == 200
    # The same for every reader who follows that link: shared, no cookie.
    assert response.headers["Cache-Control"].startswith("public")
    assert client.get_cookie("session") is None
    form = page(response).select_one("form#write")
    assert text_of(form.select_one(".replying")) == "Replying to Ann <Admin> Cancel reply"
    assert form.select_one(".replying a")["href"] == f"#comment-{asked.id}"
    cancel = form.select(".replying a")[1]["href"]
    assert cancel == f"/articles/{article.slug}#write"
    assert form.select_one("input[name=parent_id]")["value"] == str(asked.id)
    # The plain page has none of it, and another ETag.
    plain = client.get(f"/articles/{article.slug}")
    assert page(plain).select_one(".replying, input[name=parent_id]") is None
    assert b"replyslot" not in plain.data.replace(b"<!--replyslot", b"")
    assert plain.headers["ETag"] != response.headers["ETag"]
    again = client.get(
        f"/articles/{article.slug}?reply_to={asked.id}",
        headers={"If-None-Match": response.headers["ETag"]},
    )
    assert again.status_code == 304


def test_a_reply_is_moderated_like_any_comment(app, client, site, article, make_comment, moderator):
    asked = make_comment(article, "approved", author_name="Ann")
    sent = submit_form(
        client, f"/articles/{article.slug}?reply_to={asked.id}", GOOD, "form.comment-form"
    )
    assert sent.status_code == 303
    assert sent.headers["Location"] == f"/articles/{article.slug}#comments"
    reply = db.session.scalar(sa.select(Comment).where(Comment.author_name == "Lee Park"))
    assert (reply.parent_id, reply.status) == (asked.id, CommentStatus.PENDING)

    # Its author sees it waiting, saying whom it answers; nobody else sees it.
    mine = page(client.get(f"/articles/{article.slug}"))
    waiting = mine.select_one(".comment-awaiting")
    assert text_of(waiting.select_one(".comment-in-reply")) == "In reply to Ann"
    other_reader = app.test_client().get(f"/articles/{article.slug}")
    assert "I agree." not in other_reader.get_data(as_text=True)

    moderation.decide(reply.id, "approved", moderator)
    assert _thread(app.test_client(), article) == [(1, "Ann", ""), (2, "Lee Park", "")]


@pytest.mark.parametrize(
    "parent",
    ["abc", "-1", "0", "1.5", "99999999999999999999999", "٣", " ", "other", "pending", "hidden"],
)
def test_a_reply_to_a_comment_readers_cant_answer_is_refused_with_the_text_kept(
    client, site, article, make_article, make_comment, moderator, parent
):
    asked = make_comment(article, "approved")
    elsewhere = make_comment(make_article("Elsewhere"), "approved")
    waiting = make_comment(article)
    hidden = make_comment(article, "approved", hidden_by_reports=True)
    chosen = {"other": elsewhere.id, "pending": waiting.id, "hidden": hidden.id}.get(parent, parent)
    opened = page(client.get(f"/articles/{article.slug}?reply_to={asked.id}"))
    fields = {i["name"]: i.get("value", "") for i in opened.select("form.comment-form input[name]")}
    data = {**fields, **GOOD, "body": "Kept, word for word.", "parent_id": str(chosen)}
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Comment))

    refused = client.post(f"/articles/{article.slug}", data=data)

    assert refused.status_code == 422
    html = page(refused)
    summary = html.select_one("#comment-errors")
    assert "The comment you were replying to is not shown on this article" in text_of(summary)
    assert summary.select_one("a")["href"] == "#body"
    assert html.select_one("#body").get_text().strip() == "Kept, word for word."
    assert html.select_one("#author_name")["value"] == "Lee Park"
    # Sent again, it is a comment of its own.
    assert html.select_one("input[name=parent_id]") is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == before


def test_a_nul_in_the_parent_is_refused_before_anything(client, site, article, make_comment):
    response = client.post(f"/articles/{article.slug}", data={**GOOD, "parent_id": "1\x00"})
    assert response.status_code == 400


@pytest.mark.parametrize("asked", ["abc", "99999999999999999999", "12", "other"])
def test_a_reply_link_to_a_comment_readers_cant_answer_says_so(
    client, site, article, make_article, make_comment, asked
):
    elsewhere = make_comment(make_article("Elsewhere"), "approved")
    asked = str(elsewhere.id) if asked == "other" else asked
    response = client.get(f"/articles/{article.slug}?reply_to={asked}")
    assert response.status_code == 200
    form = page(response).select_one("form.comment-form")
    assert "can't be answered" in text_of(form.select_one(".form-error"))
    assert form.select_one("input[name=parent_id]") is None


def test_no_reply_links_once_comments_are_closed(client, site, make_article, make_comment):
    closed = make_article(
        "Old", published_at=utcnow() - timedelta(days=40), comments_close_after_days=30
    )
    comment = make_comment(closed, "approved")
    html = page(client.get(f"/articles/{closed.slug}"))
    assert [text_of(a) for a in html.select(f"#comment-{comment.id} .comment-meta a")] == ["Report"]
    # The closed notice stands alone: no "Add a Comment" over it.
    assert html.select_one("#add-comment") is None
    assert text_of(html.select_one(".closed")).startswith("Comments closed on")


# --- The page with 200 comments in threads ---------------------------------------------------


def _busy_article(article, replies: float, count: int = 200) -> None:
    """`count` approved comments as `flask bench-data` writes them; the share `replies` of
    them answer an earlier one (a recent one more often), some many levels deep."""
    rng = random.Random(7)
    readers = [(f"fp{n}", f"reader{n}@example.com") for n in range(50)]
    ids: list[int] = []
    now = utcnow()
    for number in range(count):
        row = _comment_row(rng, readers, article, "approved", now, minutes=number)
        if ids and rng.random() < replies:
            row["parent_id"] = rng.choice(ids[-5:] if rng.random() < 0.3 else ids)
        ids.append(db.session.execute(sa.insert(Comment).values(row)).inserted_primary_key[0])
    db.session.commit()
    moderation.recount()


@pytest.mark.parametrize("replies", [0, 0.5])
def test_the_page_with_200_comments_stays_small_and_is_drawn_in_few_queries(
    client, site, make_article, replies
):
    article = make_article("Busy", published_at=utcnow() - timedelta(hours=300))
    _busy_article(article, replies)
    cache.clear()
    with statements_sent() as sent:
        response = client.get(f"/articles/{article.slug}")
    assert response.status_code == 200
    assert len(response.data) < 120_000, len(response.data)
    html = page(response)
    assert len(html.select("li.comment")) == 200
    assert text_of(html.select_one("#comments-heading")) == "200 Comments"
    if replies:
        assert html.select(".comment .comment .comment")
        assert not html.select(".comment .comment .comment .comment")
        assert html.select(".comment-in-reply")
    # No query per comment.
    assert len(sent) <= 12, [statement for statement, _ in sent]
