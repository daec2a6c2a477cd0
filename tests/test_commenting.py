"""A reader leaves a comment: validation, pending storage, honeypot, closed, rate limit."""

import pytest
import sqlalchemy as sa

from newsroom.extensions import db
from newsroom.models import Comment, CommentStatus, ModerationEvent
from tests.conftest import page, submit_form, text_of

GOOD = {"author_name": "Lee Park", "author_email": "lee@example.com", "body": "Well reported."}


def _comments() -> list[Comment]:
    return db.session.scalars(sa.select(Comment).order_by(Comment.id)).all()


def _post(client, article, **changes):
    return submit_form(
        client, f"/articles/{article.slug}", {**GOOD, **changes}, "form.comment-form"
    )


def test_success_stores_pending_and_redirects_with_the_notice(client, site, article):
    response = _post(client, article, body="First line.\n\nSecond <b>paragraph</b>.")

    assert response.status_code == 303
    assert response.headers["Location"] == f"/articles/{article.slug}#comments"
    [comment] = _comments()
    assert comment.status == CommentStatus.PENDING
    assert (comment.author_name, comment.author_email) == ("Lee Park", "lee@example.com")
    assert comment.created_at is not None and comment.created_at.tzinfo is not None
    # The client address is stored only as an HMAC fingerprint.
    assert comment.client_fingerprint and "127.0.0.1" not in comment.client_fingerprint
    assert len(comment.client_fingerprint) == 32

    html = page(client.get(response.headers["Location"]))
    assert "Your comment will show once it has been approved." in text_of(
        html.select_one(".flashes")
    )
    mine = html.select_one(".comment-awaiting")
    assert text_of(mine.select_one(".badge")) == "Awaiting approval"
    assert [text_of(p) for p in mine.select(":scope > div p")] == [
        "First line.",
        "Second <b>paragraph</b>.",
    ]
    assert mine.select_one(":scope > div b") is None
    # The count is of approved comments only.
    assert text_of(html.select_one("#comments-heading")) == "0 Comments"


def test_pending_comment_is_not_shown_to_other_readers(app, client, site, article):
    _post(client, article, body="Only I can see this for now.")
    other_reader = app.test_client()

    body = other_reader.get(f"/articles/{article.slug}").get_data(as_text=True)

    assert "Only I can see this for now." not in body
    assert "Awaiting approval" not in body


def test_each_error_is_shown_by_its_field_and_everything_typed_is_kept(client, site, article):
    response = _post(
        client,
        article,
        author_name="",
        author_email="not-an-address",
        body="My carefully written comment.",
    )

    assert response.status_code == 422
    html = page(response)
    summary = html.select_one(".error-summary")
    assert text_of(summary).startswith("Your comment was not sent")
    assert text_of(html.select_one("#author_name-error")) == "Please enter your name."
    assert text_of(html.select_one("#author_email-error")) == (
        "Please enter a valid e-mail address, like name@example.com."
    )
    assert html.select_one("#author_email")["value"] == "not-an-address"
    assert html.select_one("#author_email")["aria-invalid"] == "true"
    assert "author_email-error" in html.select_one("#author_email")["aria-describedby"]
    assert html.select_one("#body").get_text().strip() == "My carefully written comment."
    assert _comments() == []


@pytest.mark.parametrize("address", ["Lee.Park@Example.COM", "lee@bücher.example"])
def test_an_address_of_another_kind_is_checked_and_stored_as_typed(client, site, article, address):
    # Not the everyday kind the form answers at once (newsroom/forms.py): email_validator's.
    assert _post(client, article, author_email=address).status_code == 303
    [comment] = _comments()
    assert comment.author_email == address


def test_an_address_on_a_special_use_domain_is_refused_and_everything_kept(client, site, article):
    response = _post(client, article, author_email="lee@printer.local", body="Kept as typed.")

    assert response.status_code == 422
    html = page(response)
    assert text_of(html.select_one("#author_email-error")) == (
        "Please enter a valid e-mail address, like name@example.com."
    )
    assert html.select_one("#author_email")["value"] == "lee@printer.local"
    assert html.select_one("#body").get_text().strip() == "Kept as typed."
    assert _comments() == []


def test_missing_body_and_overlong_fields_are_refused(client, site, article):
    empty = page(_post(client, article, body="   "))
    assert text_of(empty.select_one("#body-error")) == "Please write your comment."
    assert empty.select_one("#author_name")["value"] == "Lee Park"

    long = page(_post(client, article, author_name="N" * 81, body="x" * 5001))
    assert (
        text_of(long.select_one("#author_name-error")) == "Your name can be at most 80 characters."
    )
    assert (
        text_of(long.select_one("#body-error")) == "Your comment can be at most 5,000 characters."
    )
    assert long.select_one("#body").get_text().strip() == "x" * 5001
    assert _comments() == []


def test_limits_are_inclusive(client, site, article):
    assert _post(client, article, author_name="N" * 80, body="x" * 5000).status_code == 303
    assert len(_comments()) == 1


def test_honeypot_looks_like_success_but_is_stored_as_spam(app, client, site, article):
    response = _post(client, article, website="http://cheap.example", body="Buy now")

    assert response.status_code == 303
    [comment] = _comments()
    assert comment.status == CommentStatus.SPAM
    assert "honeypot" in comment.held_reasons
    # Decided by the rules, on the record: a moderator can overturn it.
    [event] = db.session.scalars(
        sa.select(ModerationEvent).where(ModerationEvent.comment_id == comment.id)
    ).all()
    assert (event.rule, event.actor_id, event.to_status) == ("honeypot", None, "spam")
    assert "Buy now" not in app.test_client().get(f"/articles/{article.slug}").get_data(
        as_text=True
    )


def test_honeypot_is_hidden_from_people_and_assistive_technology(client, site, article):
    html = page(client.get(f"/articles/{article.slug}"))
    trap = html.select_one("#website")
    assert trap["tabindex"] == "-1"
    assert trap.find_parent(class_="hp")["aria-hidden"] == "true"


def test_closed_article_has_no_form_and_refuses_posts(client, site, article, make_article):
    make_article("Closed One", slug="closed-one", comments_open=False)
    html = page(client.get("/articles/closed-one"))

    assert html.select_one("form.comment-form") is None
    assert text_of(html.select_one(".closed")) == "Comments are closed."

    token = page(client.get(f"/articles/{article.slug}")).select_one("input[name=form_token]")
    response = client.post(
        "/articles/closed-one/comments", data={**GOOD, "form_token": token["value"]}
    )
    assert response.status_code == 403
    refused = page(response)
    assert text_of(refused.select_one("[role=alert]")).startswith(
        "Your comment was not sent: comments on this article are closed."
    )
    # Nothing the reader wrote is lost: it comes back to copy, with no form to send it.
    assert refused.select_one("textarea#kept-text[readonly]").get_text() == GOOD["body"]
    assert refused.select_one("form.comment-form") is None
    assert _comments() == []


def test_rate_limit_returns_the_form_with_the_text_and_429(client, site, article):
    for n in range(5):
        assert _post(client, article, body=f"Comment {n}").status_code == 303

    response = _post(client, article, body="The sixth, kept for later.")

    assert response.status_code == 429
    html = page(response)
    assert "wait a minute" in text_of(html.select_one("[role=alert]"))
    assert html.select_one("#body").get_text().strip() == "The sixth, kept for later."
    assert html.select_one("#author_name")["value"] == "Lee Park"
    assert len(_comments()) == 5


def test_the_rate_limit_counts_each_address_apart(app, site, article):
    one, other = app.test_client(), app.test_client()
    one.environ_base["REMOTE_ADDR"] = "198.51.100.1"
    other.environ_base["REMOTE_ADDR"] = "198.51.100.2"
    for n in range(5):
        assert _post(one, article, body=f"Comment {n}").status_code == 303

    assert _post(one, article, body="One too many.").status_code == 429
    assert _post(other, article, body="A neighbour's first.").status_code == 303
    assert [c.body for c in _comments()][-1] == "A neighbour's first."


def test_comment_name_and_body_cannot_inject_markup(app, client, site, article, make_comment):
    payload = "<script>alert(1)</script><img src=x onerror=alert(2)>\"'><svg onload=alert(3)>"
    make_comment(article, "approved", author_name=payload, body=payload + "\nhttps://ok.example/x")

    response = client.get(f"/articles/{article.slug}")
    html = page(response)
    comment = html.select_one(".comment")

    assert comment.find(["script", "img", "svg"]) is None
    assert text_of(comment.select_one(".comment-meta b")) == payload
    link = comment.select_one(":scope > div a")
    assert link["href"] == "https://ok.example/x"
    assert "nofollow" in link["rel"] and "ugc" in link["rel"]
    assert "<script>alert(1)" not in response.get_data(as_text=True)


def test_a_refused_comment_comes_back_at_the_article_with_a_summary_to_land_on(
    client, site, article
):
    opened = page(client.get(f"/articles/{article.slug}"))
    form = opened.select_one("form.comment-form")
    # The form posts to the article's own address, and lands on the summary if refused.
    assert form["action"] == f"/articles/{article.slug}#comment-errors"
    assert form["id"] == "write"

    response = _post(client, article, author_name="", author_email="nope", body="Kept text.")

    assert response.status_code == 422
    assert response.request.path == f"/articles/{article.slug}"
    html = page(response)
    summary = html.select_one("#comment-errors")
    assert summary["tabindex"] == "-1"
    assert text_of(summary.select_one("h3")) == "Your comment was not sent"
    entries = [(a["href"], text_of(a)) for a in summary.select("li a")]
    assert entries == [
        ("#author_name", "Please enter your name."),
        ("#author_email", "Please enter a valid e-mail address, like name@example.com."),
    ]
    for target, _ in entries:
        assert html.select_one(target).name == "input"  # each entry leads to its field
    assert html.select_one("#body").get_text().strip() == "Kept text."
    # The whole article is there: the reader is still on its page.
    assert text_of(html.select_one("h1")) == article.title


def test_the_thank_you_notice_stands_with_the_comments(client, site, article):
    response = _post(client, article)
    assert response.headers["Location"].endswith("#comments")
    html = page(client.get(response.headers["Location"]))
    notice = html.select_one(".flashes")
    assert notice.find_parent(id="comments") is not None
    assert len(html.select(".flashes")) == 1


def test_a_closed_article_says_so_without_offering_to_add_a_comment(client, site, make_article):
    closed = make_article("Closed", comments_open=False)
    html = page(client.get(f"/articles/{closed.slug}"))
    assert html.select_one("#add-comment") is None
    assert html.select_one("form.comment-form") is None
    assert text_of(html.select_one("#comments .closed")) == "Comments are closed."
