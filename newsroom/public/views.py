from __future__ import annotations

import functools
from collections.abc import Callable

import limits
import sqlalchemy as sa
from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_limiter.util import get_remote_address
from flask_sqlalchemy.pagination import Pagination
from flask_wtf.csrf import generate_csrf

from newsroom import inputs, moderation, pagecache
from newsroom.errors import render_error
from newsroom.extensions import cache, db, limiter
from newsroom.models import Article, ArticleRedirect, Comment, CommentStatus, Section
from newsroom.public import bp
from newsroom.public.forms import CommentForm
from newsroom.refused import FieldError

# How many of a reader's own comments the session remembers, to show them as awaiting.
OWN_COMMENTS_REMEMBERED = 20

COMMENTS_CLOSED = "Comments are closed."
RATE_LIMITED = (
    "You have sent several comments in a short time. Please wait a minute and send this "
    "one again; your text is still here."
)


def _public_articles() -> sa.Select:
    return (
        sa.select(Article)
        .where(Article.public_filter())
        .options(sa.orm.joinedload(Article.section))
        .order_by(Article.published_at.desc(), Article.id.desc())
    )


def _versioned_page(
    key: str,
    draw: Callable[[], str],
    cache_control: str,
    personalize: Callable[[bytes], bytes] | None = None,
) -> Response:
    """A page the same for every reader at one version: 304 when the reader has that version,
    else the bytes drawn once per version and kept in the cache. The key holds the version,
    so a worker never serves a page another worker has seen change."""
    if request.if_none_match.contains_weak(key):
        response = Response(status=304)
    else:
        body = cache.get(key)
        if body is None:
            # Kept as bytes: encoding 100 KB on every request would cost more than the lookup.
            body = draw().encode()
            cache.set(key, body)
        response = Response(personalize(body) if personalize else body)
    response.set_etag(key, weak=True)
    response.headers["Cache-Control"] = cache_control
    return response


def _shared_listing(name: str, draw: Callable[[], str]) -> Response | str:
    """A list of articles: cached, and marked so that a CDN may hold it briefly."""
    if session.get("_flashes"):
        return draw()  # a notice for this reader alone (after logging out, say)
    return _versioned_page(
        f"listing:{name}:{pagecache.listing_version()}",
        draw,
        f"public, max-age={current_app.config['PUBLIC_MAX_AGE']}",
    )


def _paginated(query: sa.Select, number: int) -> Pagination:
    page = db.paginate(
        query, page=number, per_page=current_app.config["ARTICLES_PER_PAGE"], error_out=False
    )
    if page.page > 1 and not page.items:
        abort(404)
    return page


@bp.get("/")
def home() -> ResponseReturnValue:
    number = inputs.page_number()
    return _shared_listing(
        f"home:{number}",
        lambda: render_template("public/home.html", page=_paginated(_public_articles(), number)),
    )


@bp.get("/sections/<slug>/")
def section(slug: str) -> ResponseReturnValue:
    number = inputs.page_number()

    def draw() -> str:
        section = db.first_or_404(sa.select(Section).where(Section.slug == slug))
        page = _paginated(_public_articles().where(Article.section_id == section.id), number)
        return render_template("public/section.html", section=section, page=page)

    return _shared_listing(f"section:{slug}:{number}", draw)


def _find_public_article(slug: str) -> Article | None:
    return db.session.scalar(
        sa.select(Article)
        .where(Article.slug == slug, Article.public_filter())
        .options(sa.orm.joinedload(Article.section))
    )


def _public_article_or_404(slug: str) -> Article:
    article = _find_public_article(slug)
    if article is None:
        abort(404)
    return article


def _own_awaiting(article: Article) -> list[Comment]:
    """The reader's own comments on this article that still wait for a moderator."""
    own_ids = session.get("own_comments")
    if not own_ids:
        return []
    return db.session.scalars(
        sa.select(Comment)
        .where(
            Comment.id.in_(own_ids),
            Comment.article_id == article.id,
            Comment.status == CommentStatus.PENDING,
        )
        .order_by(Comment.created_at, Comment.id)
    ).all()


def _approved_comments(article: Article) -> list[Comment]:
    return db.session.scalars(
        sa.select(Comment)
        .where(Comment.article_id == article.id, Comment.status == CommentStatus.APPROVED)
        .order_by(Comment.created_at, Comment.id)
    ).all()


def _render_article(
    article: Article,
    form: CommentForm,
    status: int = 200,
    notice: str = "",
    awaiting: list[Comment] | None = None,
) -> tuple[str, int]:
    """The article page drawn for this reader alone: errors, notices, their own comment."""
    submission = form.submission_id
    if submission.errors or not moderation.SUBMISSION_ID.fullmatch(submission.data or ""):
        # A new view of the form, or the id sent was refused: a new one. A form sent back
        # for corrections keeps its id, since nothing was stored.
        submission.data = moderation.new_submission_id()
    page = render_template(
        "public/article.html",
        article=article,
        comments=_approved_comments(article),
        awaiting=_own_awaiting(article) if awaiting is None else awaiting,
        form=form,
        notice=notice,
    )
    return page, status


def _shared_article_page(slug: str, article_id: int, version: str) -> Response:
    """The article page every reader without a notice of their own sees.

    It is cached with a slot where the CSRF token goes, so each reader still gets a token
    bound to their own session. The version holds everything the page shows
    (comments_version moves in the same transaction as each moderation decision), so a
    cached page never shows a withdrawn comment nor hides an approved one.
    """

    csrf_slot, submission_slot = pagecache.slot("csrf"), pagecache.slot("submission")

    def draw() -> str:
        article = _public_article_or_404(slug)
        form = CommentForm()
        form.submission_id.data = submission_slot
        return render_template(
            "public/article.html",
            article=article,
            comments=_approved_comments(article),
            awaiting=[],
            form=form,
            notice="",
            csrf_value=csrf_slot,
        )

    def for_this_view(body: bytes) -> bytes:
        # In the order the form holds them: the token, then the submission id.
        return pagecache.fill_slots(
            body,
            (csrf_slot.encode(), generate_csrf().encode()),
            (submission_slot.encode(), moderation.new_submission_id().encode()),
        )

    # The form's token belongs to this reader's session: browsers may keep the page and
    # revalidate it, shared caches may not keep it at all.
    return _versioned_page(
        f"article:{article_id}:{version}", draw, "private, no-cache", for_this_view
    )


@bp.get("/articles/<slug>")
def article(slug: str) -> ResponseReturnValue:
    if session.get("_flashes") or session.get("own_comments"):
        # Something on this page is for this reader alone: draw it for them.
        article = _find_public_article(slug)
        awaiting = _own_awaiting(article) if article is not None else []
        if awaiting or (article is not None and session.get("_flashes")):
            return _render_article(article, CommentForm(), awaiting=awaiting)
    found = pagecache.article_page_version(slug)
    if found is not None:
        return _shared_article_page(slug, *found)
    moved = db.session.scalar(sa.select(ArticleRedirect).where(ArticleRedirect.old_slug == slug))
    if moved is None or not moved.article.is_public():
        abort(404)
    return redirect(url_for("public.article", slug=moved.article.slug), 301)


@functools.cache
def _parsed_limit(text: str) -> limits.RateLimitItem:
    return limits.parse(text)


def _comment_limit_reached() -> bool:
    """Count this reader's comment against COMMENT_RATE_LIMIT: True when over it.

    Counted with Flask-Limiter's own strategy and storage (REDIS_URL shares the count between
    instances), but not through its decorator: the decorator's bookkeeping, run before the
    view and again inside it, was a seventh of the work of posting a comment."""
    limit = _parsed_limit(current_app.config["COMMENT_RATE_LIMIT"])
    return not limiter.limiter.hit(limit, "comment", get_remote_address())


@bp.post("/articles/<slug>/comments")
@limiter.exempt
def post_comment(slug: str) -> ResponseReturnValue:
    if _comment_limit_reached():
        abort(429)
    # Only what storing needs is read here; the whole article only when the page is redrawn.
    article = moderation.find_commentable(slug)
    if article is None:
        abort(404)
    form = CommentForm()
    if not article.comments_open:
        return _render_article(_public_article_or_404(slug), form, 403, notice=COMMENTS_CLOSED)
    if not form.validate_on_submit():
        return _render_article(_public_article_or_404(slug), form, 422)

    fingerprint = moderation.client_fingerprint(
        request.remote_addr, current_app.config["SECRET_KEY"]
    )
    try:
        comment = moderation.submit_comment(
            article.id,
            author_name=form.author_name.data,
            author_email=form.author_email.data,
            body=form.body.data,
            fingerprint=fingerprint,
            is_spam=bool(form.website.data),
            submission_id=form.submission_id.data or None,
        )
    except FieldError as refused:
        form.submission_id.errors.append(str(refused))
        return _render_article(_public_article_or_404(slug), form, 409)
    # A submission sent again (its answer was lost) is answered like the first: the same
    # notice, the same redirect, and the comment remembered as the reader's.
    own = session.get("own_comments", [])
    if comment.status == CommentStatus.PENDING and comment.id not in own:
        session["own_comments"] = [*own, comment.id][-OWN_COMMENTS_REMEMBERED:]
    flash("Thank you. Your comment will show once it has been approved.", "success")
    return redirect(url_for("public.article", slug=article.slug, _anchor="comments"), 303)


@bp.after_request
def shared_caching(response: Response) -> Response:
    """Pages the same for everyone may sit in a CDN briefly; anything personal may not."""
    if request.method != "GET" or response.status_code != 200:
        return response
    if "Cache-Control" in response.headers:
        return response
    if session or session.modified:
        response.headers["Cache-Control"] = "private, no-cache"
    else:
        response.headers["Cache-Control"] = (
            f"public, max-age={current_app.config['PUBLIC_MAX_AGE']}"
        )
    response.add_etag()
    return response.make_conditional(request)


@bp.errorhandler(429)
def too_many_comments(error) -> ResponseReturnValue:
    if request.endpoint != "public.post_comment":
        return render_error(429)
    article = _public_article_or_404(request.view_args["slug"])
    form = CommentForm()
    return _render_article(article, form, 429, notice=RATE_LIMITED)
