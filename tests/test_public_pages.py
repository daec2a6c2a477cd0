"""What a reader sees on the home page, section pages and article pages."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from newsroom import create_app
from newsroom.extensions import db
from newsroom.models import ArticleStatus, Comment, Section, utcnow
from tests.conftest import app_config, form_fields, page, submit_form, text_of


def test_home_lists_latest_articles_across_sections(client, site, make_article, section, app):
    from newsroom.extensions import db

    releases = Section(name="Press Releases", slug="press-releases", position=1)
    db.session.add(releases)
    db.session.commit()
    older = make_article("Older Clipping", published_at=utcnow() - timedelta(days=9))
    newer = make_article(
        "Newer Release", section=releases, published_at=utcnow() - timedelta(hours=2)
    )

    html = page(client.get("/"))

    cards = html.select(".article-card")
    assert [text_of(c.select_one("h2")) for c in cards] == [newer.title, older.title]
    first = cards[0]
    assert text_of(first.select_one(".kicker")) == "Press Releases"
    assert first.select_one("a")["href"] == "/sections/press-releases/"
    assert text_of(first.select_one(".summary")) == newer.summary
    # Machine-readable, to the second: HTML allows no more than milliseconds.
    stamp = first.select_one("time")["datetime"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamp)
    assert datetime.fromisoformat(stamp) == newer.published_at.replace(microsecond=0)
    nav = [text_of(a) for a in html.select("nav.site-nav a")]
    assert nav == ["Latest", "In the News", "Press Releases"]


def test_identity_block_and_footer_on_every_public_page(client, site, article):
    for url in ("/", "/sections/in-the-news/", f"/articles/{article.slug}"):
        html = page(client.get(url))
        header = text_of(html.select_one(".site-header"))
        for part in (
            "Riverside Tenants Union",
            "Fair homes for every neighbor",
            "desk@riverside.example",
            "12 Mill Road, Suite 4, Riverside",
            "T +1 555.0100",
            "F +1 555.0101",
        ):
            assert part in header, (url, part)
        assert (
            text_of(html.select_one("footer p"))
            == f"© {datetime.now().year} Riverside Tenants Union"
        )
        # The whole address stands in the footer too: a phone's header folds it away.
        assert text_of(html.select_one("footer .footer-contact")) == (
            "12 Mill Road, Suite 4, Riverside T +1 555.0100 F +1 555.0101"
        )


def test_home_is_paginated(client, site, make_article, app):
    app.config["ARTICLES_PER_PAGE"] = 3
    for _ in range(7):
        make_article()

    first = page(client.get("/"))
    third = page(client.get("/?page=3"))

    assert len(first.select(".article-card")) == 3
    assert text_of(first.select_one(".pagination span")) == "Page 1 of 3"
    assert first.select_one("a[rel=next]")["href"] == "/?page=2"
    assert len(third.select(".article-card")) == 1
    assert third.select_one("a[rel=next]") is None
    assert client.get("/?page=4").status_code == 404
    assert client.get("/?page=0").status_code == 404
    assert client.get("/?page=x").status_code == 404


def test_section_page_lists_only_its_articles_newest_first(
    client, site, make_article, section, app
):
    from newsroom.extensions import db

    other = Section(name="Press Releases", slug="press-releases", position=1)
    db.session.add(other)
    db.session.commit()
    a = make_article("Second", published_at=utcnow() - timedelta(days=2))
    b = make_article("First", published_at=utcnow() - timedelta(days=1))
    make_article("Elsewhere", section=other)

    response = client.get("/sections/in-the-news/")
    html = page(response)

    assert text_of(html.select_one("h1")) == "In the News"
    assert [text_of(c.select_one("h2")) for c in html.select(".article-card")] == [b.title, a.title]
    assert (
        html.select_one('nav.site-nav a[aria-current="page"]')["href"] == "/sections/in-the-news/"
    )


@pytest.mark.parametrize(
    "url", ["/sections/nope/", "/sections/in-the-news/?page=2", "/no-such-page"]
)
def test_unknown_pages_get_the_sites_404_page(client, site, section, url):
    response = client.get(url)
    html = page(response)
    assert response.status_code == 404
    assert text_of(html.select_one("h1")) == "Page not found"
    assert "Riverside Tenants Union" in text_of(html.select_one(".site-header"))


def test_article_page_mirrors_the_seed_structure(client, site, make_article):
    article = make_article(
        "Tenants Win Repair Fund",
        body='The council agreed.\n\n> "This is a start," said Lee Park.\n\n**Next** steps follow.',
        published_at=datetime.fromisoformat("2013-03-02T12:00:00+00:00"),
        source_name="Riverside Herald",
        source_url="https://herald.example/fund",
    )

    html = page(client.get(f"/articles/{article.slug}"))

    assert text_of(html.select_one("h1")) == "Tenants Win Repair Fund"
    assert text_of(html.select_one(".article .kicker")) == "In the News"
    assert text_of(html.select_one(".article time")) == "March 02, 2013"
    prose = html.select_one(".prose")
    assert text_of(prose.select_one("blockquote")) == '"This is a start," said Lee Park.'
    assert text_of(prose.select_one("strong")) == "Next"
    source = html.select_one(".source a")
    assert (text_of(source), source["href"]) == ("Riverside Herald", "https://herald.example/fund")
    read_more = html.select_one(".read-more a")
    assert text_of(read_more) == "« Read More In The News"
    assert read_more["href"] == "/sections/in-the-news/"
    assert text_of(html.select_one("#add-comment")) == "Add a Comment"
    assert "Your comment will show once it has been approved." in text_of(
        html.select_one("form.comment-form")
    )
    assert "Be kind. Stay on topic." in text_of(html.select_one(".policy"))
    assert html.title.get_text() == "Tenants Win Repair Fund · Riverside Tenants Union"


def test_article_shows_approved_comments_with_count_and_never_emails(
    client, site, article, make_comment
):
    make_comment(
        article,
        "approved",
        author_name="Sam",
        author_email="sam@private.example",
        body="First paragraph.\n\nSecond paragraph.",
    )
    make_comment(article, "approved", author_name="Kim", body="Agreed.")
    make_comment(article, "pending", author_name="Pending Pat")
    make_comment(article, "rejected", author_name="Rejected Rob")
    make_comment(article, "spam", author_name="Spam Sid")

    response = client.get(f"/articles/{article.slug}")
    html = page(response)

    assert text_of(html.select_one("#comments-heading")) == "2 Comments"
    comments = html.select(".comment")
    assert [text_of(c.select_one(".comment-meta b")) for c in comments] == ["Sam", "Kim"]
    assert [text_of(p) for p in comments[0].select(":scope > div p")] == [
        "First paragraph.",
        "Second paragraph.",
    ]
    body = response.get_data(as_text=True)
    for hidden in (
        "sam@private.example",
        "dana@example.com",
        "Pending Pat",
        "Rejected Rob",
        "Spam Sid",
    ):
        assert hidden not in body


@pytest.mark.parametrize(
    "fields",
    [
        {"status": ArticleStatus.DRAFT},
        {"published_at": utcnow() + timedelta(hours=1)},
    ],
    ids=["draft", "scheduled"],
)
def test_drafts_and_scheduled_articles_are_hidden(client, site, article, make_article, fields):
    hidden = make_article("Not Yet", slug="not-yet", **fields)

    assert client.get("/articles/not-yet").status_code == 404
    assert hidden.title not in client.get("/").get_data(as_text=True)
    assert hidden.title not in client.get("/sections/in-the-news/").get_data(as_text=True)
    # A whole, valid comment (the form and token of a public article), sent to the hidden one.
    form = page(client.get(f"/articles/{article.slug}")).select_one("form.comment-form")
    fields = form_fields(form)
    fields.update(author_name="Dana Reader", author_email="dana@example.com", body="Early!")
    assert client.post("/articles/not-yet/comments", data=fields).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 0


def test_article_markdown_cannot_carry_script(client, site, make_article):
    article = make_article(
        body='<script>alert(1)</script>\n\n<img src=x onerror="alert(2)">\n\n'
        "[click](javascript:alert(3)) [data](data:text/html;base64,PHNjcmlwdD4=)\n\n"
        '<a href="https://elsewhere.example" onclick="alert(4)">out</a>'
    )

    html = page(client.get(f"/articles/{article.slug}"))
    prose = html.select_one(".prose")

    assert prose.find("script") is None
    assert all(not attr.startswith("on") for tag in prose.find_all(True) for attr in tag.attrs)
    hrefs = [a.get("href") for a in prose.find_all("a")]
    assert not any(h and h.startswith(("javascript:", "data:")) for h in hrefs)
    out = prose.find("a", string="out")
    assert out["href"] == "https://elsewhere.example"
    assert set(out["rel"]) == {"noopener", "noreferrer"}


def test_security_headers_and_cookie_flags(client, site, article):
    response = client.get(f"/articles/{article.slug}")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Set-Cookie" not in response.headers  # reading makes no session
    response = submit_form(
        client,
        f"/articles/{article.slug}",
        {"author_name": "Lee", "author_email": "lee@example.com", "body": "Hello."},
        "form.comment-form",
    )
    cookies = response.headers.getlist("Set-Cookie")
    assert len(cookies) == 1 and cookies[0].startswith("session=")
    assert "HttpOnly" in cookies[0] and "SameSite=Lax" in cookies[0]


def test_public_pages_ship_no_javascript(client, site, article):
    html = page(client.get(f"/articles/{article.slug}"))
    # The one script element is a data block (schema.org JSON-LD), which no browser runs.
    scripts = html.find_all("script")
    assert [script.attrs for script in scripts] == [{"type": "application/ld+json"}]
    assert not any(attr.startswith("on") for tag in html.find_all(True) for attr in tag.attrs)


def test_server_error_page_leaks_nothing(database_url):
    failing = create_app(app_config(database_url) | {"PROPAGATE_EXCEPTIONS": False})

    @failing.get("/boom")
    def boom():
        raise RuntimeError("secret internals /etc/passwd")

    response = failing.test_client().get("/boom")
    with failing.app_context():
        db.engine.dispose()
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert text_of(page(response).select_one("h1")) == "Something went wrong"
    assert "secret internals" not in body and "Traceback" not in body


def test_htmx_asking_for_a_missing_page_gets_a_fragment_kept_apart_by_caches(client, site):
    response = client.get("/no-such-page", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "<html" not in body and "Page not found" in body
    assert "HX-Request" in response.headers["Vary"]


@pytest.mark.parametrize("number", ["0", "-1", "abc", "", "²", "1.5", "99999999999999999999"])
def test_a_page_number_that_is_no_page_is_not_found(client, site, article, number):
    for path in ("/", f"/sections/{article.section.slug}/"):
        response = client.get(path, query_string={"page": number})
        assert response.status_code == 404, (path, number)
        assert "Page not found" in text_of(page(response).select_one("h1"))


@pytest.mark.parametrize(
    ("zone", "shown"),
    [
        ("UTC", "March 02, 2026 at 14:15 UTC"),
        ("America/New_York", "March 02, 2026 at 09:15 EST"),
        ("Etc/GMT+12", "March 02, 2026 at 02:15 UTC-12"),  # no abbreviation of its own
    ],
)
def test_times_say_which_clock_they_are_on(client, site, article, make_comment, zone, shown):
    site.timezone = zone
    db.session.commit()
    make_comment(article, "approved", created_at=datetime(2026, 3, 2, 14, 15, tzinfo=UTC))
    html = page(client.get(f"/articles/{article.slug}"))
    assert text_of(html.select_one(".comment time")) == shown
