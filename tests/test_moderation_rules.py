"""The rules admins set: word lists matched whole, whatever the case or the Unicode form
(and not fooled by fullwidth letters or composed accents), links, length, the same text
sent again, the words marked in the queue, the admin's page, and the compiled lists kept
per process so no comment POST reads them."""

from __future__ import annotations

import hashlib
import re
import sys
from datetime import timedelta

import pytest
import sqlalchemy as sa
from hypothesis import example, given, settings
from hypothesis import strategies as st

from newsroom import moderation
from newsroom.extensions import db
from newsroom.models import Comment, ModerationEvent, ModerationRules, Policy
from newsroom.moderation.policy import CommentPolicy
from newsroom.moderation.rules import body_digest, compile_rules, evened, fold, link_count
from tests.conftest import log_in, page, statements_sent, submit_form, text_of

RULES_FORM = "form.settings-form"


def _rules(**lists) -> moderation.rules.CompiledRules:
    values = {
        "blocked_rejected": "",
        "blocked_spam": "",
        "suspect": "",
        "max_links": None,
        "min_length": 0,
        "duplicates_are_spam": False,
    } | lists
    return compile_rules(ModerationRules(version="test", **values))


@pytest.mark.parametrize(
    "body",
    [
        "Get FREE money",
        "Get ｆｒｅｅ money",  # fullwidth letters
        "Get ＦＲＥＥ money",
        "Get Free\u00a0money",  # a no-break space between the words of a phrase
        "get free\n\nmoney now",  # the phrase across a blank line
    ],
)
def test_blocked_phrases_are_matched_through_case_width_and_spacing(body):
    found = _rules(blocked_spam="free money").examine(body)
    assert found.blocked_spam == ["free money"]


@pytest.mark.parametrize(
    ("entry", "body", "matched"),
    [
        ("café", "Meet at the cafe\u0301 at noon", ["café"]),  # e + combining acute
        ("straße", "Die STRASSE ist gesperrt", ["strasse"]),  # casefold: ß is ss
        ("ﬁnance", "Finance advice here", ["finance"]),  # the ligature is two letters
        ("free", "Freedom of information", []),  # whole words only
        ("free", "Tax-free!", ["free"]),
        ("$$$", "Earn $$$ fast", ["$$$"]),  # an entry of symbols, still whole
        ("a.b", "aXb is not a.b escaped", ["a.b"]),  # an entry is text, not a pattern
    ],
)
def test_words_match_whole_after_unicode_folding(entry, body, matched):
    assert _rules(suspect=entry).examine(body).suspect == matched


def test_fold_is_nfkc_then_casefold():
    assert fold("ＦＲＥＥ") == "free"
    assert fold("Straße") == "strasse"
    assert fold("cafe\u0301") == "café"


def test_links_and_length_are_counted():
    rules = _rules(max_links=1, min_length=20)
    two = rules.examine("See https://a.example and www.b.example please, friends.")
    assert (two.links, two.too_many_links, two.too_short) == (2, True, False)
    assert rules.examine("  Too short.  ").too_short


# Every character Python counts as spacing, and some that look like it but aren't.
_SPACING = "".join(ch for ch in map(chr, range(sys.maxunicode + 1)) if ch.isspace())
_spaced_text = st.text(st.sampled_from(_SPACING + "ab\u200b\u2060\ufeff.-"), max_size=40)


@settings(max_examples=500, deadline=None)
@given(_spaced_text)
def test_spacing_is_evened_as_the_regex_evened_it(text):
    # body_digest's comparisons hold across versions: the digests stored before are equal
    # for the same text.
    assert evened(text) == re.sub(r"\s+", " ", text).strip()
    before = hashlib.sha256(re.sub(r"\s+", " ", fold(text)).strip().encode())
    assert body_digest(text) == before.hexdigest()[:32]


# What a link is made of, in every case, with the characters a regex ignoring case takes
# for another letter ("ſ" for "s", the Kelvin sign for "k", fullwidth letters).
_link_text = st.text(st.sampled_from("htpsHTPSwW:/. xſKｗＷİı\u0307"), max_size=30)


@settings(max_examples=1000, deadline=None)
@given(_link_text)
@example("WWW.example.org and Www.example.net")
@example("HTTPS://example.org, HttP://example.net")
@example("no link at all, www or http")
def test_links_are_counted_as_the_regex_counts_them(body):
    assert link_count(body) == len(re.findall(r"https?://|www\.", body, re.IGNORECASE))


def test_suspect_words_are_marked_in_the_body_but_not_inside_links():
    rules = _rules(suspect="refund\nbad deal")
    html = str(
        rules.marked_html("I want a ＲＥＦＵＮＤ <now>.\nA bad\ndeal. https://example.org/refund")
    )
    assert "<mark>ＲＥＦＵＮＤ</mark> &lt;now&gt;" in html
    # A phrase over a line break is marked on each line.
    assert "<mark>bad</mark><br>\n<mark>deal</mark>" in html
    assert 'href="https://example.org/refund"' in html and html.count("<mark>") == 3
    # Characters a reader typed that the marking uses are taken out, not trusted.
    assert "<mark>" not in str(rules.marked_html("\ue000x\ue001 nothing"))


def _submit(article, body, email="dana@example.com", rules=None, **policy):
    submitted = moderation.submit_comment(
        article.id,
        author_name="Dana Reader",
        author_email=email,
        body=body,
        fingerprint=None,
        rules=rules or _rules(duplicates_are_spam=True),
        **policy,
    )
    return db.session.get(Comment, submitted.id)


def test_the_same_text_within_a_day_is_spam(app, article):
    first = _submit(article, "Please fix the boiler.")
    again = _submit(article, "  PLEASE fix   the boiler. ")
    other = _submit(article, "Please fix the boiler.", email="lee@example.com")
    assert (first.status, again.status, other.status) == ("pending", "spam", "pending")
    event = db.session.scalar(
        sa.select(ModerationEvent).where(ModerationEvent.comment_id == again.id)
    )
    assert (event.rule, event.to_status) == ("duplicate text", "spam")
    assert again.held_reasons == "the same text from this commenter within a day"

    # A day later the same words are a new comment.
    for comment in (first, again):
        comment.created_at -= timedelta(days=1, seconds=1)
    db.session.commit()
    assert _submit(article, "Please fix the boiler.").status == "pending"


def test_with_the_duplicate_rule_off_the_same_text_is_held(app, article):
    _submit(article, "Please fix the boiler.", rules=_rules())
    assert _submit(article, "Please fix the boiler.", rules=_rules()).status == "pending"


def test_holding_rules_hold_even_under_publish_then_review(app, article):
    rules = _rules(suspect="refund", max_links=0, min_length=10)
    publish = {"policy": CommentPolicy(Policy.PUBLISH_FIRST)}
    assert _submit(article, "Fine, thank you all.", rules=rules, **publish).state == "unreviewed"
    short = _submit(article, "Fine.", rules=rules, **publish)
    linked = _submit(article, "See https://example.org today.", rules=rules, **publish)
    suspect = _submit(article, "I want a refund today.", rules=rules, **publish)
    assert [c.status for c in (short, linked, suspect)] == ["pending"] * 3
    assert short.held_reasons.startswith("shorter than 10 characters")
    assert linked.held_reasons.startswith("more than 0 links")
    assert suspect.held_reasons.startswith("suspect words: “refund”")


# --- The admin's page, and the lists kept per process ---------------------------------


@pytest.fixture
def rules_admin(admin_client):
    return admin_client


def test_admins_save_the_rules_and_the_next_comment_is_screened_by_them(
    rules_admin, site, article, moderator
):
    response = submit_form(
        rules_admin,
        "/admin/rules",
        {
            "blocked_rejected": "casino\n\n  Casino  \n",
            "blocked_spam": "cheap pills",
            "suspect": "refund",
            "max_links": "2",
            "min_length": "",
            "duplicates_are_spam": "y",
        },
        RULES_FORM,
    )
    assert response.status_code == 303
    stored = moderation.stored_rules()
    assert (stored.blocked_rejected, stored.max_links, stored.min_length) == (
        "casino\nCasino",
        2,
        0,
    )
    saved = page(rules_admin.get("/admin/rules"))
    assert text_of(saved.select_one(".flash-success")).startswith("The rules were saved.")
    assert saved.select_one("textarea#suspect").get_text().strip() == "refund"
    assert saved.select_one("input#duplicates_are_spam").has_attr("checked")

    reader = rules_admin.application.test_client()
    opened = page(reader.get(f"/articles/{article.slug}"))
    form = opened.select_one("form.comment-form")
    data = {
        "form_token": form.select_one("input[name=form_token]")["value"],
        "author_name": "Lee",
        "author_email": "lee@example.com",
        "body": "Try my ＣＡＳＩＮＯ.",
    }
    assert reader.post(f"/articles/{article.slug}/comments", data=data).status_code == 303
    assert db.session.scalar(sa.select(Comment.status)) == "rejected"

    # The moderator sees a suspect word marked in the row.
    data["body"] = "Can I get a Refund?"
    reader.post(f"/articles/{article.slug}/comments", data=data)
    staff = rules_admin.application.test_client()
    log_in(staff, moderator)
    row = page(staff.get("/dashboard/")).select_one(".queue-row")
    assert [text_of(m) for m in row.select(".row-body mark")] == ["Refund"]
    assert "suspect words: “refund”" in text_of(row.select_one(".held"))


def test_a_comment_post_reads_no_list_once_the_rules_are_compiled(rules_admin, site, article):
    submit_form(rules_admin, "/admin/rules", {"suspect": "refund"}, RULES_FORM)
    reader = rules_admin.application.test_client()

    def post(body: str):
        form = page(reader.get(f"/articles/{article.slug}")).select_one("form.comment-form")
        token = form.select_one("input[name=form_token]")["value"]
        data = {"form_token": token, "author_name": "Lee", "author_email": "l@x.example"}
        return reader.post(f"/articles/{article.slug}/comments", data={**data, "body": body})

    post("A first remark.")  # compiles them, once
    with statements_sent() as sent:
        assert post("A refund, please.").status_code == 303
    assert not [s for s, _ in sent if "FROM moderation_rules" in s.split("(")[0]]
    assert not [s for s, _ in sent if "blocked_rejected" in s or "suspect" in s]
    assert (
        db.session.scalars(sa.select(Comment.held_reasons).order_by(Comment.id))
        .all()[-1]
        .startswith("suspect words")
    )

    # A save moves the version: the next POST compiles the new lists.
    submit_form(rules_admin, "/admin/rules", {"suspect": "boiler"}, RULES_FORM)
    post("The boiler again.")
    newest = db.session.scalars(sa.select(Comment.held_reasons).order_by(Comment.id)).all()[-1]
    assert newest.startswith("suspect words: “boiler”")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("max_links", "٣", "Type a whole number from 0 to 1,000."),
        ("max_links", "99999999999999999999", "Type a whole number from 0 to 1,000."),
        ("min_length", "-1", "Type a whole number from 0 to 5,000."),
        ("suspect", "x" * 101, "Suspect words (held): each entry can be at most 100 characters."),
        (
            "blocked_spam",
            "\n".join(f"word{n}" for n in range(501)),
            "Blocked words (spam): at most 500 entries",
        ),
    ],
)
def test_rules_out_of_bounds_are_refused_and_nothing_is_lost(rules_admin, field, value, message):
    typed = {"blocked_rejected": "casino", field: value}
    response = submit_form(rules_admin, "/admin/rules", typed, RULES_FORM)
    assert response.status_code == 422
    html = page(response)
    assert text_of(html.select_one(f"#{field}-error")).startswith(message)
    assert html.select_one("textarea#blocked_rejected").get_text().strip() == "casino"
    assert moderation.stored_rules() is None


def test_moderators_cannot_change_the_rules(client, moderator):
    log_in(client, moderator)
    assert client.get("/admin/rules").status_code == 403
