"""The moderation policy: what becomes of a new comment under each policy, for each kind of
commenter and with each kind of rule (the matrix); publish-then-review from the reader's
POST to the moderator's review; the notice and the answer readers get; undoing what the
rules decided and a moderator meeting a decision of the rules."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from newsroom import moderation
from newsroom.extensions import db
from newsroom.models import (
    Article,
    Comment,
    Commenter,
    ModerationEvent,
    ModerationRules,
    Policy,
    Standing,
    utcnow,
)
from newsroom.moderation.policy import CommentPolicy
from newsroom.moderation.rules import compile_rules
from tests.conftest import csrf_token, form_fields, log_in, page, submit_form, text_of

HTMX = {"HX-Request": "true", "HX-Current-URL": "http://localhost/dashboard/"}
EMAIL = "dana@example.com"
RULES = compile_rules(
    ModerationRules(
        version="matrix",
        blocked_rejected="casino",
        blocked_spam="",
        suspect="refund",
        max_links=None,
        min_length=0,
        duplicates_are_spam=False,
    )
)
BODIES = {
    "no rule": "The council should publish the repair schedule.",
    "suspect word": "I want a REFUND for the missed repairs.",
    "blocked word": "Visit my Casino tonight.",
}


def _make_commenter(kind: str, article: Article, make_comment) -> None:
    """A commenter of `kind` at EMAIL: new (never seen), regular (two approved comments),
    or standing trusted, watched or banned."""
    if kind == "new":
        return
    if kind == "regular":
        make_comment(article, "approved", author_email=EMAIL)
        make_comment(article, "approved", author_email=EMAIL)
        return
    now = utcnow()
    db.session.add(
        Commenter(
            email=EMAIL,
            first_seen_at=now,
            last_seen_at=now,
            standing=Standing(kind).value,
            ban_reason="abuse" if kind == "banned" else "",
        )
    )
    db.session.commit()


def _expected(policy: str, kind: str, rule: str) -> tuple[str, str | None]:
    """(state, rule named on its event) the matrix expects."""
    if kind == "banned":
        return "rejected", "banned"
    if rule == "blocked word":
        return "rejected", "blocked word"
    if rule == "suspect word" or kind == "watched" or policy == Policy.HOLD_ALL:
        return "pending", None
    if kind == "trusted":
        return "approved", "trusted commenter"
    if policy == Policy.PUBLISH_FIRST:
        return "unreviewed", "publish then review"
    if kind == "regular":
        return "approved", "approved commenter"
    return "pending", None


@pytest.mark.parametrize("rule", list(BODIES))
@pytest.mark.parametrize("kind", ["new", "regular", "trusted", "watched", "banned"])
@pytest.mark.parametrize("policy", list(Policy))
def test_matrix_of_policy_trust_and_rules(app, article, make_comment, policy, kind, rule):
    _make_commenter(kind, article, make_comment)
    db.session.refresh(article)
    approved_before = article.approved_comment_count
    submitted = moderation.submit_comment(
        article.id,
        author_name="Dana Reader",
        author_email=EMAIL,
        body=BODIES[rule],
        fingerprint=None,
        policy=CommentPolicy(policy, 2),
        rules=RULES,
    )

    state, rule_name = _expected(policy, kind, rule)
    comment = db.session.get(Comment, submitted.id)
    assert comment.state == state
    events = db.session.scalars(
        sa.select(ModerationEvent).where(ModerationEvent.comment_id == comment.id)
    ).all()
    if rule_name is None:
        assert events == []
    else:
        [event] = events
        assert (event.rule, event.actor_id, event.from_status, event.to_status) == (
            rule_name,
            None,
            "pending",
            state,
        )
        assert event.decided_by == "the rules"
    if rule == "suspect word" and kind != "banned":
        assert "suspect words: “refund”" in comment.held_reasons
    # Published at once means counted as approved at once: the page shows it.
    db.session.refresh(article)
    published = state in ("approved", "unreviewed")
    assert article.approved_comment_count == approved_before + published
    assert moderation.queue_tally()["unreviewed"] == (state == "unreviewed")


def test_a_rejection_in_the_last_30_days_holds_a_regular_commenter(app, article, make_comment):
    make_comment(article, "approved", author_email=EMAIL)
    make_comment(article, "approved", author_email=EMAIL)
    held = make_comment(article, author_email=EMAIL)
    db.session.execute(
        sa.update(Commenter).where(Commenter.email == EMAIL).values(last_rejected_at=utcnow())
    )
    db.session.commit()
    submitted = moderation.submit_comment(
        article.id,
        author_name="Dana",
        author_email=EMAIL,
        body="Another thought.",
        fingerprint=None,
        policy=CommentPolicy(Policy.HOLD_NEW, 2),
    )
    comment = db.session.get(Comment, submitted.id)
    assert comment.status == "pending"
    assert "rejected in the last 30 days" in comment.held_reasons
    assert held.status == "pending"


def test_a_decision_to_reject_dates_the_commenters_last_rejection(
    app, article, make_comment, moderator
):
    comment = make_comment(article, author_email=EMAIL)
    assert moderation.decide(comment.id, "rejected", moderator).ok
    commenter = db.session.scalar(sa.select(Commenter).where(Commenter.email == EMAIL))
    assert commenter.last_rejected_at is not None


# --- What readers are told ---------------------------------------------------------------


def _set_site_policy(site, policy: str) -> None:
    site.moderation_policy = policy
    db.session.commit()


def _post(client, article, body="The council should publish the repair schedule.", **fields):
    data = {"author_name": "Dana Reader", "author_email": EMAIL, "body": body, **fields}
    return submit_form(client, f"/articles/{article.slug}", data, "form.comment-form")


@pytest.mark.parametrize(
    ("policy", "notice_start"),
    [
        (Policy.HOLD_ALL, "Your comment will show once it has been approved."),
        (Policy.HOLD_NEW, "Comments from readers whose earlier comments were approved show"),
        (Policy.PUBLISH_FIRST, "Most comments show at once; moderators then review"),
    ],
)
def test_the_notice_under_the_form_states_the_policy(client, site, article, policy, notice_start):
    _set_site_policy(site, policy)
    html = page(client.get(f"/articles/{article.slug}"))
    assert text_of(html.select_one("form.comment-form .notice")).startswith(notice_start)


def test_the_article_and_its_section_override_the_site(client, site, article, section):
    _set_site_policy(site, Policy.HOLD_ALL)
    section.moderation_policy = Policy.PUBLISH_FIRST
    db.session.commit()

    def notice() -> str:
        html = page(client.get(f"/articles/{article.slug}"))
        return text_of(html.select_one("form.comment-form .notice"))

    assert notice().startswith("Most comments show at once")
    article.moderation_policy = Policy.HOLD_NEW
    db.session.commit()
    assert notice().startswith("Comments from readers whose earlier comments")
    # And the POST applies what the page said: a new commenter is held.
    response = _post(client, article)
    assert text_of(page(client.get(response.headers["Location"])).select_one(".flashes")) == (
        "Thank you. Your comment will show once it has been approved."
    )
    assert db.session.scalar(sa.select(Comment.status)) == "pending"


def test_publish_then_review_shows_at_once_and_waits_for_review(client, site, article, moderator):
    _set_site_policy(site, Policy.PUBLISH_FIRST)
    response = _post(client, article, body="Shown before anyone looked.")
    assert response.status_code == 303
    assert text_of(page(client.get(response.headers["Location"])).select_one(".flashes")) == (
        "Thank you. Your comment is published; a moderator will review it."
    )
    # Another reader sees it at once, on the page every reader shares.
    reader = client.application.test_client()
    public = page(reader.get(f"/articles/{article.slug}"))
    assert "Shown before anyone looked." in text_of(public.select_one(".comment-list"))
    comment = db.session.scalar(sa.select(Comment))
    assert (comment.status, comment.unreviewed) == ("approved", True)

    staff = client.application.test_client()
    log_in(staff, moderator)
    queue = page(staff.get("/dashboard/?status=unreviewed"))
    tabs = {text_of(a) for a in queue.select("#queue-tabs a")}
    assert "Published, unreviewed 1" in tabs
    [row] = queue.select(".queue-row")
    assert row["data-status"] == "unreviewed"
    assert "Published, unreviewed" in text_of(row.select_one(".unreviewed-note"))
    buttons = [text_of(b) for b in row.select("button[name=to_status]")]
    assert [b.split(" the comment")[0] for b in buttons] == ["Approve", "Reject", "Spam"]
    # Nothing waits as pending.
    assert page(staff.get("/dashboard/")).select(".queue-row") == []

    # Approve keeps it: still public, no longer waiting.
    form = row.select_one(".row-actions form")
    answer = staff.post(
        form["action"], data={**form_fields(form), "to_status": "approved"}, headers=HTMX
    )
    assert answer.status_code == 200
    db.session.refresh(comment)
    assert (comment.status, comment.unreviewed) == ("approved", False)
    assert moderation.queue_tally()["unreviewed"] == 0
    assert page(staff.get("/dashboard/?status=unreviewed")).select(".queue-row") == []
    assert "Shown before anyone looked." in text_of(
        page(reader.get(f"/articles/{article.slug}")).select_one(".comment-list")
    )


def test_rejecting_an_unreviewed_comment_takes_it_down_and_undo_puts_it_back(
    client, site, article, moderator
):
    _set_site_policy(site, Policy.PUBLISH_FIRST)
    _post(client, article, body="Not for this page.")
    comment = db.session.scalar(sa.select(Comment))
    log_in(client, moderator)
    row = page(client.get("/dashboard/?status=unreviewed")).select_one(".row-actions form")
    answer = client.post(row["action"], data={**form_fields(row), "to_status": "rejected"})
    assert answer.status_code == 303
    db.session.refresh(comment)
    db.session.refresh(article)
    assert (comment.status, comment.unreviewed) == ("rejected", False)
    assert article.approved_comment_count == 0
    assert moderation.queue_tally() == {
        "pending": 0,
        "unreviewed": 0,
        "approved": 0,
        "rejected": 1,
        "spam": 0,
    }
    reader = client.application.test_client()
    assert "Not for this page." not in reader.get(f"/articles/{article.slug}").get_data(
        as_text=True
    )

    event = moderation.history_page(comment_id=comment.id)[0][0]
    assert (event.from_status, event.to_status) == ("unreviewed", "rejected")
    undone = moderation.undo(event.id, moderator)
    assert undone.ok
    db.session.refresh(comment)
    assert (comment.status, comment.unreviewed) == ("approved", True)
    assert moderation.queue_tally()["unreviewed"] == 1
    assert "Not for this page." in reader.get(f"/articles/{article.slug}").get_data(as_text=True)


def test_a_trusted_commenter_is_published_without_review(client, site, article, make_comment):
    _set_site_policy(site, Policy.PUBLISH_FIRST)
    make_comment(article, author_email=EMAIL)
    db.session.execute(
        sa.update(Commenter).where(Commenter.email == EMAIL).values(standing=Standing.TRUSTED)
    )
    response = _post(client, article, body="From a trusted hand.")
    assert text_of(page(client.get(response.headers["Location"])).select_one(".flashes")) == (
        "Thank you. Your comment is published."
    )
    comment = db.session.scalar(sa.select(Comment).where(Comment.body == "From a trusted hand."))
    assert (comment.status, comment.unreviewed) == ("approved", False)


def test_a_banned_reader_is_answered_as_one_held(client, site, article, make_comment):
    _set_site_policy(site, Policy.PUBLISH_FIRST)
    make_comment(article, author_email=EMAIL)
    db.session.execute(
        sa.update(Commenter).where(Commenter.email == EMAIL).values(standing=Standing.BANNED)
    )
    response = _post(client, article, body="Let me back in.")
    # The same words a watched reader, or a comment with a suspect word, gets.
    assert text_of(page(client.get(response.headers["Location"])).select_one(".flashes")) == (
        "Thank you. Your comment will show once it has been approved."
    )
    comment = db.session.scalar(sa.select(Comment).where(Comment.body == "Let me back in."))
    assert comment.status == "rejected"


# --- Overturning the rules -----------------------------------------------------------------


def _ruled(article, body="Visit my casino tonight.", **policy) -> Comment:
    submitted = moderation.submit_comment(
        article.id,
        author_name="Dana Reader",
        author_email=EMAIL,
        body=body,
        fingerprint=None,
        rules=RULES,
        **policy,
    )
    return db.session.get(Comment, submitted.id)


def test_a_moderator_undoes_what_the_rules_decided(client, site, article, moderator):
    comment = _ruled(article)
    assert comment.status == "rejected"
    log_in(client, moderator)
    history = page(client.get(f"/dashboard/history?comment={comment.id}"))
    assert "The rules (blocked word)" in text_of(history.select_one("tbody"))
    row = page(client.get("/dashboard/?status=rejected")).select_one(".queue-row")
    assert "Held because: blocked word: “casino”" in text_of(row.select_one(".held"))

    [event] = moderation.history_page(comment_id=comment.id)[0]
    token = csrf_token(client, "/dashboard/")
    answer = client.post(
        f"/dashboard/decisions/{event.id}/undo", data={"csrf_token": token}, headers=HTMX
    )
    assert answer.status_code == 200
    db.session.refresh(comment)
    assert comment.status == "pending"
    newest = moderation.history_page(comment_id=comment.id)[0][0]
    assert (newest.actor_id, newest.rule, newest.note) == (
        moderator.id,
        None,
        f"undo of #{event.id}",
    )
    assert moderation.tally() == {"pending": 1, "approved": 0, "rejected": 0, "spam": 0}
    # And from pending, approved like any comment.
    assert moderation.decide(comment.id, "approved", moderator).ok


def test_a_moderator_overturns_a_rule_directly(app, site, article, moderator):
    comment = _ruled(article)
    decision = moderation.decide(comment.id, "approved", moderator, expected_status="rejected")
    assert decision.ok
    db.session.refresh(article)
    assert article.approved_comment_count == 1


def test_a_moderator_who_saw_it_pending_meets_the_rules_decision(client, site, article, moderator):
    """The rules decided while the moderator's page still showed the comment as it was
    before: nothing is overwritten, and the answer names the rules."""
    comment = _ruled(article)
    log_in(client, moderator)
    token = csrf_token(client, "/dashboard/")
    answer = client.post(
        f"/dashboard/comments/{comment.id}/decision",
        data={"csrf_token": token, "to_status": "approved", "expected_status": "pending"},
        headers=HTMX,
    )
    assert answer.status_code == 409
    message = text_of(page(answer).select_one("#announcer"))
    assert message.startswith("This comment was already rejected by the rules at ")
    assert message.endswith("Nothing was changed.")
    db.session.refresh(comment)
    assert comment.status == "rejected"


def test_the_rules_meet_a_moderator_on_an_unreviewed_comment(app, site, article, moderator):
    """A moderator takes down a published comment; a colleague's page still showed it
    unreviewed, and their approval is refused, not applied."""
    comment = _ruled(article, body="Fine words.", policy=CommentPolicy(Policy.PUBLISH_FIRST))
    assert comment.state == "unreviewed"
    assert moderation.decide(comment.id, "spam", moderator, expected_status="unreviewed").ok
    late = moderation.decide(comment.id, "approved", moderator, expected_status="unreviewed")
    assert not late.ok and "already marked as spam" in late.error
