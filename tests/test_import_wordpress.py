"""`flask import-wordpress FILE` (newsroom/imports): a hand-written WordPress 6 export
(tests/data/wordpress.xml) with every kind of post, status and comment the import knows,
hostile and malformed files, and running it twice."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from newsroom import moderation, search
from newsroom.extensions import db
from newsroom.imports import wordpress
from newsroom.models import (
    Article,
    ArticleRedirect,
    Comment,
    Commenter,
    Section,
    SiteSettings,
)
from tests.conftest import page, text_of

DATA = Path(__file__).parent / "data"
WXR = DATA / "wordpress.xml"


@pytest.fixture
def eastern_site(site) -> SiteSettings:
    """The site's clock is New York's: WordPress's local dates are read on it."""
    site.timezone = "America/New_York"
    db.session.commit()
    return site


def _import(runner, *args: str, file: Path = WXR):
    return runner.invoke(args=["import-wordpress", str(file), *args])


def _articles() -> dict[str, Article]:
    imported = sa.select(Article).where(Article.source_key.is_not(None))
    return {a.source_key.rsplit(":", 1)[1]: a for a in db.session.scalars(imported)}


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _refused(result, *phrases: str) -> None:
    """Exit status 1, the reason said plainly, no traceback."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    for phrase in phrases:
        assert phrase in result.output, result.output


def test_posts_become_articles_with_their_fields(app, runner, eastern_site):
    result = _import(runner)

    assert result.exit_code == 0, result.output
    posts = _articles()
    # Posts 12, 20, 30, 40 and 70; the page, the attachment, the trashed post and the post
    # with nonsense dates are not articles.
    assert sorted(posts, key=int) == ["12", "20", "30", "40", "70"]

    hello = posts["12"]
    assert hello.title == "Hello, Lake & Shore"
    assert hello.slug == "hello-lake"
    assert hello.status == "published"
    assert hello.published_at == datetime(2013, 3, 2, 14, 5, 9, tzinfo=UTC)
    assert hello.updated_at == datetime(2013, 3, 3, 15, 0, tzinfo=UTC)
    assert hello.byline == "Mara Olsen"
    assert hello.summary == "The ice went out early this year."
    # Two categories, Yoast's primary one wins.
    assert hello.section.slug == "press-releases"
    assert hello.section.name == "Press Releases"
    assert hello.comments_open

    scheduled = posts["20"]
    assert scheduled.status == "published"
    assert scheduled.published_at == datetime(2099, 6, 1, 12, 0, tzinfo=UTC)
    assert not scheduled.is_public()
    assert scheduled.byline == "T. J. Brook"
    assert scheduled.section.name == "Events & Outings"

    draft = posts["30"]
    assert draft.status == "draft" and draft.published_at is None
    # No GMT date: 09:00 on the site's clock (New York, winter) is 14:00 UTC.
    assert draft.created_at == datetime(2024, 1, 10, 14, 0, tzinfo=UTC)
    assert draft.slug == "notes-for-the-winter-sampling"  # no slug: from the title
    assert draft.section.slug == "uncategorized"
    # The classic editor's line break and paragraphs.
    assert "<p>Bring the auger.<br>\nAnd warm gloves.</p>\n<p>Meet at the dock.</p>" in (
        draft.body_html
    )

    summer = posts["40"]
    assert summer.slug == "ete-au-lac"
    assert summer.byline is None  # an author the export does not list
    assert not summer.comments_open
    assert summer.section.slug == "lake-news"

    sections = db.session.scalars(sa.select(Section.slug).order_by(Section.position)).all()
    assert set(sections) == {"press-releases", "events", "uncategorized", "lake-news"}


def test_bodies_become_markdown_and_only_safe_html(app, runner, site):
    _import(runner)
    posts = _articles()
    hello = posts["12"]

    markdown = hello.body_markdown
    assert "wp:paragraph" not in markdown and "<!--" not in markdown
    assert "The ice went out on **Tuesday**" in markdown
    assert "[the report](https://lake.example.org/report)" in markdown
    assert "## What we measured" in markdown
    assert "- Clarity: 4.2 m\n- Temperature: 3 °C" in markdown
    assert "> Best spring in ten years." in markdown
    # Markdown has no caption or table: kept as HTML, cut to what the site allows.
    assert "<figcaption>Open water at the north bay</figcaption>" in markdown
    assert "<table><thead><tr><th>Year</th>" in markdown
    for unsafe in ("<script", "onclick", "javascript:", "class="):
        assert unsafe not in markdown
        assert unsafe not in hello.body_html

    body = page_of_html(hello.body_html)
    assert text_of(body.select_one("h2")) == "What we measured"
    assert text_of(body.select_one("figure figcaption")) == "Open water at the north bay"
    assert body.select_one("figure img")["src"].endswith("/uploads/ice.jpg")
    assert [text_of(li) for li in body.select("ul li")] == ["Clarity: 4.2 m", "Temperature: 3 °C"]

    # A [caption] shortcode becomes a figure; [gallery] leaves nothing behind.
    summer = page_of_html(posts["40"].body_html)
    assert text_of(summer.select_one("figcaption")) == "The beach on opening day"
    assert summer.select_one("figure a img")["alt"] == "The beach"
    assert "[gallery" not in posts["40"].body_markdown


def page_of_html(html: str):
    from bs4 import BeautifulSoup

    return BeautifulSoup(html, "html.parser")


def test_the_article_page_shows_the_import_as_readers_see_it(app, runner, client, site):
    _import(runner)

    html = page(client.get("/articles/hello-lake"))

    assert text_of(html.select_one("h1")) == "Hello, Lake & Shore"
    assert text_of(html.select_one(".byline")) == "By Mara Olsen"
    assert text_of(html.select_one(".kicker")) == "Press Releases"
    shown = [text_of(a) for a in html.select("#comments .comment-meta b")]
    # Approved comments only: not the one waiting, the spam, the trashed.
    assert shown == ["Ines Harper", "Otto Reyes"]
    ines = html.select(".comment")[0]
    body = " ".join(ines.select_one(":scope > div").get_text().split())
    assert (
        body == "Great news for the loons. See the count (https://loons.example.org/count) & smile."
    )
    assert ines.select_one("a[href='https://loons.example.org/count']") is not None


def test_comments_keep_author_date_status_and_thread(app, runner, site):
    result = _import(runner)
    assert result.exit_code == 0, result.output

    comments = {c.source_key.rsplit(":c", 1)[1]: c for c in db.session.scalars(sa.select(Comment))}
    # The pingback, the trackback, the undatable comment and the one on a trashed post
    # stay out.
    assert sorted(comments) == ["101", "102", "103", "104", "105"]
    assert {k: c.status for k, c in comments.items()} == {
        "101": "approved",
        "102": "pending",
        "103": "approved",
        "104": "spam",
        "105": "rejected",
    }
    ines = comments["101"]
    assert ines.author_name == "Ines Harper"
    assert ines.author_email == "Ines@Example.com"
    assert ines.created_at == datetime(2013, 3, 2, 15, 0, tzinfo=UTC)
    assert ines.body.startswith("Great news for the loons.\n\nSee the count")
    # The address only as this site's fingerprint of it.
    assert ines.client_fingerprint == moderation.client_fingerprint(
        "203.0.113.7", "test-secret-key"
    )
    assert comments["102"].parent_id == ines.id
    # Written before its parent in the file, still its reply.
    assert comments["103"].parent_id == comments["102"].id
    assert comments["102"].held_reasons
    assert comments["102"].client_fingerprint is None

    # The counters are as if each comment had been decided here.
    assert moderation.tally() == {"pending": 1, "approved": 2, "rejected": 1, "spam": 1}
    assert _articles()["12"].approved_comment_count == 2
    commenter = db.session.scalar(sa.select(Commenter).where(Commenter.email == "ines@example.com"))
    assert commenter.approved_count == 1
    assert ines.commenter_id == commenter.id
    spammer = db.session.scalar(sa.select(Commenter).where(Commenter.email == "pills@spam.example"))
    assert spammer.spam_count == 1


def test_the_summary_says_what_was_skipped_and_why(app, runner, site):
    result = _import(runner)

    output = result.output
    assert "Imported from WordPress: 5 articles, 5 comments, 13 old addresses, 4 sections." in (
        output
    )
    assert "Skipped comments (1): pingbacks are not comments" in output
    assert "Skipped comments (1): trackbacks are not comments" in output
    assert "Skipped comments (1): no date between 1900 and 2200 (e.g. comment 108" in output
    assert "Skipped comments (1): on a post that was skipped (e.g. post 50)" in output
    assert "Skipped posts (1): in WordPress's trash" in output
    assert "Skipped posts (1): its date '2013-13-45 99:00:00' is not a date" in output
    assert "Skipped items of type page (1): pages are imported with --pages" in output
    assert "Skipped items of type attachment (1): not an article" in output


def test_old_wordpress_addresses_answer_301_to_the_article(app, runner, client, site):
    _import(runner)

    for old in ("/?p=12", "/2013/03/02/hello-lake/", "/2013/03/hello-lake/"):
        response = client.get(old)
        assert response.status_code == 301, old
        assert response.headers["Location"] == "/articles/hello-lake"
    # A non-ASCII slug, as a browser sends it.
    moved = client.get("/2014/07/05/%C3%A9t%C3%A9-au-lac/")
    assert moved.status_code == 301
    assert moved.headers["Location"] == "/articles/ete-au-lac"
    followed = client.get("/2014/07/05/%C3%A9t%C3%A9-au-lac/", follow_redirects=True)
    assert text_of(page(followed).select_one("h1")) == "Été au lac"

    # Not yet public (scheduled, draft), unknown, or not a number: no such page.
    for missing in (
        "/?p=20",
        "/?p=30",
        "/?p=999",
        "/?p=abc",
        "/?p=99999999999999999999",
        "/2013/03/02/no-such-post/",
        "/2013/03/01/hello-lake/",
    ):
        assert client.get(missing).status_code == 404, missing
    # The home page itself is still the home page.
    assert client.get("/").status_code == 200


def test_pages_come_when_asked_and_a_taken_slug_gets_another(
    app, runner, client, site, make_article
):
    make_article("Our own hello", slug="hello-lake")

    result = _import(runner, "--pages")

    assert result.exit_code == 0, result.output
    posts = _articles()
    assert posts["12"].slug == "hello-lake-2"
    assert client.get("/?p=12").headers["Location"] == "/articles/hello-lake-2"
    about = posts["2"]
    assert about.section.slug == "pages"
    assert client.get("/?page_id=2").headers["Location"] == f"/articles/{about.slug}"


def test_running_it_again_adds_nothing(app, runner, site):
    first = _import(runner)
    assert first.exit_code == 0, first.output
    counts = {model: _count(model) for model in (Article, Comment, Section, ArticleRedirect)}

    again = _import(runner)

    assert again.exit_code == 0, again.output
    assert "Imported from WordPress: nothing new." in again.output
    assert "Already here from an earlier import: 5 articles, 5 comments." in again.output
    assert {model: _count(model) for model in counts} == counts
    assert moderation.tally() == {"pending": 1, "approved": 2, "rejected": 1, "spam": 1}

    # A later run with the pages adds just them.
    pages = _import(runner, "--pages")
    assert "Imported from WordPress: 1 articles, 1 old addresses, 1 sections." in pages.output
    assert _count(Article) == counts[Article] + 1


def test_readers_find_the_imported_posts_by_search_at_once(app, runner, client, site):
    assert _import(runner).exit_code == 0

    found = page(client.get("/search", query_string={"q": "ice went out"}))
    assert [text_of(h) for h in found.select(".search-results h2")] == ["Hello, Lake & Shore"]
    # Every post is indexed, the draft and the scheduled one too, and found by no reader.
    assert db.session.scalar(sa.text("SELECT count(*) FROM article_search")) == 5
    assert search.search_articles("auger").hits == []
    # A second run indexes nothing twice.
    assert _import(runner, "--pages").exit_code == 0
    assert db.session.scalar(sa.text("SELECT count(*) FROM article_search")) == 6


def test_cached_pages_show_the_import_at_once(app, runner, client, site, make_article):
    make_article("An article written here")
    before = page(client.get("/"))
    assert "Shoreline survey" not in before.get_text()

    _import(runner)

    after = page(client.get("/"))
    titles = [text_of(a) for a in after.select("main h2 a, main h3 a")]
    assert "Shoreline survey" in titles, titles


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rss [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><wp:wxr_version>1.2</wp:wxr_version>
<item><title>&lol4;</title><wp:post_id>1</wp:post_id><wp:status>publish</wp:status>
<wp:post_type>post</wp:post_type><wp:post_date_gmt>2020-01-01 00:00:00</wp:post_date_gmt></item>
</channel></rss>
"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><wp:wxr_version>1.2</wp:wxr_version>
<item><title>&secret;</title><wp:post_id>1</wp:post_id><wp:status>publish</wp:status>
<wp:post_type>post</wp:post_type><wp:post_date_gmt>2020-01-01 00:00:00</wp:post_date_gmt></item>
</channel></rss>
"""


@pytest.mark.parametrize("hostile", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["laughs", "external"])
def test_hostile_files_are_refused_unread(app, runner, site, tmp_path, hostile):
    file = tmp_path / "hostile.xml"
    file.write_text(hostile)

    result = _import(runner, file=file)

    _refused(result, "declares a DTD", "neither expanded nor fetched", "Nothing was imported")
    assert "root:" not in result.output  # nothing of /etc/passwd
    assert _count(Article) == 0 and _count(Section) == 0


def _broken_after_good_posts(tmp_path: Path, breakage: str) -> Path:
    """The test export's channel and posts, then something that is not well-formed."""
    text = WXR.read_text()
    cut = text.index("\t<item>\n\t\t<title><![CDATA[About us]]>")
    file = tmp_path / "broken.xml"
    file.write_text(text[:cut] + breakage + "\n</channel>\n</rss>\n")
    return file


@pytest.mark.parametrize(
    ("breakage", "reason"),
    [
        ("\t<item><title>Unclosed</item>", "mismatched tag"),
        ("\t<item><title>A NUL \x00 byte</title></item>", "not well-formed (invalid token)"),
        ("\t<item><title>A NUL &#0; reference</title></item>", "reference to invalid character"),
    ],
    ids=["mismatched", "nul-byte", "nul-reference"],
)
def test_a_malformed_file_stops_with_the_line_and_changes_nothing(
    app, runner, site, tmp_path, monkeypatch, breakage, reason
):
    # Small batches: good posts are written before the error is reached.
    monkeypatch.setattr(wordpress, "BATCH_POSTS", 1)
    file = _broken_after_good_posts(tmp_path, breakage)
    line = file.read_text().count("\n", 0, file.read_text().index(breakage)) + 1

    result = _import(runner, file=file)

    _refused(result, f"line {line}, column", reason, "Nothing was imported")
    for model in (Article, Comment, Section, ArticleRedirect, Commenter):
        assert _count(model) == 0, model
    assert moderation.tally() == {"pending": 0, "approved": 0, "rejected": 0, "spam": 0}


@pytest.mark.parametrize(
    ("content", "phrase"),
    [
        (DATA / "disqus.xml", "is not a WordPress export: it starts with <disqus>"),
        ("", "line 1, column 1"),
        ("not xml at all", "line 1, column 1"),
        ("<rss><channel><item><title>x</title></item></channel></rss>", "no <wp:wxr_version>"),
    ],
    ids=["disqus", "empty", "text", "rss"],
)
def test_files_that_are_not_wordpress_exports_are_refused(
    app, runner, site, tmp_path, content, phrase
):
    if isinstance(content, Path):
        file = content
    else:
        file = tmp_path / "other.xml"
        file.write_text(content)

    _refused(_import(runner, file=file), phrase)
    assert _count(Article) == 0


def test_a_missing_file_is_named(app, runner, tmp_path):
    result = _import(runner, file=tmp_path / "nowhere.xml")

    assert result.exit_code == 2
    assert "does not exist" in result.output
