"""What the public pages say about themselves to other programs: the site's own address
for absolute links (canonical links, feeds, the sitemap, OpenGraph), and an article's
schema.org NewsArticle description."""

from __future__ import annotations

from flask import current_app, request, url_for

from newsroom.content import machine_datetime
from newsroom.models import Article, SiteSettings
from newsroom.public import bp


def site_url() -> str:
    """The site's address without a trailing slash: SITE_URL when configured (say it when the
    site answers at several names, so every page names one), else the request's own."""
    configured = current_app.config.get("SITE_URL") or ""
    return (configured or request.host_url).rstrip("/")


@bp.app_template_global()
def absolute_url(endpoint: str, **values) -> str:
    """`url_for` with the site's address in front."""
    return site_url() + url_for(endpoint, **values)


def image_url(name: str, width: int) -> str:
    return absolute_url("public.upload", filename=f"{name}-{width}.webp")


@bp.app_template_global()
def news_article_data(article: Article, site: SiteSettings) -> dict:
    """schema.org NewsArticle for the article page's JSON-LD block (the template writes it
    with `tojson`, which escapes `<`, `>` and `&`, so no text can end the script element)."""
    publisher = {"@type": "Organization", "name": site.organization_name, "url": site_url() + "/"}
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title[:110],
        "datePublished": machine_datetime(article.published_at),
        "dateModified": machine_datetime(max(article.updated_at, article.published_at)),
        "articleSection": article.section.name,
        "mainEntityOfPage": absolute_url("public.article", slug=article.slug),
        "publisher": publisher,
    }
    if article.image_name:
        data["image"] = [image_url(article.image_name, 1280), image_url(article.image_name, 640)]
    return data
