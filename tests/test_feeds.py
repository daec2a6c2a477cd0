"""What programs read: Atom feeds (parsed by feedparser), the sitemap and robots.txt (by an
XML parser), canonical links, OpenGraph and the article's NewsArticle JSON-LD."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET  # nosec B405 # our own output, parsed in a test
from datetime import timedelta

import feedparser
import pytest

from newsroom.extensions import db
from newsroom.models import ArticleStatus, Section, utcnow
from tests.conftest import page

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def _feed(client, url: str):
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    assert response.headers["Cache-Control"].startswith("public")
    parsed = feedparser.parse(response.get_data())
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def test_site_and_section_feeds(client, site, section, make_article):
    other = Section(name="Press Releases", slug="press-releases", position=1)
    db.session.add(other)
    db.session.commit()
    make_article("Older & wiser <news>", published_at=utcnow() - timedelta(days=3))
    make_article("Release", section=other, published_at=utcnow() - timedelta(days=1))
    make_article("Draft", status=ArticleStatus.DRAFT)

    feed = _feed(client, "/feed.atom")
    assert feed.feed.title == "Riverside Tenants Union"
    assert [e.title for e in feed.entries] == ["Release", "Older & wiser <news>"]
    assert (
        feed.entries[0].link
        == "http://localhost/articles/" + feed.entries[0].link.rsplit("/", 1)[1]
    )
    assert feed.entries[1].tags[0].label == "In the News"

    section_feed = _feed(client, "/sections/press-releases/feed.atom")
    assert [e.title for e in section_feed.entries] == ["Release"]
    assert client.get("/sections/nowhere/feed.atom").status_code == 404


def test_an_articles_comment_feed_holds_its_approved_comments_as_text(
    client, site, article, make_comment
):
    make_comment(article, "approved", author_name="Kim", body="<b>Bold</b> claim & more")
    make_comment(article, "pending", body="Not yet.")
    make_comment(article, "rejected", body="Never.")

    feed = _feed(client, f"/articles/{article.slug}/comments.atom")

    assert [e.author for e in feed.entries] == ["Kim"]
    assert feed.entries[0].content[0].type == "text/plain"
    assert feed.entries[0].content[0].value == "<b>Bold</b> claim & more"
    assert client.get("/articles/nothing/comments.atom").status_code == 404


def test_pages_point_to_their_feeds(client, site, section, article):
    def feeds(url: str) -> list[str]:
        html = page(client.get(url))
        return [
            link["href"] for link in html.select('link[rel=alternate][type="application/atom+xml"]')
        ]

    assert feeds("/") == ["/feed.atom"]
    assert feeds(f"/sections/{section.slug}/") == [
        "/feed.atom",
        f"/sections/{section.slug}/feed.atom",
    ]
    assert feeds(f"/articles/{article.slug}") == [
        "/feed.atom",
        f"/articles/{article.slug}/comments.atom",
    ]


def test_sitemap_lists_sections_and_public_articles_with_lastmod(
    client, site, section, make_article
):
    public = make_article("Public one", slug="public-one")
    make_article("Hidden", slug="hidden", status=ArticleStatus.DRAFT)

    response = client.get("/sitemap.xml")
    assert response.mimetype == "application/xml"
    root = ET.fromstring(response.get_data())  # nosec B314
    assert root.tag == f"{SITEMAP}urlset"
    urls = {u.findtext(f"{SITEMAP}loc"): u.findtext(f"{SITEMAP}lastmod") for u in root}
    assert set(urls) == {
        "http://localhost/",
        f"http://localhost/sections/{section.slug}/",
        "http://localhost/articles/public-one",
    }
    assert urls["http://localhost/articles/public-one"] == max(
        public.updated_at, public.published_at
    ).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_large_sitemap_is_split_behind_an_index(client, site, section, make_article, app):
    app.config["SITEMAP_URLS_MAX"] = 3
    for n in range(5):
        make_article(f"Story {n}", slug=f"story-{n}")
    # 7 addresses: the home page, a section and 5 articles.

    index = ET.fromstring(client.get("/sitemap.xml").get_data())  # nosec B314
    assert index.tag == f"{SITEMAP}sitemapindex"
    parts = [s.findtext(f"{SITEMAP}loc") for s in index]
    assert parts == [f"http://localhost/sitemaps/{n}.xml" for n in (1, 2, 3)]
    found = []
    for part in parts:
        root = ET.fromstring(client.get(part.removeprefix("http://localhost")).get_data())  # nosec B314
        assert root.tag == f"{SITEMAP}urlset" and len(root) <= 3
        found += [u.findtext(f"{SITEMAP}loc") for u in root]
    assert len(found) == len(set(found)) == 7
    assert client.get("/sitemaps/4.xml").status_code == 404


def test_robots_names_the_sitemap(client, site):
    response = client.get("/robots.txt")
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert "Sitemap: http://localhost/sitemap.xml" in text
    assert "Disallow: /admin/" in text and "Disallow: /search" in text


def test_site_url_setting_names_the_address(client, site, article, app):
    app.config["SITE_URL"] = "https://news.example.org/"
    html = page(client.get(f"/articles/{article.slug}"))
    assert html.select_one("link[rel=canonical]")["href"] == (
        f"https://news.example.org/articles/{article.slug}"
    )


def test_article_metadata_and_json_ld(client, site, make_article):
    article = make_article(
        "Rent </script><script>alert(1)</script> freeze",
        slug="rent-freeze",
        summary="The council votes on a freeze.",
    )
    html = page(client.get("/articles/rent-freeze"))

    assert html.select_one("link[rel=canonical]")["href"] == "http://localhost/articles/rent-freeze"
    og = {m["property"]: m["content"] for m in html.select("meta[property]")}
    assert og["og:title"] == article.title
    assert og["og:url"] == "http://localhost/articles/rent-freeze"
    assert og["og:type"] == "article"
    assert html.select_one("meta[name='twitter:card']")["content"] == "summary"

    scripts = html.select('script[type="application/ld+json"]')
    assert len(scripts) == 1
    raw = scripts[0].string
    assert "</" not in raw
    data = json.loads(raw)
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == article.title
    assert data["datePublished"] == article.published_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert data["dateModified"]
    assert data["articleSection"] == "In the News"
    assert data["publisher"]["name"] == "Riverside Tenants Union"


@pytest.mark.parametrize(
    "url", ["/feed.atom", "/sitemap.xml", "/robots.txt", "/sections/in-the-news/feed.atom"]
)
def test_program_pages_are_shared_and_revalidated(client, site, section, article, url):
    first = client.get(url)
    assert "Set-Cookie" not in first.headers
    assert first.headers["Surrogate-Key"].startswith("site")
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
