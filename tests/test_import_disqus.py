"""`flask import-disqus FILE` (newsroom/imports/disqus.py): a hand-written Disqus export
(tests/data/disqus.xml) onto articles imported from WordPress and one written here."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from newsroom import moderation
from newsroom.extensions import db
from newsroom.models import Comment, Commenter
from tests.conftest import page

DATA = Path(__file__).parent / "data"


@pytest.fixture
def imported(app, runner, site, article):
    """The WordPress export's articles, and the `article` fixture written here."""
    result = runner.invoke(args=["import-wordpress", str(DATA / "wordpress.xml")])
    assert result.exit_code == 0, result.output
    return article


def _disqus(runner, file: Path = DATA / "disqus.xml"):
    return runner.invoke(args=["import-disqus", str(file)])


def _from_disqus() -> dict[str, Comment]:
    found = sa.select(Comment).where(Comment.source_key.startswith("disqus:"))
    return {c.source_key.split(":")[1]: c for c in db.session.scalars(found)}


def test_posts_land_on_the_articles_their_threads_match(app, runner, imported):
    result = _disqus(runner)

    assert result.exit_code == 0, result.output
    comments = _from_disqus()
    assert sorted(comments) == ["5001", "5002", "5003", "5004", "5005", "5006", "5007"]
    slugs = {key: comment.article.slug for key, comment in comments.items()}
    # By link: the old dated address the WordPress import keeps; and this site's own.
    assert slugs["5001"] == "hello-lake"
    assert slugs["5007"] == imported.slug
    # By identifier (the WordPress plugin's "70 https://old.example.org/?p=70"): its link
    # is a preview address nothing answers at.
    assert slugs["5004"] == "shoreline-survey"

    wren = comments["5001"]
    assert wren.author_name == "Wren Alder"
    assert wren.author_email == "wren@example.com"
    assert wren.created_at == datetime(2013, 3, 5, 8, 30, tzinfo=UTC)
    assert wren.body == (
        "Saw three loons this morning.\n\nSecond paragraph with a link (https://birds.example.org)."
    )
    assert wren.client_fingerprint == moderation.client_fingerprint(
        "203.0.113.50", "test-secret-key"
    )
    # No e-mail from Disqus for an anonymous guest: none here either.
    assert comments["5002"].author_email == ""
    assert comments["5002"].author_name == "Sam"
    # Threads kept, whatever the order in the file.
    assert comments["5002"].parent_id == wren.id
    assert comments["5003"].parent_id == comments["5002"].id

    assert {key: c.status for key, c in comments.items()} == {
        "5001": "approved",
        "5002": "approved",
        "5003": "approved",
        "5004": "spam",
        "5005": "rejected",  # deleted in Disqus
        "5006": "pending",  # still waiting for approval there
        "5007": "approved",
    }


def test_the_summary_names_what_matched_nothing(app, runner, imported):
    output = _disqus(runner).output

    assert "Imported from Disqus: 7 comments." in output
    assert "Matched to articles here: 3 threads." in output
    assert (
        "Skipped threads (1): matched to no article, by link or identifier "
        "(e.g. https://old.example.org/2010/01/01/a-post-nobody-kept/)"
    ) in output
    assert "Skipped comments (1): their thread matched no article (e.g. post 5008)" in output
    assert "Skipped comments (1): their thread is not in the file (e.g. post 5010)" in output
    assert "Skipped comments (1): no date between 1900 and 2200 (e.g. post 5009)" in output


def test_counters_and_pages_follow(app, runner, client, imported):
    _disqus(runner)

    # Two approved from WordPress and four from Disqus; one of each other status from each.
    assert moderation.tally() == {"pending": 2, "approved": 6, "rejected": 2, "spam": 2}
    wren = db.session.scalar(sa.select(Commenter).where(Commenter.email == "wren@example.com"))
    assert wren.approved_count == 1
    html = page(client.get("/articles/hello-lake"))
    authors = [a.get_text(strip=True) for a in html.select("#comments .comment-meta b")]
    assert authors == ["Ines Harper", "Otto Reyes", "Wren Alder", "Sam", "Guest Reader"]
    # The thread as it was: Sam answered Wren, and the guest answered Sam.

    def answered(name: str) -> str | None:
        item = next(
            li
            for li in html.select("li.comment")
            if li.select_one(".comment-meta b").get_text(strip=True) == name
        )
        parent = item.find_parent("li", class_="comment")
        return parent.select_one(".comment-meta b").get_text(strip=True) if parent else None

    assert answered("Sam") == "Wren Alder" and answered("Guest Reader") == "Sam"
    assert answered("Wren Alder") is None


def test_running_it_again_adds_nothing(app, runner, imported):
    _disqus(runner)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Comment))

    again = _disqus(runner)

    assert again.exit_code == 0, again.output
    assert "Imported from Disqus: nothing new." in again.output
    assert "Already here from an earlier import: 7 comments." in again.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == total


def test_a_wordpress_file_is_not_a_disqus_export(app, runner, site):
    result = _disqus(runner, DATA / "wordpress.xml")

    assert result.exit_code == 1
    assert "is not a Disqus export: it starts with <rss>" in result.output
    assert "Traceback" not in result.output


def test_a_malformed_export_changes_nothing(app, runner, imported, tmp_path, monkeypatch):
    from newsroom.imports import disqus

    monkeypatch.setattr(disqus, "BATCH_COMMENTS", 1)
    text = (DATA / "disqus.xml").read_text()
    file = tmp_path / "broken.xml"
    file.write_text(text.replace("</disqus>", "<post dsq:id='1'><message>cut off"))
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Comment))

    result = _disqus(runner, file)

    assert result.exit_code == 1
    assert "not well-formed XML" in result.output and "Nothing was imported" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == before
