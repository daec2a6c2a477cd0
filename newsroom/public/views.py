from __future__ import annotations

import sqlalchemy as sa
from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from newsroom import moderation
from newsroom.errors import render_error
from newsroom.extensions import db, limiter
from newsroom.models import Article, ArticleRedirect, Comment, CommentStatus, Section
from newsroom.public import bp
from newsroom.public.forms import CommentForm

# How many of a reader's own comments the session remembers, to show them as awaiting.
OWN_COMMENTS_REMEMBERED = 20

COMMENTS_CLOSED = "Comments are closed."
RATE_LIMITED = (
    "You have sent several comments in a short time. Please wait a minute and send this "
    "one again; your text is still here."
)


def _page_number() -> int:
    page = request.args.get("page", "1")
    if not page.isdigit() or int(page) < 1:
        abort(404)
    return int(page)


def _public_articles() -> sa.Select:
    return (
        sa.select(Article)
        .where(Article.public_filter())
        .options(sa.orm.joinedload(Article.section))
        .order_by(Article.published_at.desc(), Article.id.desc())
    )


@bp.get("/")
def home():
    page = db.paginate(
        _public_articles(),
        page=_page_number(),
        per_page=current_app.config["ARTICLES_PER_PAGE"],
        error_out=False,
    )
    if page.page > 1 and not page.items:
        abort(404)
    return render_template("public/home.html", page=page)


@bp.get("/sections/<slug>/")
def section(slug: str):
    section = db.first_or_404(sa.select(Section).where(Section.slug == slug))
    page = db.paginate(
        _public_articles().where(Article.section_id == section.id),
        page=_page_number(),
        per_page=current_app.config["ARTICLES_PER_PAGE"],
        error_out=False,
    )
    if page.page > 1 and not page.items:
        abort(404)
    return render_template("public/section.html", section=section, page=page)


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


def _render_article(article: Article, form: CommentForm, status: int = 200, notice: str = ""):
    approved = db.session.scalars(
        sa.select(Comment)
        .where(Comment.article_id == article.id, Comment.status == CommentStatus.APPROVED)
        .order_by(Comment.created_at, Comment.id)
    ).all()
    own_ids = session.get("own_comments", [])
    awaiting = []
    if own_ids:
        awaiting = db.session.scalars(
            sa.select(Comment)
            .where(
                Comment.id.in_(own_ids),
                Comment.article_id == article.id,
                Comment.status == CommentStatus.PENDING,
            )
            .order_by(Comment.created_at, Comment.id)
        ).all()
    page = render_template(
        "public/article.html",
        article=article,
        comments=approved,
        awaiting=awaiting,
        form=form,
        notice=notice,
    )
    return page, status


@bp.get("/articles/<slug>")
def article(slug: str):
    article = _find_public_article(slug)
    if article is None:
        moved = db.session.scalar(
            sa.select(ArticleRedirect).where(ArticleRedirect.old_slug == slug)
        )
        if moved is None or not moved.article.is_public():
            abort(404)
        return redirect(url_for("public.article", slug=moved.article.slug), 301)
    return _render_article(article, CommentForm())


@bp.post("/articles/<slug>/comments")
@limiter.limit(lambda: current_app.config["COMMENT_RATE_LIMIT"])
def post_comment(slug: str):
    article = _public_article_or_404(slug)
    form = CommentForm()
    if not article.comments_open:
        return _render_article(article, form, 403, notice=COMMENTS_CLOSED)
    if not form.validate_on_submit():
        return _render_article(article, form, 422)

    fingerprint = moderation.client_fingerprint(
        request.remote_addr, current_app.config["SECRET_KEY"]
    )
    comment = moderation.submit_comment(
        article,
        author_name=form.author_name.data,
        author_email=form.author_email.data,
        body=form.body.data,
        fingerprint=fingerprint,
        is_spam=bool(form.website.data),
    )
    if comment.status == CommentStatus.PENDING:
        own = [*session.get("own_comments", []), comment.id]
        session["own_comments"] = own[-OWN_COMMENTS_REMEMBERED:]
    flash("Thank you. Your comment will show once it has been approved.", "success")
    return redirect(url_for("public.article", slug=article.slug, _anchor="comments"), 303)


@bp.errorhandler(429)
def too_many_comments(error):
    if request.endpoint != "public.post_comment":
        return render_error(429)
    article = _public_article_or_404(request.view_args["slug"])
    form = CommentForm()
    return _render_article(article, form, 429, notice=RATE_LIMITED)
