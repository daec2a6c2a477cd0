"""The flask commands: demo content and staff accounts."""

from datetime import timedelta

import sqlalchemy as sa

from newsroom import moderation
from newsroom.extensions import db
from newsroom.models import Article, ArticleStatus, Comment, Section, SiteSettings, User, utcnow
from tests.conftest import page, text_of


def test_seed_demo_fills_an_empty_database_once(app, runner, client):
    result = runner.invoke(args=["seed-demo"])

    assert result.exit_code == 0, result.output
    assert "admin@lakeshore-watershed.example  password: " in result.output
    assert "moderator@lakeshore-watershed.example  password: " in result.output
    sections = db.session.scalars(sa.select(Section.name)).all()
    assert "In the News" in sections and len(sections) >= 2
    articles = db.session.scalars(sa.select(Article)).all()
    now = utcnow()
    published = [a for a in articles if a.is_public(now)]
    assert len(published) >= 12
    assert any(a.status == ArticleStatus.DRAFT for a in articles)
    assert any(a.status == ArticleStatus.PUBLISHED and a.published_at > now for a in articles)
    assert any(a.source_name and "<blockquote>" in a.body_html for a in published)
    statuses = set(db.session.scalars(sa.select(Comment.status)))
    assert statuses == {"pending", "approved", "rejected", "spam"}
    assert moderation.tally()["pending"] == db.session.scalar(
        sa.select(sa.func.count()).where(Comment.status == "pending")
    )
    settings = db.session.scalar(sa.select(SiteSettings))
    assert settings.fax and settings.telephone and settings.contact_email
    # Replies answer comments on their own article.
    replies = db.session.scalars(sa.select(Comment).where(Comment.parent_id.is_not(None))).all()
    assert replies
    assert all(db.session.get(Comment, r.parent_id).article_id == r.article_id for r in replies)

    # The printed logins work.
    line = next(x for x in result.output.splitlines() if "moderator@" in x)
    password = line.split("password: ")[1].strip()
    user = db.session.scalar(sa.select(User).where(User.email.startswith("moderator@")))
    assert user.check_password(password)

    html = page(client.get("/"))
    assert text_of(html.select_one(".site-name")) == settings.organization_name

    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0
    assert "already has content" in again.output
    assert line in again.output  # the logins are shown again
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Article)) == len(articles)


def test_demo_dates_are_realistic(app, runner):
    runner.invoke(args=["seed-demo"])
    dates = db.session.scalars(sa.select(Article.published_at).where(Article.public_filter())).all()
    assert max(dates) - min(dates) > timedelta(days=365)


def test_create_user_with_password_on_stdin(app, runner):
    result = runner.invoke(
        args=[
            "create-user",
            "New.Mod@Example.com",
            "--name",
            "New Mod",
            "--role",
            "admin",
            "--password-stdin",
        ],
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "new.mod@example.com"))
    assert (user.display_name, user.role) == ("New Mod", "admin")
    assert user.check_password("a long enough password")


def test_create_user_asks_twice_when_interactive(app, runner):
    result = runner.invoke(
        args=["create-user", "ask@example.com", "--name", "Asked"],
        input="first attempt 1\nsecond attempt\nsame password 12\nsame password 12\n",
    )
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output.lower() or "match" in result.output.lower()
    user = db.session.scalar(sa.select(User).where(User.email == "ask@example.com"))
    assert user.role == "moderator" and user.check_password("same password 12")


def test_create_user_refuses_short_passwords_and_duplicates(app, runner, moderator):
    short = runner.invoke(
        args=["create-user", "x@example.com", "--name", "X", "--password-stdin"], input="short\n"
    )
    assert short.exit_code != 0
    assert "at least 10 characters" in short.output

    duplicate = runner.invoke(
        args=["create-user", moderator.email.upper(), "--name", "Dup", "--password-stdin"],
        input="a long enough password\n",
    )
    assert duplicate.exit_code != 0
    assert "already an account" in duplicate.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_analyze_gives_the_planner_statistics(app, runner, article, make_comment):
    make_comment(article)
    result = runner.invoke(args=["analyze"])

    assert result.exit_code == 0, result.output
    assert "statistics refreshed" in result.output
    if db.engine.dialect.name == "sqlite":
        analyzed = db.session.scalars(sa.text("SELECT tbl FROM sqlite_stat1")).all()
        assert {"articles", "comments"} <= set(analyzed)
        db.session.execute(sa.text("DELETE FROM sqlite_stat1"))
        db.session.commit()
    else:
        analyzed = db.session.scalars(
            sa.text("SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL")
        ).all()
        assert {"articles", "comments"} <= set(analyzed)
