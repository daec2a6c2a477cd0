"""Telling a CDN which pages changed (newsroom/purge.py), against a stand-in CDN on
127.0.0.1 that records what it is sent: the keys of each committed change, after the
commit, nothing for a change rolled back, nothing at all when it is off."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from newsroom import articles, create_app, moderation, purge, sections, site_settings
from newsroom.articles import ArticleFields
from newsroom.extensions import db
from tests.conftest import app_config, page


class StandInCDN(ThreadingHTTPServer):
    """Answers every POST with `status` and keeps what it was sent."""

    def __init__(self) -> None:
        self.received: list[tuple[dict, dict]] = []
        self.status = 200
        self.arrived = threading.Condition()
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/purge"

    def keys(self, at_least: int = 1, timeout: float = 5.0) -> list[list[str]]:
        """The keys of each purge received, once `at_least` have arrived."""
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.received) >= at_least, timeout)
        return [body["surrogate_keys"] for body, _ in self.received]


class _Handler(BaseHTTPRequestHandler):
    server: StandInCDN

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with self.server.arrived:
            self.server.received.append((body, dict(self.headers)))
            self.server.arrived.notify_all()
        self.send_response(self.server.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:  # quiet
        pass


@pytest.fixture
def cdn(app, monkeypatch):
    server = StandInCDN()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setitem(app.config, "PURGE_URL", server.url)
    monkeypatch.setitem(app.config, "PURGE_TOKEN", "s3cret")
    yield server
    server.shutdown()
    server.server_close()


def test_an_approval_purges_the_article_page(cdn, client, site, article, make_comment, moderator):
    comment = make_comment(article)
    moderation.decide(comment.id, "approved", moderator)

    [keys] = cdn.keys()
    assert keys == [f"article-{article.id}"]
    body, headers = cdn.received[0]
    assert headers["Surrogate-Key"] == f"article-{article.id}"
    assert headers["Authorization"] == "Bearer s3cret"
    assert headers["Content-Type"] == "application/json"
    # The keys match what the page names itself by.
    assert (
        f"article-{article.id}"
        in client.get(f"/articles/{article.slug}").headers["Surrogate-Key"].split()
    )


def test_a_pending_comment_purges_nothing(cdn, site, article, make_comment):
    """Nothing a reader sees changed: a new comment waits unseen."""
    moderation.submit_comment(
        article.id, author_name="A", author_email="a@example.com", body="Hi", fingerprint=None
    )
    time.sleep(0.3)
    assert cdn.received == []


def test_edits_purge_the_lists_and_the_page(cdn, site, section, article, admin):
    fields = ArticleFields(
        title="A New Title",
        slug=article.slug,
        section_id=section.id,
        summary="",
        body_markdown="Body.",
        status="published",
        published_at=article.published_at,
        comments_open=True,
        source_name="",
        source_url="",
    )
    articles.save_article(article, fields, admin)
    assert cdn.keys() == [["article-" + str(article.id), "listings"]]


def test_the_site_identity_and_sections_purge_everything(cdn, site, section):
    sections.update_section(section, "Clippings", section.slug, section.description)
    values = {name: getattr(site, name) for name in site_settings.SETTINGS_FIELDS}
    site_settings.save_settings({**values, "organization_name": "Renamed"})
    assert cdn.keys(2) == [["site"], ["site"]]


def test_a_change_rolled_back_purges_nothing(cdn, site, article, make_comment, moderator):
    comment = make_comment(article)
    purge.later(f"article-{article.id}")
    db.session.rollback()
    moderation.decide(comment.id, "rejected", moderator)  # moves no public page
    time.sleep(0.3)
    assert cdn.received == []


def test_a_failing_cdn_changes_nothing_for_the_moderator(
    cdn, site, article, make_comment, moderator, caplog
):
    cdn.status = 503
    comment = make_comment(article)
    decision = moderation.decide(comment.id, "approved", moderator)
    assert decision.comment.status == "approved"
    cdn.keys()
    for _ in range(50):  # the warning is written just after the answer arrives
        if "purge of" in caplog.text:
            break
        time.sleep(0.05)
    assert f"purge of article-{article.id}" in caplog.text and "503" in caplog.text


def test_an_unreachable_cdn_is_logged_not_raised(caplog):
    assert purge.send(["site"], "http://127.0.0.1:9/purge", "", 0.5) is False
    assert "purge of site" in caplog.text


def test_off_by_default(app, client, site, article, make_comment, moderator, monkeypatch):
    assert app.config["PURGE_URL"] == ""
    sent = []
    monkeypatch.setattr(purge, "send", lambda *args: sent.append(args))
    comment = make_comment(article)
    moderation.decide(comment.id, "approved", moderator)
    time.sleep(0.2)
    assert sent == []
    assert page(client.get(f"/articles/{article.slug}")).select_one(".comment")


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://cdn.example/purge", "cdn.example"])
def test_only_web_addresses_are_accepted(database_url, url):
    with pytest.raises(ValueError, match="PURGE_URL"):
        create_app(app_config(database_url) | {"PURGE_URL": url})
