"""The comment form's one-time submission id: a POST sent again (its answer was lost: the
server was killed after storing, the network dropped) is stored once and answered like the
first; an id that is missing still posts, one that is malformed or already used for
another comment is refused with the reader's text kept."""

from __future__ import annotations

import re
import threading
from urllib.parse import urljoin

import pytest
import sqlalchemy as sa

from newsroom import moderation, pagecache
from newsroom.extensions import db
from newsroom.models import Article, Comment, CommentStatus
from tests.conftest import form_fields, page, text_of

GOOD = {"author_name": "Lee Park", "author_email": "lee@example.com", "body": "Well reported."}
ID_FORMAT = re.compile(r"[0-9a-f]{32}")


def _comments() -> list[Comment]:
    return db.session.scalars(sa.select(Comment).order_by(Comment.id)).all()


def _opened_form(client, article: Article, **typed) -> tuple[str, dict[str, str]]:
    """The reader opens the article and types: where the form goes, and what it sends."""
    url = f"/articles/{article.slug}"
    form = page(client.get(url)).select_one("form.comment-form")
    return urljoin(url, form["action"]), {**form_fields(form), **GOOD, **typed}


def _answer_lost(client, before_post) -> None:
    """The reader's browser never got the answer: its cookie is still the one from before."""
    client.set_cookie("session", before_post.value)


def test_each_page_view_gets_its_own_submission_id(app, client, site, article):
    url = f"/articles/{article.slug}"
    views = [client.get(url), client.get(url), app.test_client().get(url)]  # cached after one
    ids = [page(v).select_one("input[name=submission_id]")["value"] for v in views]
    assert all(ID_FORMAT.fullmatch(i) for i in ids), ids
    assert len(set(ids)) == 3
    assert pagecache.slot("submission") not in views[-1].get_data(as_text=True)


def test_a_retried_submission_is_stored_once_and_answered_like_the_first(client, site, article):
    action, fields = _opened_form(client, article)
    before = client.get_cookie("session")

    first = client.post(action, data=fields)
    _answer_lost(client, before)
    retry = client.post(action, data=fields)

    assert first.status_code == retry.status_code == 303
    assert retry.headers["Location"] == first.headers["Location"]
    [comment] = _comments()
    assert comment.submission_id == fields["submission_id"]
    db.session.refresh(article)
    assert article.pending_comment_count == 1
    assert moderation.tally()[CommentStatus.PENDING] == 1
    # The reader sees what the first answer would have shown: the notice, and their comment.
    html = page(client.get(retry.headers["Location"]))
    assert "Your comment will show once it has been approved." in text_of(
        html.select_one(".flashes")
    )
    assert text_of(html.select_one(".comment-awaiting .comment-body")) == "Well reported."


def test_a_retry_after_the_answer_arrived_changes_nothing_either(client, site, article):
    action, fields = _opened_form(client, article)
    assert client.post(action, data=fields).status_code == 303
    assert client.post(action, data=fields).status_code == 303
    assert len(_comments()) == 1
    html = page(client.get(f"/articles/{article.slug}"))
    assert len(html.select(".comment-awaiting")) == 1


def test_a_retried_spam_submission_stays_one_spam_comment(client, site, article):
    action, fields = _opened_form(client, article, website="http://cheap.example")
    assert client.post(action, data=fields).status_code == 303
    assert client.post(action, data=fields).status_code == 303
    assert [c.status for c in _comments()] == [CommentStatus.SPAM]


def test_the_same_id_on_another_article_is_refused_and_the_text_kept(
    client, site, article, make_article
):
    other = make_article("Another Story", slug="another-story")
    action, fields = _opened_form(client, article)
    assert client.post(action, data=fields).status_code == 303

    other_action, _ = _opened_form(client, other)
    refused = client.post(other_action, data={**fields, "body": "On the other story."})

    assert refused.status_code == 409
    html = page(refused)
    assert "already sent a different comment" in text_of(html.select_one(".form-error"))
    assert html.select_one("#body").get_text().strip() == "On the other story."
    assert html.select_one("#author_name")["value"] == "Lee Park"
    fresh = html.select_one("input[name=submission_id]")["value"]
    assert ID_FORMAT.fullmatch(fresh) and fresh != fields["submission_id"]
    assert [c.article_id for c in _comments()] == [article.id]

    # Sent again from the page it got back, it goes in.
    again = client.post(other_action, data=form_fields(html.select_one("form.comment-form")))
    assert again.status_code == 303
    assert [c.article_id for c in _comments()] == [article.id, other.id]


def test_a_kept_page_sending_a_different_comment_is_refused_not_merged(client, site, article):
    """The browser kept the page (back button, a second tab, a 304): the id comes again
    with another text. It is not a retry: the reader is asked to send it again, not told
    it was stored."""
    action, fields = _opened_form(client, article)
    assert client.post(action, data=fields).status_code == 303

    second = client.post(action, data={**fields, "body": "And one more thing."})

    assert second.status_code == 409
    html = page(second)
    assert html.select_one("#body").get_text().strip() == "And one more thing."
    assert [c.body for c in _comments()] == ["Well reported."]
    again = client.post(action, data=form_fields(html.select_one("form.comment-form")))
    assert again.status_code == 303
    assert [c.body for c in _comments()] == ["Well reported.", "And one more thing."]


def test_a_form_without_an_id_still_posts(client, site, article):
    """Pages kept from before the id existed, and clients that only send the fields."""
    action, fields = _opened_form(client, article)
    del fields["submission_id"]
    assert client.post(action, data=fields).status_code == 303
    assert client.post(action, data={**fields, "submission_id": ""}).status_code == 303
    assert [c.submission_id for c in _comments()] == [None, None]


@pytest.mark.parametrize(
    "garbage",
    [
        "not-an-id",
        "0" * 31,
        "0" * 33,
        "A" * 32,
        "f" * 5000,
        "0" * 31 + "\x01",
        "submissionslot" + "0" * 24,
    ],
)
def test_a_malformed_id_is_refused_with_the_text_kept(client, site, article, garbage):
    action, fields = _opened_form(client, article, body="Typed with care.")

    refused = client.post(action, data={**fields, "submission_id": garbage})

    assert refused.status_code == 422
    html = page(refused)
    error = text_of(html.select_one(".form-error"))
    assert error.startswith("Your comment was not sent.") and "send it again" in error
    assert "marked below" not in error  # no field of the reader's is wrong
    assert html.select_one("#body").get_text().strip() == "Typed with care."
    fresh = html.select_one("input[name=submission_id]")["value"]
    assert ID_FORMAT.fullmatch(fresh)
    assert _comments() == []
    again = client.post(action, data=form_fields(html.select_one("form.comment-form")))
    assert again.status_code == 303 and len(_comments()) == 1


def test_a_form_sent_back_for_corrections_keeps_its_id(client, site, article):
    """Nothing was stored, so the corrected form is still the same submission."""
    action, fields = _opened_form(client, article, author_email="not-an-address")
    refused = page(client.post(action, data=fields))
    kept = refused.select_one("input[name=submission_id]")["value"]
    assert kept == fields["submission_id"]


@pytest.mark.commits
def test_two_identical_submissions_at_once_store_one_comment(app, site, article, monkeypatch):
    """Two copies of one POST race (a double click, a retry while the first still runs):
    both get as far as their first write (making the commenter known) before either
    writes; the database's unique index decides, and the loser answers like the winner."""
    client = app.test_client()
    action, fields = _opened_form(client, article)
    cookie = client.get_cookie("session").value
    both_read = threading.Barrier(2)
    arrive = moderation.lifecycle.arrive

    def wait_then_arrive(*args):
        both_read.wait(timeout=10)
        return arrive(*args)

    monkeypatch.setattr(moderation.lifecycle, "arrive", wait_then_arrive)
    answers: list = [None, None]
    errors: list = []

    def send(index: int) -> None:
        try:
            sender = app.test_client()
            sender.set_cookie("session", cookie)
            with app.app_context():
                answers[index] = sender.post(action, data=fields)
        except Exception as error:  # surfaced below; a thread's exception is otherwise lost
            errors.append(error)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert [a.status_code for a in answers] == [303, 303]
    assert answers[0].headers["Location"] == answers[1].headers["Location"]
    db.session.expire_all()
    assert [c.body for c in _comments()] == ["Well reported."]
    assert db.session.get(Article, article.id).pending_comment_count == 1
    assert moderation.tally()[CommentStatus.PENDING] == 1
