"""The author of a pending comment is told how long comments usually wait: the median time
to a moderator's decision over the last week, said vaguely when there is nothing to go by."""

from __future__ import annotations

from datetime import timedelta

import pytest

from newsroom import moderation
from newsroom.extensions import db
from newsroom.models import Comment, ModerationEvent, utcnow
from newsroom.moderation.waiting import NO_RECORD, median_wait, wait_sentence
from tests.conftest import page, statements_sent, submit_form, text_of


@pytest.mark.parametrize(
    ("minutes", "sentence"),
    [
        (3, "Comments are usually reviewed within a few minutes."),
        (12, "Comments are usually reviewed within about 20 minutes."),
        (40, "Comments are usually reviewed within about 40 minutes."),
        (70, "Comments are usually reviewed within about an hour."),
        (100, "Comments are usually reviewed within about 2 hours."),
        (5 * 60 + 10, "Comments are usually reviewed within about 6 hours."),
        (26 * 60, "Comments are usually reviewed within about a day."),
        (50 * 60, "Comments are usually reviewed within about 3 days."),
    ],
)
def test_the_wait_is_said_in_rounded_up_words(minutes, sentence):
    assert wait_sentence(timedelta(minutes=minutes)) == sentence


def test_no_record_is_said_vaguely():
    assert wait_sentence(None) == NO_RECORD == "A moderator will review it as soon as they can."


def _decided(article, moderator, waited: timedelta, ago: timedelta, **event) -> None:
    """A comment that waited `waited` for a decision made `ago`."""
    decided_at = utcnow() - ago
    comment = Comment(
        article_id=article.id,
        author_name="R",
        author_email="r@example.com",
        body="B",
        status="approved",
        created_at=decided_at - waited,
    )
    db.session.add(comment)
    db.session.flush()
    db.session.add(
        ModerationEvent(
            comment_id=comment.id,
            actor_id=moderator.id,
            from_status=event.pop("from_status", "pending"),
            to_status="approved",
            at=decided_at,
            **event,
        )
    )
    db.session.commit()


def test_the_median_is_of_the_last_weeks_decisions_by_people(app, article, moderator):
    for minutes in (10, 20, 100, 110, 120):
        _decided(article, moderator, timedelta(minutes=minutes), timedelta(hours=1))
    # None of these is a moderator's first look at a waiting comment in the last week.
    _decided(article, moderator, timedelta(days=3), timedelta(days=8))
    _decided(article, moderator, timedelta(days=3), timedelta(hours=2), rule="banned")
    _decided(article, moderator, timedelta(days=3), timedelta(hours=2), note="undo of #1")
    _decided(article, moderator, timedelta(days=3), timedelta(hours=2), from_status="rejected")

    assert median_wait() == timedelta(minutes=100)
    assert wait_sentence(median_wait()) == ("Comments are usually reviewed within about 2 hours.")


def test_too_few_decisions_give_no_number(app, article, moderator):
    for minutes in (10, 20, 30, 40):
        _decided(article, moderator, timedelta(minutes=minutes), timedelta(hours=1))
    assert median_wait() is None


def test_the_sentence_is_worked_out_once_for_a_while(app, article, moderator):
    for minutes in (50, 55, 60, 65, 70):
        _decided(article, moderator, timedelta(minutes=minutes), timedelta(hours=1))
    first = moderation.expected_wait()
    with statements_sent() as sent:
        assert (
            moderation.expected_wait()
            == first
            == ("Comments are usually reviewed within about an hour.")
        )
    assert sent == []


def test_the_author_of_a_pending_comment_is_told_and_nobody_else(
    app, client, site, article, moderator
):
    for minutes in (90, 100, 110, 120, 130):
        _decided(article, moderator, timedelta(minutes=minutes), timedelta(hours=1))

    response = submit_form(
        client,
        f"/articles/{article.slug}",
        {"author_name": "Lee", "author_email": "lee@example.com", "body": "Well put."},
        "form.comment-form",
    )
    mine = page(client.get(response.headers["Location"]))
    assert text_of(mine.select_one(".expected-wait")) == (
        "Comments are usually reviewed within about 2 hours."
    )
    assert mine.select_one(".comment-awaiting") is not None

    other = page(app.test_client().get(f"/articles/{article.slug}"))
    assert other.select_one(".expected-wait") is None
