"""The admin's overview page: how many articles, sections and staff the site has."""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template
from flask.typing import ResponseReturnValue

from newsroom.admin import bp
from newsroom.extensions import db
from newsroom.models import Article, ArticleStatus, Section, User, utcnow


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
