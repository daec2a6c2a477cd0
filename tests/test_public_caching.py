"""Cached public pages are never stale, revalidate with 304, and cost a constant number of
SQL queries whatever the number of comments or articles."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from newsroom import articles, create_app, moderation, pagecache, sections
from newsroom.extensions import cache, db
from newsroom.models import Section, User, utcnow
from tests.conftest import page, statements_sent, submit_form, text_of

# What a page the same for every reader says to caches (config: PUBLIC_S_MAXAGE,
# PUBLIC_STALE_SECONDS).
SHARED = "public, max-age=0, s-maxage=1, stale-while-revalidate=30"


def _public_bodies(client, article) -> list[str]:
    html = page(client.get(f"/articles/{article.slug}"))
    return [text_of(c.select_one(":scope > div")) for c in html.select(".comment")]


def test_cached_article_page_follows_every_decision(client, site, article, make_comment, moderator):
    comment = make_comment(article, body="Cached or not, correct.")
    assert _public_bodies(client, article) == []
    assert _public_bodies(client, article) == []  # now served from the cache

    moderation.decide(comment.id, "approved", moderator)
    assert _public_bodies(client, article) == ["Cached or not, correct."]
    assert _public_bodies(client, article) == ["Cached or not, correct."]

    moderation.decide(comment.id, "rejected", moderator)
    assert _public_bodies(client, article) == []


@pytest.mark.commits
def test_a_decision_made_in_another_worker_shows_at_once(
    app, database_url, client, site, article, make_comment, moderator
):
    """Each worker has its own in-process cache; the version in the database keys them all."""
    comment = make_comment(article, body="Seen everywhere.")
    assert _public_bodies(client, article) == []  # this worker caches the empty page

    other_worker = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "test-secret-key"}
    )
    comment_id, moderator_id = comment.id, moderator.id
    with other_worker.app_context():
        moderation.decide(comment_id, "approved", db.session.get(User, moderator_id))
        db.session.remove()
        db.engine.dispose()

    assert _public_bodies(client, article) == ["Seen everywhere."]


def test_a_slot_is_letters_and_digits_keyed_by_the_secret_key(app, monkeypatch):
    """The same in every process of one deployment (tests/test_shared_page_cache.py), and
    unknown to anyone without its secret key."""
    csrf = pagecache.slot("csrf")
    assert csrf.isalnum() and csrf.startswith("csrfslot")
    assert pagecache.slot("csrf") == csrf and pagecache.slot("age") != csrf
    monkeypatch.setitem(app.config, "SECRET_KEY", "another deployment's key")
    assert pagecache.slot("csrf") != csrf


def test_article_page_revalidates_with_etag(client, site, article, make_comment, moderator):
    first = client.get(f"/articles/{article.slug}")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == SHARED

    again = client.get(f"/articles/{article.slug}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""

    comment = make_comment(article)
    moderation.decide(comment.id, "approved", moderator)
    changed = client.get(f"/articles/{article.slug}", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_editing_the_site_identity_changes_cached_pages_at_once(client, site, article):
    client.get(f"/articles/{article.slug}")
    site.organization_name = "Renamed Union"
    db.session.commit()
    html = page(client.get(f"/articles/{article.slug}"))
    assert text_of(html.select_one(".site-name")) == "Renamed Union"


def test_renaming_a_section_changes_cached_pages_at_once(client, site, article, section):
    client.get(f"/articles/{article.slug}")
    sections.update_section(section, "Clippings", section.slug, section.description)
    html = page(client.get(f"/articles/{article.slug}"))
    assert text_of(html.select_one(".article .kicker")) == "Clippings"


def test_home_and_section_pages_may_be_held_briefly_by_a_shared_cache(client, site, article):
    for url in ("/", "/sections/in-the-news/"):
        response = client.get(url)
        assert response.headers["Cache-Control"] == SHARED
        assert "Set-Cookie" not in response.headers
        assert (
            client.get(url, headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
        )


def test_pages_with_a_personal_notice_are_private(client, site, article):
    from tests.conftest import submit_form

    submit_form(
        client,
        f"/articles/{article.slug}",
        {"author_name": "A", "author_email": "a@example.com", "body": "Hi"},
        "form.comment-form",
    )
    response = client.get("/")
    assert response.headers["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("url", ["article", "/", "/sections/in-the-news/", "/dashboard/"])
def test_query_count_does_not_grow_with_the_data(
    app, client, site, make_article, make_comment, moderator, url
):
    from tests.conftest import log_in

    log_in(client, moderator)
    article = make_article("Busy", slug="busy")
    make_comment(article, "approved")
    make_comment(article)
    target = "/articles/busy" if url == "article" else url

    def queries() -> int:
        cache.clear()  # count the drawing of the page, not a cache hit
        with statements_sent() as statements:
            assert client.get(target).status_code == 200
        return len(statements)

    few = queries()
    for _ in range(5):
        make_article()
    for _ in range(30):
        make_comment(article, "approved")
        make_comment(article)
    assert queries() == few


def _home_titles(client) -> list[str]:
    return [text_of(h) for h in page(client.get("/")).select(".article-card-title")]


def test_cached_article_lists_follow_new_edited_and_deleted_articles(
    client, site, make_article, article
):
    assert _home_titles(client) == [article.title]
    newer = make_article("Fresh News", published_at=article.published_at + timedelta(hours=1))
    assert _home_titles(client) == ["Fresh News", article.title]

    newer.title = "Fresh News, Corrected"
    db.session.commit()
    assert _home_titles(client) == ["Fresh News, Corrected", article.title]

    articles.delete_article(newer.id)
    assert _home_titles(client) == [article.title]


def test_a_scheduled_article_joins_the_cached_lists_at_its_time(
    client, site, make_article, article, monkeypatch
):
    later = utcnow() + timedelta(hours=2)
    make_article("Embargoed", published_at=later)
    assert _home_titles(client) == [article.title]

    monkeypatch.setattr("newsroom.models.utcnow", lambda: later + timedelta(seconds=1))
    assert _home_titles(client) == ["Embargoed", article.title]


def test_a_moderation_decision_is_not_an_edit_of_the_article(
    site, article, make_comment, moderator
):
    edited_at = article.updated_at
    moderation.decide(make_comment(article).id, "approved", moderator)
    db.session.refresh(article)
    assert article.updated_at == edited_at
    assert article.approved_comment_count == 1


def test_new_moved_and_deleted_sections_change_cached_pages_at_once(
    app, admin_client, site, article, section
):
    """Sections are in every page's navigation: each change redraws the cached pages."""
    reader = app.test_client()  # no notices of its own: it gets the cached page
    home = "/"
    reader.get(home)  # cached now
    submit_form(
        admin_client,
        "/admin/sections/new",
        {"name": "Field Notes", "slug": "field-notes", "description": ""},
        "main form.panel",
    )
    names = lambda: [text_of(a) for a in page(reader.get(home)).select("nav a")]  # noqa: E731
    assert "Field Notes" in names()

    new = db.session.scalar(sa.select(Section).where(Section.slug == "field-notes"))
    assert sections.move_section(new, -1)
    shown = names()
    assert shown.index("Field Notes") < shown.index(section.name)

    sections.delete_section(new)
    assert "Field Notes" not in names()


def test_the_template_generation_follows_the_templates(tmp_path, monkeypatch):
    (tmp_path / "page.html").write_text("<p>one</p>")
    monkeypatch.setattr(pagecache, "TEMPLATES", tmp_path)
    before = pagecache._template_generation()
    assert pagecache._template_generation() == before  # the same templates, the same keys
    (tmp_path / "page.html").write_text("<p>two</p>")
    assert pagecache._template_generation() != before
