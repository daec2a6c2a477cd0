"""Admin pages: thin routes that read a form, call editorial/accounts, and redirect or re-render."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from wtforms import Form
from wtforms.fields.choices import SelectChoice

from newsroom import accounts, content, inputs, site
from newsroom import editorial as ed
from newsroom.access import admin_required
from newsroom.admin import bp
from newsroom.admin.forms import (
    ArticleFilterForm,
    ArticleForm,
    NewStaffForm,
    PreviewForm,
    RoleForm,
    SectionForm,
    SettingsForm,
)
from newsroom.extensions import db
from newsroom.forms import EmptyForm, NewPasswordForm
from newsroom.models import Article, ArticleStatus, Section, User, utcnow
from newsroom.site import current_settings

ADMIN_PER_PAGE = 25


@bp.before_request
@admin_required
def require_admin() -> None:
    """Every admin URL, present and future, is for admins only: checked once, here."""


def _show_error(form: Form, error: ValueError) -> None:
    """Put a refusal from the rules beside the field it is about, or above the form."""
    field = getattr(error, "field", None)
    if field and field in form:
        form[field].errors = [*form[field].errors, str(error)]
    else:
        form.form_errors.append(str(error))


def _form_status(form: Form) -> int:
    return 422 if form.errors else 200


# --- Overview ------------------------------------------------------------------------


@bp.get("/")
def index() -> ResponseReturnValue:
    now = utcnow()
    counts = {
        "draft": db.session.scalar(
            sa.select(sa.func.count()).where(Article.status == ArticleStatus.DRAFT)
        ),
        "scheduled": db.session.scalar(
            sa.select(sa.func.count()).where(
                Article.status == ArticleStatus.PUBLISHED, Article.published_at > now
            )
        ),
        "published": db.session.scalar(
            sa.select(sa.func.count()).where(Article.public_filter(now))
        ),
        "sections": db.session.scalar(sa.select(sa.func.count()).select_from(Section)),
        "staff": db.session.scalar(
            sa.select(sa.func.count()).select_from(User).where(User.is_active.is_(True))
        ),
    }
    return render_template("admin/index.html", counts=counts)


# --- Articles ------------------------------------------------------------------------


@bp.get("/articles/")
def articles() -> ResponseReturnValue:
    sections = site.ordered_sections()
    filters = ArticleFilterForm(formdata=request.args)
    filters.section.choices += [SelectChoice(str(s.id), s.name) for s in sections]
    status = filters.status.data if filters.status.data in ed.ListedStatus.ALL else None
    section = filters.section.data or ""
    section_id = int(section) if section.isdigit() else None
    title = (filters.q.data or "").strip()
    page = db.paginate(
        ed.article_list_query(status=status, section_id=section_id, title=title),
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
        filters=filters,
        active_filters=active_filters,
        listed_status=ed.listed_status,
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
        form.published_at.data = ed.utc_to_local(article.published_at, settings.timezone)
    form.section_id.choices = [
        SelectChoice("", "Choose a section"),
        *(SelectChoice(s.id, s.name) for s in sections),
    ]
    return form


def _fields_from(form: ArticleForm) -> ed.ArticleFields:
    wall_time: datetime | None = form.published_at.data
    published_at = (
        ed.local_to_utc(wall_time, current_settings().timezone) if wall_time is not None else None
    )
    return ed.ArticleFields(
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
    )


def _saved_message(article: Article) -> str:
    state = ed.listed_status(article)
    if state == ed.ListedStatus.DRAFT:
        return f"“{article.title}” was saved as a draft. Readers can't see it."
    if state == ed.ListedStatus.SCHEDULED:
        when = content.date_time(article.published_at, current_settings().timezone)
        return f"“{article.title}” is scheduled: readers will see it from {when}."
    return f"“{article.title}” is published."


def _editor(article: Article | None) -> ResponseReturnValue:
    sections = site.ordered_sections()
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
            article = ed.save_article(article, _fields_from(form), current_user)
        except ValueError as error:
            _show_error(form, error)
        else:
            flash(_saved_message(article), "success")
            return redirect(url_for("admin.edit_article", article_id=article.id), 303)
    if request.method == "POST":
        preview_html = content.render_markdown(form.body_markdown.data or "")
    return _editor_page(form, article, preview_html), _form_status(form)


def _editor_page(form: ArticleForm, article: Article | None, preview_html: str | None) -> str:
    return render_template(
        "admin/article_form.html",
        form=form,
        article=article,
        preview_html=preview_html,
        listed_status=ed.listed_status,
    )


@bp.route("/articles/new", methods=["GET", "POST"])
def new_article() -> ResponseReturnValue:
    return _editor(None)


@bp.route("/articles/<int:article_id>/edit", methods=["GET", "POST"])
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
            removed = ed.delete_article(article.id)
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
        comments=ed.comments_by_status(article),
    )


# --- Sections ------------------------------------------------------------------------


@bp.get("/sections/")
def sections() -> ResponseReturnValue:
    return render_template(
        "admin/sections.html",
        sections=site.ordered_sections(),
        article_counts=ed.article_counts_by_section(),
        form=EmptyForm(),
    )


def _section_editor(section: Section | None) -> ResponseReturnValue:
    form = SectionForm(obj=section)
    if form.validate_on_submit():
        try:
            if section is None:
                section = ed.create_section(form.name.data, form.slug.data, form.description.data)
                flash(f"The section “{section.name}” was created.", "success")
            else:
                ed.update_section(section, form.name.data, form.slug.data, form.description.data)
                flash(f"The section “{section.name}” was saved.", "success")
        except ValueError as error:
            _show_error(form, error)
        else:
            return redirect(url_for("admin.sections"), 303)
    return render_template("admin/section_form.html", form=form, section=section), _form_status(
        form
    )


@bp.route("/sections/new", methods=["GET", "POST"])
def new_section() -> ResponseReturnValue:
    return _section_editor(None)


@bp.route("/sections/<int:section_id>/edit", methods=["GET", "POST"])
def edit_section(section_id: int) -> ResponseReturnValue:
    return _section_editor(db.get_or_404(Section, section_id))


@bp.post("/sections/<int:section_id>/move")
def move_section(section_id: int) -> ResponseReturnValue:
    section = db.get_or_404(Section, section_id)
    direction = request.form.get("direction")
    if EmptyForm().validate_on_submit() and direction in {"up", "down"}:
        if ed.move_section(section, -1 if direction == "up" else 1):
            flash(f"“{section.name}” moved {direction}.", "success")
        else:
            flash(f"“{section.name}” is already at the {'top' if direction == 'up' else 'bottom'}.")
    return redirect(url_for("admin.sections", _anchor=f"section-{section_id}"), 303)


@bp.route("/sections/<int:section_id>/delete", methods=["GET", "POST"])
def delete_section(section_id: int) -> ResponseReturnValue:
    section = db.get_or_404(Section, section_id)
    form = EmptyForm()
    if form.validate_on_submit():
        name = section.name
        try:
            ed.delete_section(section)
        except ValueError as error:
            flash(f"Not deleted: {error}", "error")
        else:
            flash(f"The section “{name}” was deleted.", "success")
        return redirect(url_for("admin.sections"), 303)
    articles = ed.article_counts_by_section().get(section.id, 0)
    return render_template(
        "admin/section_delete.html", section=section, form=form, articles=articles
    )


# --- Staff ---------------------------------------------------------------------------


@bp.get("/staff/")
def staff() -> ResponseReturnValue:
    users = db.session.scalars(
        sa.select(User).order_by(User.is_active.desc(), User.display_name, User.id)
    ).all()
    return render_template("admin/staff.html", users=users)


@bp.route("/staff/new", methods=["GET", "POST"])
def new_staff() -> ResponseReturnValue:
    form = NewStaffForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_staff(
                form.email.data, form.name.data, form.role.data, form.password.data
            )
        except ValueError as error:
            _show_error(form, error)
        else:
            flash(f"{user.display_name} can now log in as {user.role}.", "success")
            return redirect(url_for("admin.staff"), 303)
    return render_template("admin/staff_new.html", form=form), _form_status(form)


def _staff_member_page(
    user: User, role_form: RoleForm | None = None, password_form: NewPasswordForm | None = None
) -> ResponseReturnValue:
    role_form = role_form or RoleForm(formdata=None, role=user.role)
    password_form = password_form or NewPasswordForm(formdata=None)
    status = 422 if role_form.errors or password_form.errors else 200
    return render_template(
        "admin/staff_member.html",
        user=user,
        role_form=role_form,
        password_form=password_form,
        state_form=EmptyForm(),
    ), status


@bp.get("/staff/<int:user_id>")
def staff_member(user_id: int) -> ResponseReturnValue:
    return _staff_member_page(db.get_or_404(User, user_id))


@bp.post("/staff/<int:user_id>/role")
def change_role(user_id: int) -> ResponseReturnValue:
    user = db.get_or_404(User, user_id)
    form = RoleForm()
    if form.validate_on_submit():
        try:
            accounts.change_role(user, form.role.data)
        except ValueError as error:
            _show_error(form, error)
        else:
            flash(
                f"{user.display_name} is now {'an admin' if user.is_admin else 'a moderator'}.",
                "success",
            )
            if user.id == current_user.id and not user.is_admin:
                # They have just given up the admin pages; send them somewhere they may go.
                return redirect(url_for("dashboard.queue"), 303)
            return redirect(url_for("admin.staff_member", user_id=user.id), 303)
    return _staff_member_page(user, role_form=form)


@bp.post("/staff/<int:user_id>/active")
def set_active(user_id: int) -> ResponseReturnValue:
    user = db.get_or_404(User, user_id)
    form = EmptyForm()
    activate = request.form.get("active") == "1"
    if form.validate_on_submit():
        try:
            accounts.set_active(user, activate, current_user)
        except ValueError as error:
            flash(f"Nothing was changed: {error}", "error")
        else:
            if activate:
                flash(f"{user.display_name} can log in again.", "success")
            else:
                flash(f"{user.display_name} is deactivated and logged out everywhere.", "success")
    return redirect(url_for("admin.staff_member", user_id=user_id), 303)


@bp.post("/staff/<int:user_id>/password")
def set_password(user_id: int) -> ResponseReturnValue:
    user = db.get_or_404(User, user_id)
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.set_password(user, form.new_password.data)
        except ValueError as error:
            _show_error(form, error)
        else:
            flash(f"{user.display_name}'s password has been changed.", "success")
            return redirect(url_for("admin.staff_member", user_id=user.id), 303)
    return _staff_member_page(user, password_form=form)


# --- Site identity and policy --------------------------------------------------------


@bp.route("/settings", methods=["GET", "POST"])
def settings() -> ResponseReturnValue:
    stored = site.current_settings()
    form = SettingsForm(obj=stored)
    form.timezone.choices = ed.timezone_names()
    if request.method == "GET":
        form.comments_open_by_default.data = "open" if stored.comments_open_by_default else "closed"
    if form.validate_on_submit():
        values = {name: form[name].data or "" for name in ed.SETTINGS_FIELDS}
        values["comments_open_by_default"] = form.comments_open_by_default.data == "open"
        try:
            ed.save_settings(values)
        except ValueError as error:
            _show_error(form, error)
        else:
            flash("The site's settings were saved. Every page shows them now.", "success")
            return redirect(url_for("admin.settings"), 303)
    return render_template("admin/settings.html", form=form), _form_status(form)
