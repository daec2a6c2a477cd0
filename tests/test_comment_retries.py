"""A comment POST sent again (its answer was lost: the server was killed after storing,
the network dropped) is stored once and answered like the first. The submission's identity
is derived from the form's token, the reader's address and what they wrote
(moderation.submission_id), so the form itself carries nothing per reader."""

from __future__ import annotations

import re
import threading
from urllib.parse import urljoin

import pytest
import sqlalchemy as sa

from newsroom import moderation
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
    """The reader's browser never got the answer: its cookie is still the one from before
    (none, for a reader who had only read the site)."""
    if before_post is None:
        client.delete_cookie("session")
    else:
        client.set_cookie("session", before_post.value)


def test_a_retried_submission_is_stored_once_and_answered_like_the_first(client, site, article):
    action, fields = _opened_form(client, article)
    before = client.get_cookie("session")

    first = client.post(action, data=fields)
    _answer_lost(client, before)
    retry = client.post(action, data=fields)

    assert first.status_code == retry.status_code == 303
    assert retry.headers["Location"] == first.headers["Location"]
    [comment] = _comments()
    assert ID_FORMAT.fullmatch(comment.submission_id)
    assert moderation.pending_on([article.id]) == {article.id: 1}
    assert moderation.tally()[CommentStatus.PENDING] == 1
    # The reader sees what the first answer would have shown: the notice, and their comment.
    html = page(client.get(retry.headers["Location"]))
    assert "Your comment will show once it has been approved." in text_of(
        html.select_one(".flashes")
    )
    assert text_of(html.select_one(".comment-awaiting > div")) == "Well reported."


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


def test_the_same_text_on_another_article_is_another_comment(client, site, article, make_article):
    other = make_article("Another Story", slug="another-story")
    action, fields = _opened_form(client, article)
    other_action, _ = _opened_form(client, other)

    assert client.post(action, data=fields).status_code == 303
    assert client.post(other_action, data=fields).status_code == 303

    assert [c.article_id for c in _comments()] == [article.id, other.id]


def test_a_kept_page_sending_a_different_comment_stores_it(client, site, article):
    """The browser kept the page (back button, a second tab, a 304) and the reader wrote
    something else: that is a new comment, not a retry."""
    action, fields = _opened_form(client, article)
    assert client.post(action, data=fields).status_code == 303
    assert client.post(action, data={**fields, "body": "And one more thing."}).status_code == 303
    assert [c.body for c in _comments()] == ["Well reported.", "And one more thing."]


def test_the_same_text_from_another_reader_is_another_comment(app, site, article):
    """Two readers send the same words through the same page: two comments."""
    one, other = app.test_client(), app.test_client()
    other.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    action, fields = _opened_form(one, article)
    assert one.post(action, data=fields).status_code == 303
    assert other.post(action, data=fields).status_code == 303
    assert len(_comments()) == 2
    assert len({c.submission_id for c in _comments()}) == 2


@pytest.mark.commits
def test_two_identical_submissions_at_once_store_one_comment(app, site, article, monkeypatch):
    """Two copies of one POST race (a double click, a retry while the first still runs):
    both have read what they need and screened the comment before either writes; the
    database's unique index decides, and the loser answers like the winner."""
    client = app.test_client()
    action, fields = _opened_form(client, article)
    both_read = threading.Barrier(2)
    screen = moderation.submission.screen

    def wait_then_screen(*args, **kwargs):
        both_read.wait(timeout=10)
        return screen(*args, **kwargs)

    monkeypatch.setattr(moderation.submission, "screen", wait_then_screen)
    answers: list = [None, None]
    errors: list = []

    def send(index: int) -> None:
        try:
            sender = app.test_client()
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
    assert moderation.pending_on([article.id]) == {article.id: 1}
    assert moderation.tally()[CommentStatus.PENDING] == 1
