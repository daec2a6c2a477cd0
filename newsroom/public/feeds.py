"""Pages for programs: Atom feeds (the site, each section, each article's comments), the
sitemap and robots.txt. Shared and versioned like the readers' pages (views.py): the same
bytes for everyone, kept per version, revalidated by ETag."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, url_for
from flask.typing import ResponseReturnValue
from markupsafe import escape

from newsroom import pagecache, threads
from newsroom.content import excerpt
from newsroom.extensions import db
from newsroom.models import Article, Comment, Section, utcnow
from newsroom.public import bp, meta
from newsroom.public.views import _public_articles, _versioned_page
from newsroom.site import current_settings, navigation_sections

ATOM = "application/atom+xml"
XML = "application/xml"
FEED_ENTRIES = 20
COMMENT_FEED_ENTRIES = 50


def _feed(title: str, page_url: str, feed_url: str, subtitle: str = ""):
    # Imported on the first feed: feedgen brings lxml, 7 MB in each worker that never
    # serves a feed.
    from feedgen.feed import FeedGenerator

    site = current_settings()
    feed = FeedGenerator()
    feed.id(feed_url)
    feed.title(title)
    feed.author({"name": site.organization_name})
    feed.link(href=page_url, rel="alternate", type="text/html")
    feed.link(href=feed_url, rel="self", type=ATOM)
    feed.language("en")
    if subtitle:
        feed.subtitle(subtitle)
    feed.updated(utcnow())  # replaced by the newest entry's time when there is one
    return feed


def _articles_feed(title: str, page_url: str, feed_url: str, articles: list[Article]) -> str:
    feed = _feed(title, page_url, feed_url, current_settings().tagline)
    # feedgen puts the entry added last first; added oldest first, the newest leads.
    for article in reversed(articles):
        url = meta.absolute_url("public.article", slug=article.slug)
        entry = feed.add_entry()
        entry.id(url)
        entry.title(article.title)
        entry.link(href=url, rel="alternate", type="text/html")
        entry.published(article.published_at)
        entry.updated(max(article.updated_at, article.published_at))
        entry.category(term=article.section.slug, label=article.section.name)
        if article.summary:
            entry.summary(article.summary)
        entry.content(article.body_html, type="html")
    if articles:
        feed.updated(max(max(a.updated_at, a.published_at) for a in articles))
    return feed.atom_str(pretty=False).decode()


def _latest(query: sa.Select) -> list[Article]:
    return list(db.session.scalars(query.limit(FEED_ENTRIES)))


@bp.get("/feed.atom")
def site_feed() -> ResponseReturnValue:
    def draw() -> str:
        site = current_settings()
        return _articles_feed(
            site.organization_name,
            meta.absolute_url("public.home"),
            meta.absolute_url("public.site_feed"),
            _latest(_public_articles()),
        )

    key = f"feed:site:{pagecache.listing_version()}"
    return _versioned_page(key, draw, ["site", "listings"], mimetype=ATOM)


@bp.get("/sections/<slug>/feed.atom")
def section_feed(slug: str) -> ResponseReturnValue:
    ids = [s.id for s in navigation_sections() if s.slug == slug]
    if not ids:
        abort(404)

    def draw() -> str:
        section = db.session.get(Section, ids[0])
        site = current_settings()
        return _articles_feed(
            f"{section.name} · {site.organization_name}",
            meta.absolute_url("public.section", slug=slug),
            meta.absolute_url("public.section_feed", slug=slug),
            _latest(_public_articles().where(Article.section_id == section.id)),
        )

    key = f"feed:section:{slug}:{pagecache.listing_version()}"
    return _versioned_page(key, draw, ["site", "listings", f"section-{ids[0]}"], mimetype=ATOM)


@bp.get("/articles/<slug>/comments.atom")
def comments_feed(slug: str) -> ResponseReturnValue:
    found = pagecache.article_page_version(slug)
    if found is None:
        abort(404)

    def draw() -> str:
        article = db.session.get(Article, found.article_id)
        page_url = meta.absolute_url("public.article", slug=slug)
        feed = _feed(
            f"Comments on “{article.title}”",
            page_url + "#comments",
            meta.absolute_url("public.comments_feed", slug=slug),
        )
        comments = db.session.scalars(
            sa.select(Comment)
            .where(threads.shown(article.id))
            .order_by(Comment.created_at.desc(), Comment.id.desc())
            .limit(COMMENT_FEED_ENTRIES)
        ).all()
        for comment in reversed(comments):
            entry = feed.add_entry()
            entry.id(f"{page_url}#comment-{comment.id}")
            entry.title(f"{comment.author_name}: {excerpt(comment.body, 80)}")
            entry.link(href=f"{page_url}#comment-{comment.id}", rel="alternate", type="text/html")
            entry.author({"name": comment.author_name})
            entry.published(comment.created_at)
            entry.updated(comment.edited_at or comment.created_at)
            # Plain text: a reader's words are never markup in anyone's feed reader.
            entry.content(comment.body, type="text")
        if comments:
            feed.updated(max(c.edited_at or c.created_at for c in comments))
        else:
            feed.updated(article.published_at)
        return feed.atom_str(pretty=False).decode()

    key = f"feed:comments:{found.article_id}:{found.version}"
    surrogate = ["site", f"section-{found.section_id}", f"article-{found.article_id}"]
    return _versioned_page(key, draw, surrogate, mimetype=ATOM)


# --- Sitemap and robots.txt --------------------------------------------------------------


def _sitemap_urls() -> int:
    return current_app.config["SITEMAP_URLS_MAX"]


def _url(location: str, lastmod: str = "") -> str:
    modified = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
    return f"<url><loc>{escape(location)}</loc>{modified}</url>"


def _urlset(entries: list[str]) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(entries)
        + "</urlset>\n"
    )


def _article_urls(offset: int, limit: int) -> list[str]:
    rows = db.session.execute(
        sa.select(Article.slug, Article.updated_at, Article.published_at)
        .where(Article.public_filter())
        .order_by(Article.published_at.desc(), Article.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return [
        _url(
            meta.absolute_url("public.article", slug=slug),
            max(updated, published).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        for slug, updated, published in rows
    ]


def _public_count() -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Article).where(Article.public_filter())
    )


def _fixed_urls() -> list[str]:
    """The home page and every section's page: the first file of the sitemap holds them."""
    return [
        _url(meta.absolute_url("public.home")),
        *(_url(meta.absolute_url("public.section", slug=s.slug)) for s in navigation_sections()),
    ]


@bp.get("/sitemap.xml")
def sitemap() -> ResponseReturnValue:
    """Every public page a search engine should know; past SITEMAP_URLS_MAX addresses (the
    protocol's 50,000), an index of numbered sitemaps of that many each."""

    def draw() -> str:
        fixed = _fixed_urls()
        per_file = _sitemap_urls()
        total = len(fixed) + _public_count()
        if total <= per_file:
            return _urlset(fixed + _article_urls(0, per_file))
        files = -(-total // per_file)
        sitemaps = "".join(
            f"<sitemap><loc>{escape(meta.absolute_url('public.sitemap_part', number=n))}</loc>"
            "</sitemap>"
            for n in range(1, files + 1)
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"{sitemaps}</sitemapindex>\n"
        )

    key = f"sitemap:{pagecache.listing_version()}"
    return _versioned_page(key, draw, ["site", "listings"], mimetype=XML)


@bp.get("/sitemaps/<int:number>.xml")
def sitemap_part(number: int) -> ResponseReturnValue:
    """One file of a split sitemap: the first holds the home and section pages, then the
    articles newest first, SITEMAP_URLS_MAX addresses in each file."""
    per_file = _sitemap_urls()

    def draw() -> str:
        fixed = _fixed_urls()
        start = (number - 1) * per_file
        if number < 1 or start >= len(fixed) + _public_count():
            abort(404)
        if number == 1:
            return _urlset(fixed + _article_urls(0, per_file - len(fixed)))
        return _urlset(_article_urls(start - len(fixed), per_file))

    key = f"sitemap:{number}:{pagecache.listing_version()}"
    return _versioned_page(key, draw, ["site", "listings"], mimetype=XML)


@bp.get("/robots.txt")
def robots() -> ResponseReturnValue:
    lines = [
        "User-agent: *",
        # Staff pages (behind a login anyway) and search results (endless, and thin).
        f"Disallow: {url_for('admin.index')}",
        f"Disallow: {url_for('dashboard.queue')}",
        f"Disallow: {url_for('public.search_page')}",
        "",
        f"Sitemap: {meta.absolute_url('public.sitemap')}",
        "",
    ]
    key = f"robots:{pagecache.TEMPLATE_GENERATION}"
    return _versioned_page(key, lambda: "\n".join(lines), ["site"], mimetype="text/plain")
