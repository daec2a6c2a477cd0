"""The demo organization that `flask seed-demo` loads, read from the data files beside this module.

- `site.toml`: `[identity]` (the site settings) and `[[sections]]`, in the order the site
  lists them;
- `articles/*.md`: one article each, TOML front matter between two `+++` lines, then the
  body in Markdown; articles are loaded oldest first;
- `comments.toml`: `[[comments]]`, each naming its article by slug, loaded in file order;
  a reply names the comment it answers by its number in the file (`reply_to`).

`load()` checks every field before anything reaches the database, so a mistake in a file
stops `seed-demo` with the file's name and what is wrong, not with a half-loaded site.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from newsroom.models import ArticleStatus, CommentStatus
from newsroom.site_settings import COMMENT_TERMS_FIELDS, DIGEST_FIELDS, SETTINGS_FIELDS

DATA_DIR = Path(__file__).parent
FENCE = "+++"


class DemoContentError(ValueError):
    """A demo data file can't be read, or a field in it is missing or wrong."""


@dataclass(frozen=True)
class DemoSection:
    name: str
    slug: str
    description: str


@dataclass(frozen=True)
class DemoArticle:
    title: str
    slug: str
    section: str
    status: str
    published_at: datetime
    summary: str
    comments_open: bool
    body_markdown: str
    source_name: str | None = None
    source_url: str | None = None


@dataclass(frozen=True)
class DemoComment:
    article: str
    author_name: str
    author_email: str
    status: str
    minutes_after: int
    body: str
    held_reasons: str = ""
    # The number of the comment this one answers: an earlier one on the same article,
    # counted from 1 in the file.
    reply_to: int | None = None


@dataclass(frozen=True)
class DemoContent:
    identity: dict[str, str]
    sections: list[DemoSection]
    articles: list[DemoArticle]
    comments: list[DemoComment]


# Field name -> type. A field that is in neither list is refused, so a misspelt one is
# reported instead of quietly ignored.
# The settings an admin edits, all text but the comment terms (the comments' default, the
# moderation policy, closing) and when the moderators' digest goes out, which the demo
# leaves at the defaults.
IDENTITY_FIELDS = dict.fromkeys(
    (name for name in SETTINGS_FIELDS if name not in COMMENT_TERMS_FIELDS | DIGEST_FIELDS), str
)
SECTION_FIELDS = {"name": str, "slug": str, "description": str}
ARTICLE_FIELDS = {
    "title": str,
    "slug": str,
    "section": str,
    "status": str,
    "published_at": datetime,
    "summary": str,
    "comments_open": bool,
}
ARTICLE_OPTIONAL_FIELDS = {"source_name": str, "source_url": str}
COMMENT_FIELDS = {
    "article": str,
    "author_name": str,
    "author_email": str,
    "status": str,
    "minutes_after": int,
    "body": str,
}
COMMENT_OPTIONAL_FIELDS = {"held_reasons": str, "reply_to": int}

TYPE_WORDS = {
    str: 'text in quotes ("...")',
    bool: "true or false",
    int: "a whole number",
    datetime: "a date and time with a UTC offset, e.g. 2024-05-01T14:00:00Z",
}


def load(directory: Path = DATA_DIR) -> DemoContent:
    """Read and check every demo data file in `directory`."""
    site_file = directory / "site.toml"
    site = _read_toml(site_file, {"identity", "sections"})
    identity = _fields(site.get("identity"), IDENTITY_FIELDS, {}, f"{site_file}, [identity]")
    sections = [
        DemoSection(**_fields(table, SECTION_FIELDS, {}, f"{site_file}, section {number}"))
        for number, table in _numbered(site.get("sections"), "sections", site_file)
    ]
    _refuse_duplicates("section slug", [(s.slug, str(site_file)) for s in sections])

    article_files = sorted((directory / "articles").glob("*.md"))
    if not article_files:
        raise DemoContentError(f"{directory / 'articles'}: no article files (*.md)")
    section_slugs = {s.slug for s in sections}
    articles = [_read_article(path, section_slugs) for path in article_files]
    _refuse_duplicates(
        "article slug", [(a.slug, str(p)) for a, p in zip(articles, article_files, strict=True)]
    )
    articles.sort(key=lambda article: (article.published_at, article.slug))

    comments_file = directory / "comments.toml"
    comment_tables = _read_toml(comments_file, {"comments"}).get("comments")
    slugs = {a.slug for a in articles}
    comments = []
    for number, table in _numbered(comment_tables, "comments", comments_file):
        where = f"{comments_file}, comment {number}"
        fields = _fields(table, COMMENT_FIELDS, COMMENT_OPTIONAL_FIELDS, where)
        _check_choice(fields, "status", [s.value for s in CommentStatus], where)
        if fields["article"] not in slugs:
            raise DemoContentError(
                f"{where}: article {fields['article']!r} is not the slug of any article file"
            )
        if fields["minutes_after"] < 0:
            raise DemoContentError(f"{where}: minutes_after can't be negative")
        answered = fields.get("reply_to")
        if answered is not None and not (
            0 < answered < number and comments[answered - 1].article == fields["article"]
        ):
            raise DemoContentError(
                f"{where}: reply_to must be the number of an earlier comment on the same article"
            )
        comments.append(DemoComment(**fields))

    return DemoContent(identity=identity, sections=sections, articles=articles, comments=comments)


def _read_article(path: Path, section_slugs: set[str]) -> DemoArticle:
    lines = _read_text(path).splitlines()
    if not lines or lines[0].strip() != FENCE:
        raise DemoContentError(f"{path}: should start with a '{FENCE}' line, then the front matter")
    try:
        end = next(n for n, line in enumerate(lines) if n > 0 and line.strip() == FENCE)
    except StopIteration:
        raise DemoContentError(f"{path}: the front matter has no closing '{FENCE}' line") from None
    try:
        # The opening fence as an empty line, so the parser's line numbers are the file's.
        front = tomllib.loads("\n".join(["", *lines[1:end]]))
    except tomllib.TOMLDecodeError as error:
        raise DemoContentError(f"{path}: {error}") from None
    fields = _fields(front, ARTICLE_FIELDS, ARTICLE_OPTIONAL_FIELDS, str(path))
    _check_choice(fields, "status", [s.value for s in ArticleStatus], str(path))
    _check_choice(fields, "section", sorted(section_slugs), str(path))
    body = "\n".join(lines[end + 1 :]).strip("\n").rstrip()
    if not body:
        raise DemoContentError(f"{path}: no article text after the front matter")
    return DemoArticle(**fields, body_markdown=body)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise DemoContentError(f"{path}: can't be read ({error})") from None


def _read_toml(path: Path, allowed: set[str]) -> dict[str, Any]:
    try:
        data = tomllib.loads(_read_text(path))
    except tomllib.TOMLDecodeError as error:
        raise DemoContentError(f"{path}: {error}") from None
    unknown = sorted(data.keys() - allowed)
    if unknown:
        raise DemoContentError(
            f"{path}: unknown {_names(unknown)}; expected {_names(sorted(allowed))}"
        )
    return data


def _numbered(tables: Any, name: str, path: Path) -> Iterable[tuple[int, Any]]:
    if not isinstance(tables, list) or not tables:
        raise DemoContentError(f"{path}: no [[{name}]] entries")
    return enumerate(tables, start=1)


def _fields(
    table: Any, required: dict[str, type], optional: dict[str, type], where: str
) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise DemoContentError(f"{where}: missing (expected a table of fields)")
    missing = [name for name in required if name not in table]
    unknown = [name for name in table if name not in required and name not in optional]
    if missing and unknown:  # most likely a misspelling
        raise DemoContentError(f"{where}: missing {_names(missing)}, unknown {_names(unknown)}")
    if missing:
        raise DemoContentError(f"{where}: missing {_names(missing)}")
    if unknown:
        expected = _names([*required, *optional])
        raise DemoContentError(f"{where}: unknown {_names(unknown)}; expected {expected}")
    for name, value in table.items():
        kind = required.get(name) or optional[name]
        if not _is_a(value, kind):
            raise DemoContentError(f"{where}: {name} should be {TYPE_WORDS[kind]}, not {value!r}")
    return dict(table)


def _is_a(value: Any, kind: type) -> bool:
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is datetime:
        return isinstance(value, datetime) and value.utcoffset() is not None
    return isinstance(value, kind)


def _check_choice(fields: dict[str, Any], name: str, choices: list[str], where: str) -> None:
    if fields[name] not in choices:
        raise DemoContentError(
            f"{where}: {name} is {fields[name]!r}; expected one of {', '.join(choices)}"
        )


def _refuse_duplicates(what: str, slugs_and_places: list[tuple[str, str]]) -> None:
    places: dict[str, list[str]] = {}
    for slug, place in slugs_and_places:
        places.setdefault(slug, []).append(place)
    for slug, where in places.items():
        if len(where) > 1:
            raise DemoContentError(f"{what} {slug!r} is used more than once: {', '.join(where)}")


def _names(names: Iterable[str]) -> str:
    names = list(names)
    return ("field " if len(names) == 1 else "fields ") + ", ".join(names)
