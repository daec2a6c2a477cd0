"""The comment lifecycle in newsroom/moderation/: every transition, conflicts, undo, counters."""

import threading
from itertools import product

import pytest
import sqlalchemy as sa

from newsroom import moderation
from newsroom.extensions import db
from newsroom.models import (
    Article,
    Comment,
    Commenter,
    CommentStatus,
    CommentTally,
    ModerationEvent,
)

STATUSES = [s.value for s in CommentStatus]
ALLOWED = {
    ("pending", "approved"),
    ("pending", "rejected"),
    ("pending", "spam"),
    ("approved", "pending"),
    ("approved", "rejected"),
    ("approved", "spam"),
    ("rejected", "pending"),
    ("rejected", "approved"),
    ("spam", "pending"),
    ("spam", "approved"),
}


def _events(comment_id: int) -> list[ModerationEvent]:
    return db.session.scalars(
        sa.select(ModerationEvent).where(ModerationEvent.comment_id == comment_id)
    ).all()


@pytest.mark.parametrize(("from_status", "to_status"), list(product(STATUSES, STATUSES)))
def test_transition_matrix(article, make_comment, moderator, from_status, to_status):
    comment = make_comment(article, from_status)

    decision = moderation.decide(comment.id, to_status, moderator)

    db.session.expire_all()
    stored = db.session.get(Comment, comment.id)
    if (from_status, to_status) in ALLOWED:
        assert decision.ok and decision.error is None
        assert stored.status == to_status
        [event] = _events(comment.id)
        assert (event.from_status, event.to_status, event.actor_id) == (
            from_status,
            to_status,
            moderator.id,
        )
        assert event.at.tzinfo is not None
    else:
        assert not decision.ok and decision.error
        assert stored.status == from_status
        assert _events(comment.id) == []


def test_counters_follow_every_decision(article, make_comment, moderator):
    a = make_comment(article)
    b = make_comment(article)
    version = article.comments_version

    moderation.decide(a.id, "approved", moderator)
    moderation.decide(b.id, "spam", moderator)
    db.session.refresh(article)

    assert moderation.tally() == {"pending": 0, "approved": 1, "rejected": 0, "spam": 1}
    assert article.approved_comment_count == 1
    assert moderation.pending_on([article.id]) == {}
    assert article.comments_version > version

    moderation.decide(a.id, "rejected", moderator)
    db.session.refresh(article)
    assert moderation.tally() == {"pending": 0, "approved": 0, "rejected": 1, "spam": 1}
    assert article.approved_comment_count == 0


def test_second_moderator_sees_who_won_and_nothing_is_overwritten(
    article, make_comment, moderator, second_moderator
):
    comment = make_comment(article)
    # Both moderators saw it pending; Ana decides first.
    first = moderation.decide(comment.id, "approved", moderator, expected_status="pending")
    second = moderation.decide(comment.id, "rejected", second_moderator, expected_status="pending")

    assert first.ok and not second.ok
    assert second.winner.actor_id == moderator.id
    assert "already approved by Ana Moderator at" in second.error
    assert "Nothing was changed" in second.error
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).status == "approved"
    assert len(_events(comment.id)) == 1


@pytest.mark.commits
def test_concurrent_decisions_on_one_comment_make_exactly_one_event(
    app, article, make_comment, moderator, second_moderator
):
    """Two sessions decide at the same moment; the conditional update lets one win."""
    comment_id = make_comment(article).id
    actors = [moderator.id, second_moderator.id]
    targets = ["approved", "spam"]
    barrier = threading.Barrier(2)
    results: list = [None, None]
    errors: list = []

    def worker(index: int) -> None:
        try:
            with app.app_context():
                actor = db.session.get(type(moderator), actors[index])
                barrier.wait(timeout=10)
                decision = moderation.decide(
                    comment_id, targets[index], actor, expected_status="pending"
                )
                results[index] = (decision.ok, decision.error)
                db.session.remove()
        except Exception as error:  # surfaced below; a thread's exception is otherwise lost
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sorted(ok for ok, _ in results) == [False, True]
    loser_error = next(error for ok, error in results if not ok)
    assert "already" in loser_error
    db.session.expire_all()
    events = _events(comment_id)
    assert len(events) == 1
    assert db.session.get(Comment, comment_id).status == events[0].to_status
    assert sum(moderation.tally().values()) == 1


def test_undo_reverses_a_decision_even_back_to_pending(article, make_comment, moderator):
    comment = make_comment(article)
    decision = moderation.decide(comment.id, "approved", moderator)

    undone = moderation.undo(decision.event.id, moderator)

    assert undone.ok
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).status == "pending"
    assert [(e.from_status, e.to_status) for e in _events(comment.id)] == [
        ("pending", "approved"),
        ("approved", "pending"),
    ]
    assert moderation.tally()["pending"] == 1
    assert db.session.get(Article, article.id).approved_comment_count == 0


def test_undo_is_refused_once_someone_decided_again(
    article, make_comment, moderator, second_moderator
):
    comment = make_comment(article)
    approved = moderation.decide(comment.id, "approved", moderator)
    moderation.decide(comment.id, "spam", second_moderator)

    late_undo = moderation.undo(approved.event.id, moderator)

    assert not late_undo.ok
    assert "Ben Moderator" in late_undo.error
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).status == "spam"


def test_bulk_decides_each_comment_with_one_event_each(article, make_comment, moderator):
    pending = [make_comment(article) for _ in range(3)]
    spam = make_comment(article, "spam")

    decisions = moderation.decide_many(
        [c.id for c in pending] + [spam.id, pending[0].id], "rejected", moderator
    )

    assert [d.ok for d in decisions] == [True, True, True, False]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ModerationEvent)) == 3
    assert moderation.tally() == {"pending": 0, "approved": 0, "rejected": 3, "spam": 1}


def test_queue_is_keyset_paginated_oldest_first(article, make_comment):
    from datetime import timedelta

    from newsroom.models import utcnow

    start = utcnow() - timedelta(days=1)
    comments = [make_comment(article, created_at=start + timedelta(minutes=i)) for i in range(7)]
    queue = moderation.QueueFilter()

    first, cursor = moderation.queue_page(queue, size=3)
    second, cursor2 = moderation.queue_page(queue, cursor, size=3)
    third, cursor3 = moderation.queue_page(queue, cursor2, size=3)

    assert [c.id for c in first + second + third] == [c.id for c in comments]
    assert cursor3 is None


def test_queue_search_treats_wildcards_literally(article, make_comment):
    make_comment(article, body="100% agree")
    make_comment(article, body="1000 agree")
    found, _ = moderation.queue_page(moderation.QueueFilter(search="100%"))
    assert [c.body for c in found] == ["100% agree"]


def test_recount_rebuilds_counters_without_touching_edit_times(article, make_comment):
    make_comment(article, "approved")
    make_comment(article)
    edited_at = db.session.get(Article, article.id).updated_at
    db.session.execute(sa.update(CommentTally).values(total=99))
    db.session.commit()

    moderation.recount()

    db.session.expire_all()
    stored = db.session.get(Article, article.id)
    assert stored.approved_comment_count == 1
    assert stored.updated_at == edited_at
    assert moderation.tally() == {"pending": 1, "approved": 1, "rejected": 0, "spam": 0}


def test_decisions_as_the_dashboard_sends_them_keep_every_count_equal_to_a_recount(
    article, make_article, make_comment, moderator
):
    """The dashboard names the state each comment was seen in: the move then needs no read
    of the comment before it (on PostgreSQL the move, its event and every counter are one
    statement).
    Every count it keeps (the site's, the articles', the commenters') is what a recount
    of the comments makes, and a comment moved meanwhile or gone changes nothing."""
    other = make_article("Another article")
    lee = [make_comment(article, author_email="lee@example.com") for _ in range(3)]
    kim = make_comment(other, author_email="kim@example.com")
    published = make_comment(other, author_email="kim@example.com")
    # Published at once by the policy "publish then review", waiting for a moderator.
    db.session.execute(
        sa.update(Comment)
        .where(Comment.id == published.id)
        .values(status="approved", unreviewed=True)
    )
    db.session.commit()
    moderation.recount()

    def decide(comment, to_status, seen):
        return moderation.decide(comment.id, to_status, moderator, expected_status=seen)

    approved = decide(lee[0], "approved", "pending")
    assert approved.ok and approved.comment.state == "approved"
    assert approved.event.to_status == "approved" and approved.event.actor_id == moderator.id
    decide(lee[1], "spam", "pending")
    decide(lee[2], "rejected", "pending")
    reviewed = decide(published, "rejected", "unreviewed")
    assert reviewed.ok and reviewed.event.from_status == "unreviewed"
    assert reviewed.comment.state == "rejected" and not reviewed.comment.unreviewed
    decide(lee[0], "pending", "approved")
    assert not moderation.undo(approved.event.id, moderator).ok  # it has moved on since
    decide(kim, "approved", "pending")
    moderation.decide_many([lee[2].id], "approved", moderator)
    late = decide(kim, "rejected", "pending")
    assert not late.ok and "already approved by Ana Moderator" in late.error
    gone = moderation.decide(10**9, "approved", moderator, expected_status="pending")
    assert gone.comment is None and gone.error == "That comment no longer exists."

    def kept() -> tuple:
        db.session.expire_all()
        articles = db.session.scalars(sa.select(Article).order_by(Article.id)).all()
        commenters = db.session.scalars(sa.select(Commenter).order_by(Commenter.email)).all()
        return (
            moderation.queue_tally(),
            [(a.id, a.approved_comment_count) for a in articles],
            [(c.email, c.approved_count, c.rejected_count, c.spam_count) for c in commenters],
        )

    before = kept()
    moderation.recount()
    assert kept() == before
    assert before[0] == {
        "pending": 1, "approved": 2, "rejected": 1, "spam": 1, "unreviewed": 0
    }  # fmt: skip
    assert before[1] == [(article.id, 1), (other.id, 1)]
    assert before[2] == [("kim@example.com", 1, 1, 0), ("lee@example.com", 1, 0, 1)]
    stored = {c.id: c.state for c in db.session.scalars(sa.select(Comment))}
    assert [stored[c.id] for c in (*lee, kim, published)] == [
        "pending", "spam", "approved", "approved", "rejected"
    ]  # fmt: skip
    events = db.session.scalars(
        sa.select(ModerationEvent.to_status)
        .where(ModerationEvent.comment_id == lee[0].id)
        .order_by(ModerationEvent.id)
    ).all()
    assert events == ["approved", "pending"]
    lee_record = db.session.scalar(sa.select(Commenter).where(Commenter.email == "lee@example.com"))
    assert lee_record.last_rejected_at is not None  # the spam counts against them


def test_kept_counters_equal_a_recount_after_every_kind_of_move(
    article, make_article, make_comment, moderator
):
    other = make_article("Another article")
    edited_at = {a.id: a.updated_at for a in (article, other)}
    here = [make_comment(article) for _ in range(4)]
    there = [make_comment(other) for _ in range(2)]

    moderation.decide(here[0].id, "approved", moderator)
    spam = moderation.decide(here[1].id, "spam", moderator)
    moderation.decide(here[0].id, "rejected", moderator)
    moderation.undo(spam.event.id, moderator)
    moderation.decide_many([here[2].id, here[3].id, there[0].id], "approved", moderator)
    moderation.decide(there[1].id, "rejected", moderator)
    moderation.decide(there[1].id, "approved", moderator)

    def kept() -> tuple:
        db.session.expire_all()
        articles = db.session.scalars(sa.select(Article).order_by(Article.id)).all()
        counts = [(a.id, a.approved_comment_count) for a in articles]
        return moderation.tally(), counts, {a.id: a.updated_at for a in articles}

    before = kept()
    moderation.recount()
    assert kept() == before
    assert before[0] == {"pending": 1, "approved": 4, "rejected": 1, "spam": 0}
    assert before[1] == [(article.id, 2), (other.id, 2)]
    assert moderation.pending_on([article.id, other.id]) == {article.id: 1}
    assert before[2] == edited_at  # counting moves is not editing the articles
