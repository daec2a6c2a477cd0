"""Every page we send is valid HTML.

Two checks: html5lib parses each page by the HTML5 parsing rules (fast, no Java), and the
W3C Nu HTML Checker (vnu.jar, from the npm registry) checks every page people see against
the HTML standard itself: content models, attribute values, duplicate ids. The checker
runs on a Java runtime; without one (or without node_modules) its test skips, unless
NEWSROOM_REQUIRE_BROWSER=1 (CI sets it), when it fails instead.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections import Counter
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import html5lib
import pytest
import sqlalchemy as sa

from newsroom import moderation
from newsroom.extensions import db
from newsroom.models import ArticleStatus, Comment, Policy, Section, utcnow
from newsroom.moderation.policy import CommentPolicy
from tests.conftest import form_fields, give_picture, log_in, page, submit_form

VNU_JAR = (
    Path(__file__).resolve().parents[1] / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
)


def _assert_valid(response) -> None:
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    try:
        parser.parse(response.get_data(as_text=True))
    except html5lib.html5parser.ParseError as error:
        pytest.fail(f"{response.request.path}: {error}")


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/sections/in-the-news/",
        "/articles/council-hears-tenants",
        "/nowhere",
        "/login",
        "/mail/unsubscribe/{unsubscribe}",
        "/mail/decide/{decide}",
    ],
)
def test_public_pages_are_valid_html(client, site, article, make_comment, moderator, url):
    from newsroom.mail import links

    comment = make_comment(article, "approved", body="Line one\nline two\n\nhttps://link.example/")
    waiting = make_comment(article)
    url = url.format(
        unsubscribe=links.unsubscribe_token(comment.id),
        decide=links.decision_token(moderator.id, waiting.id, "approved"),
    )
    _assert_valid(client.get(url))


def test_comment_form_with_errors_is_valid_html(client, site, article):
    response = submit_form(
        client, f"/articles/{article.slug}", {"author_email": "nope"}, "form.comment-form"
    )
    assert response.status_code == 422
    _assert_valid(response)


@pytest.mark.parametrize(
    "url",
    [
        "/dashboard/",
        "/dashboard/?status=approved",
        "/dashboard/history",
        "/account",
        "/dashboard/commenters/{commenter}",
    ],
)
def test_staff_pages_are_valid_html(client, site, article, make_comment, moderator, url):
    comment = make_comment(article, body="Please look <here>")
    make_comment(article)
    moderation.decide(comment.id, "approved", moderator)
    moderation.change_standing(
        comment.commenter_id, "banned", moderator, seen_version=0, reason="x"
    )
    url = url.format(commenter=comment.commenter_id)
    log_in(client, moderator)
    _assert_valid(client.get(url))


# --- The W3C Nu HTML Checker ---------------------------------------------------------


def _nu_checker_command() -> list[str]:
    """`java -jar vnu.jar`, or a skip (a failure under NEWSROOM_REQUIRE_BROWSER=1) saying
    what is missing."""
    java = shutil.which("java")
    if java is None:
        missing = "no Java runtime found (apt-get install default-jre-headless)"
    elif not VNU_JAR.exists():
        missing = f"{VNU_JAR} is missing (run `make test`: it runs npm ci)"
    else:
        return [java, "-jar", str(VNU_JAR)]
    if os.environ.get("NEWSROOM_REQUIRE_BROWSER") == "1":
        pytest.fail(f"NEWSROOM_REQUIRE_BROWSER=1 but the HTML checker can't run: {missing}")
    pytest.skip(f"the W3C HTML checker can't run: {missing}")


def _nu_errors(pages: dict[str, str], folder: Path) -> list[str]:
    """Every error the checker finds in `pages` (name -> HTML), in one JVM: starting Java
    takes longer than checking all the pages."""
    command = _nu_checker_command()
    files = []
    for name, html in pages.items():
        files.append(folder / f"{name}.html")
        files[-1].write_text(html, encoding="utf-8")
    finished = subprocess.run(
        [*command, "--format", "json", "--exit-zero-always", "--stdout", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    errors = []
    for message in json.loads(finished.stdout)["messages"]:
        if message["type"] == "info":
            continue  # warnings and notes are advice, not violations of the standard
        name = Path(urlsplit(message.get("url", "")).path).stem or "?"
        where = f"{name}:{message.get('lastLine', '?')}:{message.get('lastColumn', '?')}"
        extract = " ".join(message.get("extract", "").split())
        errors.append(f"{where}: {message['message']}  [{extract}]")
    return errors


def _get(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def _refused(client, url: str, data: dict, selector: str) -> str:
    """The page a form comes back on when what was typed is refused."""
    response = submit_form(client, url, data, selector)
    assert response.status_code == 422, (url, response.status_code)
    return response.get_data(as_text=True)


def test_every_page_passes_the_w3c_html_checker(
    app, client, tmp_path, site, section, article, make_article, make_comment, moderator, admin
):
    _nu_checker_command()  # skip before drawing thirty pages for nothing
    # Two of everything listed, so per-row forms and ids meet each other on one page.
    releases = Section(name="Press Releases", slug="press-releases", position=1)
    db.session.add(releases)
    db.session.commit()
    clipping = make_article(
        "Tenants Win a Hearing",
        source_name="The Riverside Ledger",
        source_url="https://ledger.example/tenants",
    )
    make_article("Spring Meeting Agenda", status=ArticleStatus.DRAFT)
    make_article("Summer Fair", published_at=utcnow() + timedelta(days=3))
    make_comment(article, "approved", body="Line one\nline two\n\nhttps://link.example/")
    make_comment(article, "approved", author_name="Sam <b>Bold</b>", body="Agreed & then some.")
    waiting = [make_comment(article, body=f"Remark number {n}") for n in range(3)]
    held = make_comment(clipping, body="Buy cheap things at https://spam.example/")
    moderation.decide(waiting[0].id, "approved", moderator)
    moderation.decide(held.id, "spam", moderator)
    for label in ("Off-topic", "Personal <attack>"):
        moderation.add_rejection_reason(label)
    rejected = make_comment(article, body="Rejected with a reason.")
    moderation.decide(rejected.id, "rejected", moderator, reason="Off-topic")
    for reader_address in ("f1", "f2"):
        moderation.report_comment(
            waiting[0].id, article.id, fingerprint=reader_address, reason="other", threshold=3
        )
    pages: dict[str, str] = {}

    reader = client
    pictured = make_article("Lanterns on the River", summary="A parade at dusk.")
    give_picture(app, pictured, "Paper lanterns floating on dark water")
    for n in range(7):
        make_article(f"Tenants news {n}", section=releases if n % 2 else section)
    db.session.commit()
    pages["home"] = _get(reader, "/")
    pages["search"] = _get(reader, "/search?q=tenants")
    pages["search-empty"] = _get(reader, "/search")
    pages["search-nothing"] = _get(reader, "/search?q=zebra")
    pages["article-with-picture"] = _get(reader, f"/articles/{pictured.slug}")
    pages["section"] = _get(reader, f"/sections/{section.slug}/")
    pages["article"] = _get(reader, f"/articles/{article.slug}")
    pages["article-clipping"] = _get(reader, f"/articles/{clipping.slug}")
    pages["not-found"] = _get(reader, "/nowhere", 404)
    pages["login"] = _get(reader, "/login")
    report_url = f"/report/{waiting[0].id}"
    pages["report"] = _get(reader, report_url)
    pages["report-errors"] = _refused(reader, report_url, {"reason": "other"}, "form.report-form")
    pages["article-comment-errors"] = _refused(
        reader, f"/articles/{article.slug}", {"author_email": "nope"}, "form.comment-form"
    )
    sent = submit_form(
        reader,
        f"/articles/{article.slug}",
        {"author_name": "Lee Park", "author_email": "lee@example.com", "body": "Well said."},
        "form.comment-form",
    )
    assert sent.status_code == 303
    pages["article-own-comment-awaiting"] = _get(reader, f"/articles/{article.slug}")
    pages["login-errors"] = _refused(
        reader, "/login", {"email": "x@example.com", "password": "no"}, "form.login-form"
    )
    # Failed logins from elsewhere: refused in the end, and listed on the admin's pages.
    guesser = app.test_client()
    guesser.environ_base["REMOTE_ADDR"] = "10.0.0.1"
    guess = {"email": moderator.email, "password": "no"}
    for _ in range(app.config["LOGIN_FAILURES_PER_ADDRESS"]):
        _refused(guesser, "/login", guess, "form.login-form")
    too_many = submit_form(guesser, "/login", guess, "form.login-form")
    assert too_many.status_code == 429
    pages["login-refused"] = too_many.get_data(as_text=True)

    # The rules and the policy: suspect words marked in rows, a comment published before
    # review, an article whose comments closed by time, and a late comment refused.
    moderation.save_rules(
        {"suspect": "remark\nthings", "max_links": 1, "duplicates_are_spam": True}, admin
    )
    moderation.submit_comment(
        article.id,
        author_name="Pat",
        author_email="pat@example.com",
        body="Published at once, a remark on cheap things.",
        fingerprint=None,
        policy=CommentPolicy(Policy.PUBLISH_FIRST),
    )
    closed = make_article(
        "Old Minutes", published_at=utcnow() - timedelta(days=40), comments_close_after_days=30
    )
    pages["article-closed-by-time"] = _get(reader, f"/articles/{closed.slug}")
    token = page(reader.get(f"/articles/{article.slug}")).select_one("input[name=form_token]")
    late = reader.post(
        f"/articles/{closed.slug}/comments",
        data={"form_token": token["value"], "author_name": "Lee", "body": "Too late <b>?</b>"},
    )
    assert late.status_code == 403
    pages["article-closed-refused"] = late.get_data(as_text=True)

    staff = app.test_client()
    assert log_in(staff, moderator).status_code == 303
    pages["dashboard-queue"] = _get(staff, "/dashboard/")
    pages["dashboard-unreviewed"] = _get(staff, "/dashboard/?status=unreviewed")
    pages["dashboard-approved"] = _get(staff, "/dashboard/?status=approved")
    pages["dashboard-spam"] = _get(staff, "/dashboard/?status=spam")
    # A narrowed queue: its tabs say "1 of 2".
    pages["dashboard-narrowed"] = _get(staff, "/dashboard/?q=a")
    pages["dashboard-reported"] = _get(staff, "/dashboard/?status=reported")
    pages["dashboard-history"] = _get(staff, "/dashboard/history")
    pages["account"] = _get(staff, "/account")
    commenter_url = f"/dashboard/commenters/{waiting[1].commenter_id}"
    pages["dashboard-commenter"] = _get(staff, commenter_url)
    ban = form_fields(page(staff.get(commenter_url)).select_one("#standing .ban-form"))
    refused_ban = staff.post(
        page(staff.get(commenter_url)).select_one("#standing .ban-form")["action"],
        data={**ban, "reason": ""},
    )
    assert refused_ban.status_code == 422
    pages["dashboard-commenter-ban-errors"] = refused_ban.get_data(as_text=True)
    moderation.change_standing(
        waiting[1].commenter_id, "banned", moderator, seen_version=0, reason="Abuse."
    )
    pages["dashboard-commenter-banned"] = _get(staff, commenter_url)

    chief = app.test_client()
    assert log_in(chief, admin).status_code == 303
    pages["admin-overview"] = _get(chief, "/admin/")
    pages["admin-articles"] = _get(chief, "/admin/articles/")
    pages["admin-article-new"] = _get(chief, "/admin/articles/new")
    pages["admin-article-edit"] = _get(chief, f"/admin/articles/{clipping.id}/edit")
    pages["admin-article-with-picture"] = _get(chief, f"/admin/articles/{pictured.id}/edit")
    pages["admin-article-errors"] = _refused(
        chief, "/admin/articles/new", {"title": "", "save": "y"}, "form.article-editor"
    )
    pages["admin-article-delete"] = _get(chief, f"/admin/articles/{article.id}/delete")
    pages["admin-sections"] = _get(chief, "/admin/sections/")
    pages["admin-section-new"] = _get(chief, "/admin/sections/new")
    pages["admin-section-edit"] = _get(chief, f"/admin/sections/{section.id}/edit")
    pages["admin-section-delete-refused"] = _get(chief, f"/admin/sections/{section.id}/delete")
    pages["admin-section-delete"] = _get(chief, f"/admin/sections/{releases.id}/delete")
    pages["admin-staff"] = _get(chief, "/admin/staff/")
    pages["admin-staff-new"] = _get(chief, "/admin/staff/new")
    pages["admin-staff-new-errors"] = _refused(
        chief, "/admin/staff/new", {"email": "not an address"}, "main form"
    )
    pages["admin-staff-member"] = _get(chief, f"/admin/staff/{moderator.id}")
    pages["admin-settings"] = _get(chief, "/admin/settings")
    pages["admin-settings-errors"] = _refused(
        chief, "/admin/settings", {"comments_close_after_days": "x"}, "form.settings-form"
    )
    pages["admin-rules"] = _get(chief, "/admin/rules")
    pages["admin-rules-errors"] = _refused(
        chief, "/admin/rules", {"max_links": "many"}, "form.settings-form"
    )
    pages["admin-moderation"] = _get(chief, "/admin/moderation")
    pages["admin-moderation-errors"] = _refused(
        chief, "/admin/moderation", {"label": ""}, "form.reason-form"
    )
    pages["admin-moderation-threshold-errors"] = _refused(
        chief, "/admin/moderation", {"report_threshold": "0"}, "#reports form"
    )
    pages["admin-dashboard-queue"] = _get(chief, "/dashboard/")
    # Row actions: an edited comment with a reply, a deletion in the history, the pages a
    # refused text comes back on, and emptying the spam.
    edited = waiting[0]  # approved above
    moderation.edit_comment(
        edited.id, "Call me on [removed].", admin, expected_status="approved", expected_version=0
    )
    moderation.reply_as_organization(edited.id, "We will call you.", admin, site.organization_name)
    moderation.delete_comment(waiting[2].id, admin, expected_status="pending")
    pages["article-edited-with-reply"] = _get(app.test_client(), f"/articles/{article.slug}")
    # Threads: a reply three levels down, one below that (flat), one under a removed
    # comment; the form answering a comment, or refusing to; a reply refused when sent.
    thread = [edited]
    for depth in range(4):
        sent = moderation.submit_comment(
            article.id,
            author_name=f"Replier {depth}",
            author_email="replier@example.com",
            body="In the thread.",
            fingerprint=None,
            parent_id=thread[-1].id,
        )
        moderation.decide(sent.id, "approved", admin)
        thread.append(db.session.get(Comment, sent.id))
    moderation.decide(thread[2].id, "rejected", admin)
    threaded = app.test_client()
    pages["article-threads"] = _get(threaded, f"/articles/{article.slug}")
    pages["article-replying"] = _get(threaded, f"/articles/{article.slug}?reply_to={edited.id}")
    pages["article-reply-unknown"] = _get(threaded, f"/articles/{article.slug}?reply_to=x")
    refused_reply = threaded.post(
        f"/articles/{article.slug}",
        data={
            **form_fields(
                page(threaded.get(f"/articles/{article.slug}")).select_one("form.comment-form")
            ),
            "author_name": "Lee",
            "author_email": "lee@example.com",
            "body": "A reply to nothing.",
            "parent_id": str(thread[2].id),
        },
    )
    assert refused_reply.status_code == 422
    pages["article-reply-refused"] = refused_reply.get_data(as_text=True)
    pages["admin-dashboard-approved"] = _get(chief, "/dashboard/?status=approved")
    pages["admin-dashboard-spam"] = _get(chief, "/dashboard/?status=spam")
    pages["dashboard-history-of-an-edit"] = _get(chief, f"/dashboard/history?comment={edited.id}")
    pages["dashboard-history-with-deletion"] = _get(chief, "/dashboard/history")
    pages["dashboard-edit"] = _get(chief, f"/dashboard/comments/{edited.id}/edit")
    pages["dashboard-edit-errors"] = _refused(
        chief, f"/dashboard/comments/{edited.id}/edit", {"body": " "}, "main .row-edit form"
    )
    pages["dashboard-reply-errors"] = _refused(
        chief, f"/dashboard/comments/{edited.id}/reply", {"body": ""}, "main .row-reply form"
    )
    pages["dashboard-empty-spam"] = _get(chief, "/dashboard/spam/empty?days=30")
    pages["dashboard-empty-spam-errors"] = _get(chief, "/dashboard/spam/empty?days=0", 422)
    db.session.execute(
        sa.update(Comment)
        .where(Comment.id == held.id)
        .values(created_at=utcnow() - timedelta(days=40))
    )
    db.session.commit()
    pages["dashboard-empty-spam-confirm"] = _get(chief, "/dashboard/spam/empty?days=30")
    pages["admin-privacy"] = _get(chief, "/admin/privacy")
    pages["admin-privacy-errors"] = _refused(
        chief, "/admin/privacy", {"email": "not an address"}, "form.privacy-lookup"
    )
    found = submit_form(
        chief, "/admin/privacy", {"email": "dana@example.com"}, "form.privacy-lookup"
    )
    assert found.status_code == 200
    pages["admin-privacy-found"] = found.get_data(as_text=True)
    erase = form_fields(page(found).select_one("form.privacy-erase"))
    erase["mode"] = "anonymize"
    refused = chief.post("/admin/privacy/erase", data=erase)
    assert refused.status_code == 422
    pages["admin-privacy-erase-errors"] = refused.get_data(as_text=True)
    erased = chief.post("/admin/privacy/erase", data={**erase, "confirm": "y"})
    assert erased.status_code == 303
    pages["admin-privacy-erased"] = _get(chief, "/admin/privacy")
    pages["admin-privacy-erased-before"] = submit_form(
        chief, "/admin/privacy", {"email": "dana@example.com"}, "form.privacy-lookup"
    ).get_data(as_text=True)

    # The pages links in e-mail lead to: unsubscribing, and deciding from the digest.
    from newsroom.mail import links

    mailed = app.test_client()
    unsubscribe = f"/mail/unsubscribe/{links.unsubscribe_token(edited.id)}"
    db.session.execute(sa.update(Comment).where(Comment.id == edited.id).values(notify_author=True))
    db.session.commit()
    pages["mail-unsubscribe"] = _get(mailed, unsubscribe)
    stopped = mailed.post(unsubscribe)
    assert stopped.status_code == 200
    pages["mail-unsubscribed"] = stopped.get_data(as_text=True)
    waiting_still = make_comment(article, body="Decided from the digest <b>?</b>")
    decide = f"/mail/decide/{links.decision_token(moderator.id, waiting_still.id, 'rejected')}"
    pages["mail-decision"] = _get(mailed, decide)
    assert submit_form(mailed, decide, {}, "main form").status_code == 303
    pages["mail-decision-used"] = _get(mailed, decide)
    pages["mail-decision-refused"] = _get(mailed, "/mail/decide/not-a-link", 410)

    # A page known to be wrong proves the checker read the files, not that it read none.
    pages["known-bad"] = "<!doctype html><title>Known bad</title><p id=a><p id=a>"
    errors = _nu_errors(pages, tmp_path)
    assert any(e.startswith("known-bad:") for e in errors), errors
    errors = [e for e in errors if not e.startswith("known-bad:")]
    per_page = Counter(error.split(":", 1)[0] for error in errors)
    summary = ", ".join(f"{name} {count}" for name, count in sorted(per_page.items()))
    assert not errors, f"{len(errors)} HTML errors ({summary}):\n" + "\n".join(errors)
