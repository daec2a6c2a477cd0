from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

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

from newsroom import inputs, models, moderation, pagecache
from newsroom.errors import render_error
from newsroom.extensions import cache, csrf, db, limiter
from newsroom.models import Article, ArticleRedirect, Comment, CommentStatus, Section
from newsroom.public import bp, meta, protection
from newsroom.public.forms import BODY_MAX, CommentForm, ReportForm
from newsroom.site import current_settings, navigation_sections

# How many of a reader's own comments the session remembers, to show them as awaiting.
OWN_COMMENTS_REMEMBERED = 20

COMMENTS_CLOSED = "Comments are closed."
CLOSED_WITH_TEXT = (
    "Your comment was not sent: comments on this article are closed. Its text is below, "
    "so you can keep a copy."
)
CROSS_SITE = (
    "This comment was sent from a page on another website, so it was not accepted. To "
    "comment, open the article on this site and use the form under it."
)
# A page for one reader (their notice, their comment awaiting approval): never kept by a
# shared cache, nor by the browser for another visit.
PERSONAL = "private, no-store"
RATE_LIMITED = (
    "You have sent several comments in a short time. Please wait a minute and send this "
    "one again; your text is still here."
)
REPORTS_RATE_LIMITED = (
    "You have sent several reports in a short time. Please wait a few minutes and send this "
    "one again; what you chose is still here."
)
REPORT_CROSS_SITE = (
    "This report was sent from a page on another website, so it was not accepted. To "
    "report a comment, use the Report link beside it on this site."
)
REPORT_OUTCOMES = {
    moderation.ReportOutcome.RECEIVED: "Thank you. A moderator will look at the comment you "
    "reported.",
    moderation.ReportOutcome.ALREADY: "You had already reported that comment. A moderator will "
    "look at it; there is no need to report it again.",
    moderation.ReportOutcome.GONE: "That comment is no longer shown, so there is nothing to "
    "report. Thank you all the same.",
}
NO_ADDRESS = "This report could not be tied to a reader, so it was not stored."


def _public_articles() -> sa.Select:
    return (
        sa.select(Article)
        .where(Article.public_filter())
        .options(sa.orm.joinedload(Article.section))
        .order_by(Article.published_at.desc(), Article.id.desc())
    )


def _shared_cache_control(changes_in: float | None = None) -> str:
    """For a page the same for every reader: a shared cache (nginx, a CDN) may keep it
    briefly; a browser asks again each time (a 304 when nothing changed), so the page after
    a reader's own comment is never an old copy. `changes_in`: seconds until the page
    changes by itself (its comments close), which no shared cache may keep it past."""
    config = current_app.config
    fresh, stale = config["PUBLIC_S_MAXAGE"], config["PUBLIC_STALE_SECONDS"]
    if changes_in is not None and 0 < changes_in < fresh + stale:
        fresh, stale = min(fresh, int(changes_in)), 0
    return f"public, max-age=0, s-maxage={fresh}, stale-while-revalidate={stale}"


def _versioned_page(
    key: str,
    draw: Callable[[], str],
    surrogate_keys: list[str],
    changes_in: float | None = None,
    *,
    keep: bool = True,
    mimetype: str = "text/html",
) -> Response:
    """A page the same for every reader at one version: 304 when the reader has that version,
    else the bytes drawn once per version and kept in the cache. The key holds the version,
    so a worker never serves a page another worker has seen change. `surrogate_keys` name
    what the page shows, for a CDN that purges by them. `keep=False`: drawn each time and
    never kept by the app (a search: countless pages each rarely asked again, which would
    push the hot pages out of the cache), still shared and revalidated by its ETag.

    The key holds the site's address too: feeds, the sitemap and every page's canonical
    link name it (meta.site_url)."""
    key = f"{key}:{meta.site_url()}"
    if request.if_none_match.contains_weak(key):
        response = Response(status=304)
    else:
        body = cache.get(key) if keep else None
        if body is None:
            # Kept as bytes: encoding 100 KB on every request would cost more than the lookup.
            body = draw().encode()
            if keep:
                cache.set(key, body)
        response = Response(body, mimetype=mimetype)
    response.set_etag(key)
    response.headers["Cache-Control"] = _shared_cache_control(changes_in)
    response.headers["Surrogate-Key"] = " ".join(surrogate_keys)
    response.headers["Cache-Tag"] = ",".join(surrogate_keys)
    return response


def _personal(page: ResponseReturnValue) -> Response:
    response = current_app.make_response(page)
    response.headers["Cache-Control"] = PERSONAL
    return response


def _shared_listing(name: str, draw: Callable[[], str], surrogate_keys: list[str]) -> Response:
    """A list of articles: cached, and marked so that a CDN may hold it briefly."""
    if session.get("_flashes"):
        return _personal(draw())  # a notice for this reader alone (after logging out, say)
    return _versioned_page(
        f"listing:{name}:{pagecache.listing_version()}", draw, ["site", *surrogate_keys]
    )


def _paginated(query: sa.Select, number: int) -> Pagination:
    page = db.paginate(
        query, page=number, per_page=current_app.config["ARTICLES_PER_PAGE"], error_out=False
    )
    if page.page > 1 and not page.items:
        abort(404)
    return page


# Stories under each section's heading on the front page.
SECTION_BLOCK_STORIES = 3


@dataclass(frozen=True)
class SectionBlock:
    section: Section
    articles: list[Article]


def _section_blocks(shown: list[int]) -> list[SectionBlock]:
    """Each section's latest stories not already on the page above it: one indexed query
    per section (ix_articles_section_status_published_at), drawn once per listing version."""
    blocks = []
    for section in navigation_sections():
        articles = db.session.scalars(
            _public_articles()
            .where(Article.section_id == section.id, Article.id.not_in(shown))
            .limit(SECTION_BLOCK_STORIES)
        ).all()
        if articles:
            blocks.append(SectionBlock(section, list(articles)))
    return blocks


@bp.get("/")
def home() -> ResponseReturnValue:
    number = inputs.page_number()

    def draw() -> str:
        page = _paginated(_public_articles(), number)
        blocks = _section_blocks([a.id for a in page.items]) if number == 1 else []
        return render_template("public/home.html", page=page, blocks=blocks)

    return _shared_listing(f"home:{number}", draw, ["listings"])


@bp.get("/sections/<slug>/")
def section(slug: str) -> ResponseReturnValue:
    number = inputs.page_number()

    def draw() -> str:
        section = db.first_or_404(sa.select(Section).where(Section.slug == slug))
        page = _paginated(_public_articles().where(Article.section_id == section.id), number)
        return render_template("public/section.html", section=section, page=page)

    # The section's id, for the key a CDN purges by, from the navigation (one small query).
    ids = [f"section-{s.id}" for s in navigation_sections() if s.slug == slug]
    return _shared_listing(f"section:{slug}:{number}", draw, ["listings", *ids])


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
    """The reader's own comments on this article that still wait for a moderator.

    The session forgets the ones a moderator has decided on since; once none wait, the
    session empties and its cookie goes, and the reader gets the page every reader gets."""
    own_ids = session.get("own_comments")
    if not own_ids:
        return []
    waiting = db.session.scalars(
        sa.select(Comment)
        .where(Comment.id.in_(own_ids), Comment.status == CommentStatus.PENDING)
        .order_by(Comment.created_at, Comment.id)
    ).all()
    still = [comment.id for comment in waiting]
    if still != own_ids:
        if still:
            session["own_comments"] = still
        else:
            session.pop("own_comments")
    return [comment for comment in waiting if comment.article_id == article.id]


def _comment_terms(article: Article) -> dict:
    """What the page says about commenting on `article`: whether the form is shown, since
    when comments are closed (by time), and the notice stating the policy in force."""
    site = current_settings()
    # Read through models, as the page cache's version does: both see the same clock.
    now = models.utcnow()
    close_at = moderation.comments_close_at(
        article.published_at, article.comments_close_after_days, site.comments_close_after_days
    )
    policy = moderation.effective_policy(
        article.moderation_policy, article.section.moderation_policy, site.moderation_policy
    )
    return {
        "accepting": moderation.accepting_comments(article.comments_open, close_at, now),
        "closed_at": close_at if close_at is not None and close_at <= now else None,
        "policy_notice": moderation.policy_notice(policy),
    }


def _shown(article_id: int | sa.ColumnElement[int]) -> sa.ColumnElement[bool]:
    """The comments readers see on an article: approved, and not hidden by reports."""
    return sa.and_(
        Comment.article_id == article_id,
        Comment.status == CommentStatus.APPROVED,
        Comment.hidden_by_reports == sa.false(),
    )


def _approved_comments(article: Article) -> list[Comment]:
    return _replies_under_their_comments(
        db.session.scalars(
            sa.select(Comment).where(_shown(article.id)).order_by(Comment.created_at, Comment.id)
        ).all()
    )


def _replies_under_their_comments(comments: Sequence[Comment]) -> list[Comment]:
    """The comments oldest first, each reply moved to just under the comment it answers
    (after that comment's earlier replies); a reply to a comment not shown keeps its
    place. Threads come later; this is their order without the nesting."""
    shown = {comment.id for comment in comments}
    replies: dict[int, list[Comment]] = {}
    for comment in comments:
        if comment.parent_id in shown:
            replies.setdefault(comment.parent_id, []).append(comment)
    ordered: list[Comment] = []
    stack = [c for c in reversed(comments) if c.parent_id not in shown]
    while stack:
        comment = stack.pop()
        ordered.append(comment)
        stack.extend(reversed(replies.get(comment.id, [])))
    return ordered


def _replying_to(comments: list[Comment]) -> dict[int, str]:
    """Who each shown reply answers: reply id -> the answered comment's author."""
    names = {comment.id: comment.author_name for comment in comments}
    return {c.id: names[c.parent_id] for c in comments if c.parent_id in names}


def _render_article(
    article: Article,
    form: CommentForm,
    status: int = 200,
    notice: str = "",
    awaiting: list[Comment] | None = None,
    kept_text: str = "",
) -> Response:
    """The article page drawn for this reader alone: errors, notices, their own comment
    and how long such a comment usually waits; `kept_text`, what they wrote when no form
    can take it back (comments closed)."""
    form.form_token.data = protection.form_token()
    comments = _approved_comments(article)
    awaiting = _own_awaiting(article) if awaiting is None else awaiting
    page = render_template(
        "public/article.html",
        article=article,
        comments=comments,
        replying_to=_replying_to(comments),
        awaiting=awaiting,
        expected_wait=moderation.expected_wait() if awaiting else "",
        form=form,
        notice=notice,
        kept_text=kept_text,
        **_comment_terms(article),
    )
    return _personal((page, status))


def _shared_article_page(found: pagecache.ArticlePageVersion, slug: str) -> Response:
    """The article page every reader without a notice of their own sees, the same bytes for
    all of them (the form's token too: protection.py).

    The version holds everything the page shows (comments_version moves in the same
    transaction as each moderation decision; the policy's notice moves with the article,
    its section or the site; the comments closing by time are in it too), so a cached page
    never shows a withdrawn comment nor hides an approved one, nor offers a closed form;
    the key holds the form token's period, so the page is drawn again when the token
    changes.
    """
    article_id, version, section_id = found.article_id, found.version, found.section_id
    period = protection.form_period()

    def draw() -> str:
        article = _public_article_or_404(slug)
        form = CommentForm(formdata=None)
        form.form_token.data = protection.form_token(period)
        comments = _approved_comments(article)
        return render_template(
            "public/article.html",
            article=article,
            comments=comments,
            replying_to=_replying_to(comments),
            awaiting=[],
            form=form,
            notice="",
            kept_text="",
            **_comment_terms(article),
        )

    return _versioned_page(
        f"article:{article_id}:{version}:{period}",
        draw,
        ["site", f"section-{section_id}", f"article-{article_id}"],
        changes_in=found.closes_in,
    )


@bp.get("/articles/<slug>")
def article(slug: str) -> ResponseReturnValue:
    if session.get("_flashes") or session.get("own_comments"):
        # Something on this page is for this reader alone: draw it for them.
        article = _find_public_article(slug)
        awaiting = _own_awaiting(article) if article is not None else []
        if awaiting or (article is not None and session.get("_flashes")):
            return _render_article(article, CommentForm(formdata=None), awaiting=awaiting)
    found = pagecache.article_page_version(slug)
    if found is not None:
        return _shared_article_page(found, slug)
    moved = db.session.scalar(sa.select(ArticleRedirect).where(ArticleRedirect.old_slug == slug))
    if moved is None or not moved.article.is_public():
        abort(404)
    return redirect(url_for("public.article", slug=moved.article.slug), 301)


@functools.cache
def _parsed_limit(text: str) -> limits.RateLimitItem:
    return limits.parse(text)


def _limit_reached(setting: str, scope: str) -> bool:
    """Count this reader's request against the limit the setting names: True when over it.

    Counted with Flask-Limiter's own strategy and storage (REDIS_URL shares the count between
    instances), but not through its decorator: the decorator's bookkeeping, run before the
    view and again inside it, was a seventh of the work of posting a comment."""
    limit = _parsed_limit(current_app.config[setting])
    return not limiter.limiter.hit(limit, scope, get_remote_address())


def _comment_limit_reached() -> bool:
    return _limit_reached("COMMENT_RATE_LIMIT", "comment")


@bp.post("/articles/<slug>/comments")
@limiter.exempt
@csrf.exempt  # protected without a session (protection.py), so every reader gets one page
def post_comment(slug: str) -> ResponseReturnValue:
    if protection.cross_origin():
        return _personal(render_error(403, CROSS_SITE))
    if _comment_limit_reached():
        abort(429)
    # Only what storing needs is read here; the whole article only when the page is redrawn.
    article = moderation.find_commentable(slug)
    if article is None:
        abort(404)
    form = CommentForm()
    if not article.accepting(models.utcnow()):
        # Nothing to send it with any more: the reader's text comes back to keep.
        kept = (form.body.data or "").strip()[:BODY_MAX]
        notice = CLOSED_WITH_TEXT if kept else COMMENTS_CLOSED
        page = _public_article_or_404(slug)
        return _render_article(page, form, 403, notice=notice, kept_text=kept)
    if not form.validate_on_submit():
        return _render_article(_public_article_or_404(slug), form, 422)

    secret_key = current_app.config["SECRET_KEY"]
    fingerprint = moderation.client_fingerprint(request.remote_addr, secret_key)
    name, email, body = form.author_name.data, form.author_email.data, form.body.data
    comment = moderation.submit_comment(
        article.id,
        author_name=name,
        author_email=email,
        body=body,
        fingerprint=fingerprint,
        is_spam=bool(form.website.data),
        submission_id=moderation.submission_id(
            secret_key, form.form_token.data, fingerprint, article.id, name, email, body
        ),
        policy=article.policy,
        rules=moderation.rules_at(article.rules_version),
    )
    # A submission sent again (its answer was lost) is answered like the first: the same
    # notice, the same redirect, and the comment remembered as the reader's.
    own = session.get("own_comments", [])
    if comment.status == CommentStatus.PENDING and comment.id not in own:
        session["own_comments"] = [*own, comment.id][-OWN_COMMENTS_REMEMBERED:]
    flash(moderation.posted_answer(comment.status, comment.unreviewed), "success")
    return redirect(url_for("public.article", slug=article.slug, _anchor="comments"), 303)


def _reportable(comment_id: int) -> tuple[Article, Comment]:
    """The comment `comment_id` as readers see it, and its public article; 404 for
    anything else (pending, decided, hidden, on an article readers can't see)."""
    found = db.session.execute(
        sa.select(Comment, Article.slug)
        .join(Article, Article.id == Comment.article_id)
        .where(Comment.id == comment_id, _shown(Comment.article_id))
    ).first()
    if found is None:
        abort(404)
    comment, slug = found
    # Whether readers can see the article (published, its time come), as its page decides.
    return _public_article_or_404(slug), comment


def _report_page(
    article: Article, comment: Comment, form: ReportForm, status: int = 200, notice: str = ""
) -> ResponseReturnValue:
    form.form_token.data = protection.form_token()
    page = render_template(
        "public/report.html", article=article, comment=comment, form=form, notice=notice
    )
    if status != 200:
        return _personal((page, status))
    return page  # the same for every reader: shared_caching below marks it so


# Short: every approved comment on an article page links here, and 200 comments' links
# are bytes every reader downloads.
@bp.get("/report/<int:comment_id>")
def report_comment(comment_id: int) -> ResponseReturnValue:
    article, comment = _reportable(comment_id)
    return _report_page(article, comment, ReportForm(formdata=None))


@bp.post("/report/<int:comment_id>")
@limiter.exempt
@csrf.exempt  # protected without a session, as the comment form is (protection.py)
def send_report(comment_id: int) -> ResponseReturnValue:
    if protection.cross_origin():
        return _personal(render_error(403, REPORT_CROSS_SITE))
    article, comment = _reportable(comment_id)
    form = ReportForm()
    if _limit_reached("REPORT_RATE_LIMIT", "report"):
        return _report_page(article, comment, form, 429, notice=REPORTS_RATE_LIMITED)
    if not form.validate_on_submit():
        return _report_page(article, comment, form, 422)
    fingerprint = moderation.client_fingerprint(
        request.remote_addr, current_app.config["SECRET_KEY"]
    )
    if fingerprint is None:
        return _report_page(article, comment, form, 400, notice=NO_ADDRESS)
    outcome = moderation.report_comment(
        comment.id,
        article.id,
        fingerprint=fingerprint,
        reason=form.reason.data,
        detail=form.detail.data or "",
        threshold=current_settings().report_threshold,
    )
    flash(REPORT_OUTCOMES[outcome], "success")
    return redirect(url_for("public.article", slug=article.slug, _anchor="comments"), 303)


@bp.after_request
def shared_caching(response: Response) -> Response:
    """Pages the same for everyone may sit in a shared cache briefly; anything personal,
    and any answer that sets the reader's cookie, may not."""
    if session.modified:
        response.headers["Cache-Control"] = PERSONAL
        return response
    if request.method != "GET" or response.status_code != 200:
        return response
    if "Cache-Control" in response.headers:
        return response
    if session:
        response.headers["Cache-Control"] = PERSONAL
        return response
    response.headers["Cache-Control"] = _shared_cache_control()
    response.add_etag()
    return response.make_conditional(request)


@bp.errorhandler(429)
def too_many_comments(error) -> ResponseReturnValue:
    if request.endpoint != "public.post_comment":
        return render_error(429)
    article = _public_article_or_404(request.view_args["slug"])
    form = CommentForm()
    return _render_article(article, form, 429, notice=RATE_LIMITED)
