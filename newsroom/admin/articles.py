"""Admin pages for articles: the list, the editor with its preview, and deleting. Thin
routes that read a form, call the articles service, and redirect or re-render."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from newsroom import articles as article_service
from newsroom import content, images, inputs, moderation
from newsroom.admin import bp
from newsroom.admin.form_errors import form_status, show_error
from newsroom.admin.forms import ArticleFilterForm, ArticleForm, PreviewForm
from newsroom.extensions import db
from newsroom.forms import EmptyForm
from newsroom.models import Article, ArticleStatus, Section, utcnow
from newsroom.refused import FieldError
from newsroom.sections import ordered_sections
from newsroom.site import current_settings

ADMIN_PER_PAGE = 25


@bp.get("/articles/")
def articles() -> ResponseReturnValue:
    sections = ordered_sections()
    filters = ArticleFilterForm(formdata=request.args)
    filters.section.choices += [SelectChoice(str(s.id), s.name) for s in sections]
    status = (
        filters.status.data if filters.status.data in article_service.ListedStatus.ALL else None
    )
    section_id = inputs.whole_number(filters.section.data)
    title = (filters.q.data or "").strip()
    page = db.paginate(
        article_service.article_list_query(status=status, section_id=section_id, title=title),
        page=inputs.page_number(),
        per_page=current_app.config.get("ADMIN_PER_PAGE", ADMIN_PER_PAGE),
        error_out=False,
    )
    active_filters = {
        key: value
        for key, value in {"q": title, "status": status, "section": section_id}.items()
        if value
    }
    return render_template(
        "admin/articles.html",
        page=page,
        pending=moderation.pending_on([article.id for article in page.items]),
        filters=filters,
        active_filters=active_filters,
        listed_status=article_service.listed_status,
        now=utcnow(),
    )


def _editor_form(article: Article | None, sections: list[Section]) -> ArticleForm:
    settings = current_settings()
    if request.method == "POST":
        form = ArticleForm()
    elif article is None:
        form = ArticleForm(
            comments_open=settings.comments_open_by_default,
            status=ArticleStatus.DRAFT,
            # With several sections a new article is filed by choice, not by whichever
            # section happens to be listed first.
            section_id=sections[0].id if len(sections) == 1 else None,
        )
    else:
        form = ArticleForm(obj=article)
        # The input shows the site's wall clock, not the UTC the database keeps.
        form.published_at.data = article_service.utc_to_local(
            article.published_at, settings.timezone
        )
    form.section_id.choices = [
        SelectChoice("", "Choose a section"),
        *(SelectChoice(s.id, s.name) for s in sections),
    ]
    return form


def _chosen_image(form: ArticleForm, article: Article | None) -> images.StoredImage | None:
    """The picture the article is to show: a new upload (checked and stored here: a
    FieldError when refused), one uploaded with an earlier try of this form, the one it
    has, or none."""
    if form.remove_image.data:
        return None
    upload = form.image.data
    if upload is not None and getattr(upload, "filename", ""):
        stored = images.store_upload(
            upload.read(current_app.config["IMAGE_MAX_BYTES"] + 1),
            images.upload_folder(current_app.instance_path),
            current_app.config["IMAGE_MAX_BYTES"],
        )
        form.kept_image.data = stored.name
        return stored
    if form.kept_image.data:
        kept = images.stored(form.kept_image.data, current_app.instance_path)
        if kept is None:
            # Removed since the earlier try: the only article showing the same picture let
            # go of it. Asked again, not dropped in silence; the next try starts afresh.
            form.kept_image.data = ""
            raise FieldError(images.NO_LONGER_STORED, images.FIELD)
        return kept
    if article is not None and article.image_name:
        return images.StoredImage(article.image_name, article.image_width, article.image_height)
    return None


def _fields_from(
    form: ArticleForm, image: images.StoredImage | None
) -> article_service.ArticleFields:
    wall_time: datetime | None = form.published_at.data
    published_at = (
        article_service.local_to_utc(wall_time, current_settings().timezone)
        if wall_time is not None
        else None
    )
    return article_service.ArticleFields(
        title=form.title.data or "",
        slug=(form.slug.data or "").strip(),
        section_id=form.section_id.data,
        summary=form.summary.data or "",
        body_markdown=form.body_markdown.data or "",
        status=form.status.data,
        published_at=published_at,
        comments_open=form.comments_open.data,
        source_name=form.source_name.data or "",
        source_url=form.source_url.data or "",
        moderation_policy=form.moderation_policy.data or None,
        comments_close_after_days=form.comments_close_after_days.data,
        image=image,
        image_alt=form.image_alt.data or "",
    )


def _saved_message(article: Article) -> str:
    state = article_service.listed_status(article)
    if state == article_service.ListedStatus.DRAFT:
        return f"“{article.title}” was saved as a draft. Readers can't see it."
    if state == article_service.ListedStatus.SCHEDULED:
        when = content.date_time(article.published_at, current_settings().timezone)
        return f"“{article.title}” is scheduled: readers will see it from {when}."
    return f"“{article.title}” is published."


def _editor(article: Article | None) -> ResponseReturnValue:
    sections = ordered_sections()
    if not sections:
        flash("Articles are filed in sections. Create a section first.", "warning")
        return redirect(url_for("admin.new_section"), 303)
    form = _editor_form(article, sections)
    preview_html = article.body_html if article is not None else ""
    if request.method == "POST" and form.preview.data:
        # The Preview button, for when the live preview can't run: nothing is saved.
        preview_html = content.render_markdown(form.body_markdown.data or "")
        return _editor_page(form, article, preview_html)
    if form.validate_on_submit():
        try:
            image = _chosen_image(form, article)
            article = article_service.save_article(article, _fields_from(form, image), current_user)
        except ValueError as error:
            show_error(form, error)
        else:
            flash(_saved_message(article), "success")
            return redirect(url_for("admin.edit_article", article_id=article.id), 303)
    if request.method == "POST":
        preview_html = content.render_markdown(form.body_markdown.data or "")
    return _editor_page(form, article, preview_html), form_status(form)


def _editor_page(form: ArticleForm, article: Article | None, preview_html: str | None) -> str:
    kept = images.stored(form.kept_image.data or "", current_app.instance_path)
    return render_template(
        "admin/article_form.html",
        form=form,
        article=article,
        kept_image=kept,
        preview_html=preview_html,
        listed_status=article_service.listed_status,
    )


@bp.route("/articles/new", methods=["GET", "POST"])
@inputs.accepts_uploads
def new_article() -> ResponseReturnValue:
    return _editor(None)


@bp.route("/articles/<int:article_id>/edit", methods=["GET", "POST"])
@inputs.accepts_uploads
def edit_article(article_id: int) -> ResponseReturnValue:
    return _editor(db.get_or_404(Article, article_id))


@bp.post("/articles/preview")
def preview_article() -> ResponseReturnValue:
    """The live preview: the editor's body through the same renderer as the public page."""
    form = PreviewForm()
    form.validate_on_submit()
    return render_template(
        "admin/_preview.html", preview_html=content.render_markdown(form.body_markdown.data or "")
    )


@bp.route("/articles/<int:article_id>/delete", methods=["GET", "POST"])
def delete_article(article_id: int) -> ResponseReturnValue:
    article = db.get_or_404(Article, article_id)
    form = EmptyForm()
    if form.validate_on_submit():
        title = article.title
        try:
            removed = article_service.delete_article(article.id)
        except ValueError as error:
            flash(str(error), "error")
        else:
            comments = f"{removed} comment{'' if removed == 1 else 's'}"
            flash(f"“{title}” was deleted, with its {comments}.", "success")
        return redirect(url_for("admin.articles"), 303)
    return render_template(
        "admin/article_delete.html",
        article=article,
        form=form,
        comments=article_service.comments_by_status(article),
    )
