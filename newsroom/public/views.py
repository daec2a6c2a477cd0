from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

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

from newsroom import articles, discovery, inputs, models, moderation, pagecache, threads
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


def _public(query: sa.Select) -> sa.Select:
    """`query` narrowed to what readers see, newest first, as every list of articles is."""
    return query.where(Article.public_filter()).order_by(
        Article.published_at.desc(), Article.id.desc()
    )


def _public_articles() -> sa.Select:
    return _public(sa.select(Article)).options(sa.orm.joinedload(Article.section))


def _listed_ids(query: sa.Select, number: int) -> list[int]:
    """The ids of the articles on page `number` of `query` (a select of Article.id)."""
    per_page = current_app.config["ARTICLES_PER_PAGE"]
    return list(db.session.scalars(query.limit(per_page).offset((number - 1) * per_page)))


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
    variant: tuple[str, tuple[bytes, bytes]] | None = None,
    *,
    keep: bool = True,
    mimetype: str = "text/html",
) -> Response:
    """A page the same for every reader at one version: 304 when the reader has that version,
    else the bytes drawn once per version and kept in the cache. The key holds the version,
    so a worker never serves a page another worker has seen change. `surrogate_keys` name
    what the page shows, for a CDN that purges by them. `variant`: the same page with one
    slot filled in, (what its ETag adds to the key, (slot, filling)). `keep=False`: drawn
    each time and never kept by the app (a search: countless pages each rarely asked again,
    which would push the hot pages out of the cache), still shared and revalidated by its
    ETag.

    The key holds the site's address too: feeds, the sitemap and every page's canonical
    link name it (meta.site_url)."""
    key = f"{key}:{meta.site_url()}"
    etag = key + (variant[0] if variant else "")
    if request.if_none_match.contains_weak(etag):
        response = Response(status=304)
    else:
        body = cache.get(key) if keep else None
        if body is None:
            # Kept as bytes: encoding 100 KB on every request would cost more than the lookup.
            body = draw().encode()
            if keep:
                cache.set(key, body)
        if variant:
            body = body.replace(*variant[1], 1)
        response = Response(body, mimetype=mimetype)
    response.set_etag(etag)
    response.headers["Cache-Control"] = _shared_cache_control(changes_in)
    response.headers["Surrogate-Key"] = " ".join(surrogate_keys)
    response.headers["Cache-Tag"] = ",".join(surrogate_keys)
    return response


def _personal(page: ResponseReturnValue) -> Response:
    response = current_app.make_response(page)
    response.headers["Cache-Control"] = PERSONAL
    return response


class Listed(NamedTuple):
    """What a list of articles shows, as its cached version needs it: the articles (their
    ids) and what else a CDN purges it by (surrogate keys)."""

    article_ids: list[int]
    surrogate_keys: list[str] = []


def _shared_listing(
    name: str,
    draw: Callable[[], str],
    surrogate_keys: list[str],
    listed: Callable[[], Listed],
) -> Response:
    """A list of articles: cached, and marked so that a CDN may hold it briefly.

    Its version is the listings' (which articles, in what order) and the comment counts of
    the articles it lists, so an approved comment redraws the lists that count it, and only
    those. Both are read in one statement (pagecache.listing_state), for the articles it
    listed at the listings' version last seen (`listed` works them out, once per version):
    a hit on a kept list is that statement and nothing else."""
    if session.get("_flashes"):
        return _personal(draw())  # a notice for this reader alone (after logging out, say)
    listed_key = f"listed:{name}"
    kept = cache.get(listed_key)
    # Kept as plain values (a shared cache may outlive this code's classes).
    shown = Listed(*kept[1:]) if kept else Listed([])
    state = pagecache.listing_state(shown.article_ids)
    counts = state.comments
    if kept is None or kept[0] != state.version:
        shown = listed()
        cache.set(listed_key, (state.version, shown.article_ids, shown.surrogate_keys))
        counts = pagecache.comments_stamp(shown.article_ids)
    return _versioned_page(
        f"listing:{name}:{state.version}:{counts}",
        draw,
        [
            "site",
            *surrogate_keys,
            *shown.surrogate_keys,
            *(f"article-{article_id}" for article_id in shown.article_ids),
        ],
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
    for argument in articles.OLD_QUERY_ARGUMENTS:
        if argument in request.args:
            # An imported site's address of a post (/?p=12) or a page (/?page_id=7).
            number = inputs.whole_number(request.args[argument])
            if number is None:
                abort(404)
            return _moved_to(articles.article_at_old_path(articles.old_query_key(argument, number)))
    number = inputs.page_number()

    # The section blocks, once for a request that works out the list and draws it too.
    blocks_under = functools.cache(lambda shown: _section_blocks(list(shown)))

    def draw() -> str:
        page = _paginated(_public_articles(), number)
        blocks = blocks_under(tuple(a.id for a in page.items)) if number == 1 else []
        return render_template("public/home.html", page=page, blocks=blocks)

    def listed() -> Listed:
        # Every article the page shows counts its comments: the list's and, on the first
        # page, the section blocks' under it.
        ids = _listed_ids(_public(sa.select(Article.id)), number)
        if number == 1:
            ids = [*ids, *(a.id for block in blocks_under(tuple(ids)) for a in block.articles)]
        return Listed(ids)

    return _shared_listing(f"home:{number}", draw, ["listings"], listed)


@bp.get("/sections/<slug>/")
def section(slug: str) -> ResponseReturnValue:
    number = inputs.page_number()

    def draw() -> str:
        section = db.first_or_404(sa.select(Section).where(Section.slug == slug))
        page = _paginated(_public_articles().where(Article.section_id == section.id), number)
        return render_template("public/section.html", section=section, page=page)

    def listed() -> Listed:
        in_section = sa.select(Article.id).join(Section).where(Section.slug == slug)
        # The section's id, for the key a CDN purges by (a change of sections dates the site,
        # which moves the listings' version).
        keys = [f"section-{s.id}" for s in navigation_sections() if s.slug == slug]
        return Listed(_listed_ids(_public(in_section), number), keys)

    return _shared_listing(f"section:{slug}:{number}", draw, ["listings"], listed)


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


def _reply_choice(article_id: int, asked: str | None) -> tuple[threads.ReplyTarget | None, str]:
    """The comment a reader chose to answer (`asked`: its id as sent), and why it can't be
    answered ("" when it can, or when none was chosen)."""
    if not asked:
        return None, ""
    target = threads.reply_target(article_id, inputs.whole_number(asked) or None)
    return target, "" if target is not None else threads.REPLY_TO_UNKNOWN


def _article_context(article: Article, found: pagecache.ArticlePageVersion | None) -> dict:
    """What every drawing of the article page shows: the conversation, the lists of other
    articles (at the versions `found` names), the terms of commenting."""
    if found is None:
        found = pagecache.article_page_version(article.slug) or pagecache.ArticlePageVersion(
            article.id, "", article.section_id, None
        )
    return {
        "article": article,
        "conversation": threads.conversation(article.id),
        "more_in_section": discovery.more_in_section(article),
        "most_discussed": discovery.most_discussed(found.discussed_period, found.articles_version),
        **_comment_terms(article),
    }


def _render_article(
    article: Article,
    form: CommentForm,
    status: int = 200,
    notice: str = "",
    awaiting: list[Comment] | None = None,
    kept_text: str = "",
    reply: threads.ReplyTarget | None = None,
    reply_problem: str = "",
    reply_notice: str = "",
) -> Response:
    """The article page drawn for this reader alone: errors, notices, their own comment
    and how long such a comment usually waits; `kept_text`, what they wrote when no form
    can take it back (comments closed); `reply`, the comment they are answering, or why
    the one they chose can't be: `reply_problem` when they sent a reply, `reply_notice`
    when they only chose it."""
    form.form_token.data = protection.form_token()
    awaiting = _own_awaiting(article) if awaiting is None else awaiting
    page = render_template(
        "public/article.html",
        awaiting=awaiting,
        expected_wait=moderation.expected_wait() if awaiting else "",
        form=form,
        notice=notice,
        kept_text=kept_text,
        reply=reply,
        reply_problem=reply_problem,
        reply_notice=reply_notice,
        reply_slot=None,
        # Its address in full: the page may stand at the address the form posted to.
        reply_base=url_for("public.article", slug=article.slug),
        **_article_context(article, None),
    )
    return _personal((page, status))


def _reply_slot() -> str:
    """Where the comment form says whom the reader answers, in the page kept for everyone:
    an HTML comment, filled in when the page is served for `?reply_to=`."""
    return f"<!--{pagecache.slot('reply')}-->"


def _shared_article_page(
    found: pagecache.ArticlePageVersion, slug: str, reply_to: str | None
) -> Response:
    """The article page every reader without a notice of their own sees, the same bytes for
    all of them (the form's token too: protection.py).

    The version holds everything the page shows (comments_version moves in the same
    transaction as each moderation decision; the policy's notice moves with the article,
    its section or the site; the comments closing by time are in it too; the other
    articles it lists, pagecache.article_page_version), so a cached page never shows a
    withdrawn comment nor hides an approved one, nor offers a closed form; the key holds
    the form token's period, so the page is drawn again when the token changes.

    `?reply_to=` (a Reply link) is the same page with the comment it answers named in the
    form: the one kept page, its slot filled in as it is served, so a reply costs the cache
    no page of its own; its ETag names the comment.
    """
    article_id, version, section_id = found.article_id, found.version, found.section_id
    period = protection.form_period()

    def draw() -> str:
        article = _public_article_or_404(slug)
        form = CommentForm(formdata=None)
        form.form_token.data = protection.form_token(period)
        return render_template(
            "public/article.html",
            awaiting=[],
            form=form,
            notice="",
            kept_text="",
            reply=None,
            reply_problem="",
            reply_slot=_reply_slot(),
            reply_base="",
            **_article_context(article, found),
        )

    variant = None
    if reply_to:
        reply, problem = _reply_choice(article_id, reply_to)
        fragment = render_template(
            "public/_replying.html", reply=reply, reply_notice=problem, article_slug=slug
        )
        variant = (
            f":reply:{reply.id if reply else 'none'}",
            (_reply_slot().encode(), fragment.encode()),
        )
    return _versioned_page(
        f"article:{article_id}:{version}:{period}",
        draw,
        ["site", f"section-{section_id}", f"article-{article_id}"],
        changes_in=found.closes_in,
        variant=variant,
    )


@bp.get("/articles/<slug>")
def article(slug: str) -> ResponseReturnValue:
    reply_to = request.args.get("reply_to")
    if session.get("_flashes") or session.get("own_comments"):
        # Something on this page is for this reader alone: draw it for them.
        article = _find_public_article(slug)
        awaiting = _own_awaiting(article) if article is not None else []
        if awaiting or (article is not None and session.get("_flashes")):
            reply, problem = _reply_choice(article.id, reply_to)
            form = CommentForm(formdata=None)
            return _render_article(
                article, form, awaiting=awaiting, reply=reply, reply_notice=problem
            )
    found = pagecache.article_page_version(slug)
    if found is not None:
        return _shared_article_page(found, slug, reply_to)
    moved = db.session.scalar(sa.select(ArticleRedirect).where(ArticleRedirect.old_slug == slug))
    return _moved_to(moved.article if moved is not None else None)


def _moved_to(article: Article | None) -> Response:
    """301 to where an article answers now; 404 when there is none, or it isn't public."""
    if article is None or not article.is_public():
        abort(404)
    return redirect(url_for("public.article", slug=article.slug), 301)


# The dated addresses of a site imported from WordPress (its permalinks by day or month).
@bp.get("/<int(fixed_digits=4):year>/<int(fixed_digits=2):month>/<int(fixed_digits=2):day>/<slug>/")
def old_daily_address(year: int, month: int, day: int, slug: str) -> Response:
    return _moved_to(articles.article_at_old_path(articles.old_dated_key(year, month, day, slug)))


@bp.get("/<int(fixed_digits=4):year>/<int(fixed_digits=2):month>/<slug>/")
def old_monthly_address(year: int, month: int, slug: str) -> Response:
    return _moved_to(articles.article_at_old_path(articles.old_dated_key(year, month, None, slug)))


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


# The form posts to the article's own address: a comment refused comes back as the article
# page at the address it was sent from. The older address answers the same, for pages
# drawn before.
@bp.post("/articles/<slug>/comments")
@bp.post("/articles/<slug>")
@limiter.exempt
@csrf.exempt  # protected without a session (protection.py), so every reader gets one page
def post_comment(slug: str) -> ResponseReturnValue:
    if protection.cross_origin():
        return _personal(render_error(403, CROSS_SITE))
    if _comment_limit_reached():
        abort(429)
    form = CommentForm()
    secret_key = current_app.config["SECRET_KEY"]
    fingerprint = moderation.client_fingerprint(request.remote_addr, secret_key)
    # Only what storing needs is read here, with what is known of the commenter; the whole
    # article only when the page is redrawn.
    article = moderation.find_commentable(
        slug, email=form.author_email.data or "", fingerprint=fingerprint, body=form.body.data or ""
    )
    if article is None:
        abort(404)
    if not article.accepting(models.utcnow()):
        # Nothing to send it with any more: the reader's text comes back to keep.
        kept = (form.body.data or "").strip()[:BODY_MAX]
        notice = CLOSED_WITH_TEXT if kept else COMMENTS_CLOSED
        page = _public_article_or_404(slug)
        return _render_article(page, form, 403, notice=notice, kept_text=kept)
    # A reply answers a comment readers see on this article; anything else is refused with
    # the reader's text kept, as for any other mistake in the form.
    reply, reply_problem = _reply_choice(article.id, form.parent_id.data)
    if reply_problem:
        reply_problem = threads.REPLY_REFUSED
    if not form.validate_on_submit() or reply_problem:
        page = _public_article_or_404(slug)
        return _render_article(page, form, 422, reply=reply, reply_problem=reply_problem)

    name, email, body = form.author_name.data, form.author_email.data, form.body.data
    comment = moderation.submit_comment(
        article.id,
        author_name=name,
        author_email=email,
        body=body,
        fingerprint=fingerprint,
        is_spam=bool(form.website.data),
        submission_id=moderation.submission_id(
            secret_key,
            form.form_token.data,
            fingerprint,
            article.id,
            name,
            email,
            body,
            *([reply.id] if reply is not None else []),
        ),
        policy=article.policy,
        rules=moderation.rules_at(article.rules_version),
        notify_author=bool(form.notify.data),
        parent_id=reply.id if reply is not None else None,
        commenter=article.commenter,
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
        .where(Comment.id == comment_id, threads.shown(Comment.article_id))
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
    reply, _ = _reply_choice(article.id, form.parent_id.data)
    return _render_article(article, form, 429, notice=RATE_LIMITED, reply=reply)
