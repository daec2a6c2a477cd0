"""The demo data files (newsroom/demo/) and the loader that checks them."""

import shutil

import pytest
import sqlalchemy as sa

from newsroom import demo
from newsroom.extensions import db
from newsroom.models import Article, SiteSettings


def test_every_demo_file_is_read():
    content = demo.load()

    article_files = sorted((demo.DATA_DIR / "articles").glob("*.md"))
    assert sorted(a.slug for a in content.articles) == [p.stem for p in article_files]
    assert [a.published_at for a in content.articles] == sorted(
        a.published_at for a in content.articles
    )
    assert content.identity["organization_name"] == "Lakeshore Watershed Alliance"
    assert [s.slug for s in content.sections] == ["in-the-news", "press-releases", "field-notes"]
    assert all(a.body_markdown and a.summary for a in content.articles)
    assert {a.status for a in content.articles} == {"published", "draft"}
    assert sum(1 for a in content.articles if a.source_name and a.source_url) >= 3
    assert {c.status for c in content.comments} == {"pending", "approved", "rejected", "spam"}
    assert {c.article for c in content.comments} <= {a.slug for a in content.articles}
    held = next(c for c in content.comments if c.held_reasons)
    assert held.status == "pending" and held.held_reasons == "contains a link"
    # Paragraph breaks survive, TOML's line continuations don't show.
    assert any("\n\n" in c.body for c in content.comments)
    assert not any("\\" in c.body or "\n " in c.body for c in content.comments)
    # Some readers answer one another: the demo shows threads.
    replies = [c for c in content.comments if c.reply_to is not None]
    assert replies and all(content.comments[c.reply_to - 1].article == c.article for c in replies)


@pytest.fixture
def demo_copy(tmp_path):
    """A copy of the demo data files that a test may spoil."""
    shutil.copytree(
        demo.DATA_DIR,
        tmp_path,
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns("*.py", "__pycache__"),
    )
    return tmp_path


def spoil(path, old, new=""):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_an_article_without_a_required_field_names_its_file(demo_copy):
    article = demo_copy / "articles" / "counting-loons-north-bay.md"
    spoil(article, 'section = "field-notes"\n')

    with pytest.raises(demo.DemoContentError) as error:
        demo.load(demo_copy)

    assert str(error.value) == f"{article}: missing field section"


def test_a_comment_without_a_required_field_names_the_file_and_the_comment(demo_copy):
    comments = demo_copy / "comments.toml"
    spoil(comments, 'author_email = "m.oduya@example.net"\n')

    with pytest.raises(demo.DemoContentError) as error:
        demo.load(demo_copy)

    assert str(error.value) == f"{comments}, comment 2: missing field author_email"


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        ("site.toml", 'fax = "+1 218.555.0143"\n', "", "[identity]: missing field fax"),
        ("site.toml", 'slug = "field-notes"', 'slig = "field-notes"', "section 3: missing"),
        (
            "articles/counting-loons-north-bay.md",
            "comments_open = true",
            'comments_open = "yes"',
            "comments_open should be true or false, not 'yes'",
        ),
        (
            "articles/counting-loons-north-bay.md",
            "published_at = 2023-07-09T12:45:00Z",
            "published_at = 2023-07-09T12:45:00",
            "published_at should be a date and time with a UTC offset",
        ),
        (
            "articles/counting-loons-north-bay.md",
            'section = "field-notes"',
            'section = "field-note"',
            "section is 'field-note'; expected one of ",
        ),
        ("articles/counting-loons-north-bay.md", "+++\n\n", "\n", "no closing '+++' line"),
        ("comments.toml", 'status = "approved"', 'status = "approve"', "comment 1: status is"),
        ("comments.toml", "minutes_after = 48", "minutes_afer = 48", "unknown field minutes_afer"),
        ("comments.toml", "[[comments]]", "[[comment]]", "unknown field comment"),
        ("comments.toml", "reply_to = 2", "reply_to = 3", "comment 3: reply_to must be"),
        ("comments.toml", "reply_to = 15", "reply_to = 2", "comment 16: reply_to must be"),
    ],
)
def test_a_wrong_value_names_the_file_and_what_is_wrong(demo_copy, file, old, new, message):
    spoil(demo_copy / file, old, new)

    with pytest.raises(demo.DemoContentError) as error:
        demo.load(demo_copy)

    assert str(error.value).startswith(str(demo_copy / file))
    assert message in str(error.value)


def test_seed_demo_stops_at_a_broken_file_before_loading_anything(
    app, runner, demo_copy, monkeypatch
):
    spoil(demo_copy / "comments.toml", 'author_email = "m.oduya@example.net"\n')
    load = demo.load
    monkeypatch.setattr(demo, "load", lambda: load(demo_copy))

    result = runner.invoke(args=["seed-demo"])

    assert result.exit_code == 1
    assert f"{demo_copy / 'comments.toml'}, comment 2: missing field author_email" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Article)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SiteSettings)) == 0
