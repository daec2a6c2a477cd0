"""`flask bench-data`: a site that is years old, for benchmarks — fast, with bulk inserts.

Sections, articles across years, comments in every state, a few articles with hundreds of
approved comments, a pending backlog, and one known article (`bench-article-200`) with
exactly 200 approved comments for the article-page benchmark.
"""

from __future__ import annotations

import random
import secrets
from datetime import UTC, datetime, timedelta

import click
import sqlalchemy as sa
from flask import current_app

from newsroom import content, moderation, planner, search
from newsroom.extensions import db
from newsroom.models import Article, Comment, Role, Section, SiteSettings, User

BENCH_ARTICLE = "bench-article-200"
BENCH_MODERATOR = "bench-moderator@newsroom.example"
BATCH = 20_000
# Readers come back: a million comments come from this many readers (an address and an
# e-mail each), so "have we seen this reader" lookups meet repeat visitors, as on a real site.
READERS = 50_000

_PROSE = (
    "river lake council members said the plan would protect water quality residents "
    "volunteers gathered on saturday morning to clean the shore county officials "
    "agreed that funding should continue next year while others asked for more data "
    "on runoff from farms and new roads the alliance published its annual report "
    "showing clearer water in the north bay and fewer algae blooms than last summer"
)
_WORDS = _PROSE.split()


def _sentence(rng: random.Random, low: int = 8, high: int = 22) -> str:
    words = rng.choices(_WORDS, k=rng.randint(low, high))
    return " ".join(words).capitalize() + "."


def _paragraph(rng: random.Random, sentences: int) -> str:
    return " ".join(_sentence(rng) for _ in range(sentences))


def generate(
    articles: int, comments: int, moderator_password: str, seed: int = 7
) -> dict[str, int]:
    """Fill the database; returns what was made. Expects an empty content database."""
    rng = random.Random(seed)  # nosec B311 # made-up benchmark data, repeatable by its seed
    now = datetime.now(UTC).replace(microsecond=0)
    if db.session.scalar(sa.select(SiteSettings.id).limit(1)) is None:
        db.session.add(
            SiteSettings(
                organization_name="Benchmark Press",
                tagline="Ten years of local news",
                contact_email="desk@bench.example",
                street_address="1 Load Street, Testville",
                telephone="+1 555.0199",
                fax="+1 555.0198",
                footer_text="Benchmark Press",
                comment_policy="Be civil. Every comment is reviewed before it appears.",
            )
        )
    section_names = ["In the News", "Press Releases", "Field Notes", "Opinion"]
    sections = [
        Section(name=n, slug=content.slugify(n), position=i) for i, n in enumerate(section_names)
    ]
    db.session.add_all(sections)
    moderator = User(email=BENCH_MODERATOR, display_name="Bench Moderator", role=Role.MODERATOR)
    moderator.set_password(moderator_password)
    db.session.add(moderator)
    db.session.flush()

    # A handful of bodies, rendered once and shared: rendering isn't what is measured.
    bodies = []
    for _ in range(8):
        markdown = "\n\n".join(_paragraph(rng, rng.randint(3, 6)) for _ in range(rng.randint(4, 8)))
        bodies.append((markdown, content.render_markdown(markdown)))

    article_rows = []
    span = timedelta(days=365 * 10)
    for number in range(articles):
        published = now - span + span * (number + 1) / (articles + 1)
        markdown, html = bodies[number % len(bodies)]
        title = f"{_sentence(rng, 4, 9)[:-1]} ({number})"
        article_rows.append(
            {
                "section_id": sections[number % len(sections)].id,
                "title": title,
                "slug": BENCH_ARTICLE if number == articles - 1 else f"bench-{number}",
                "summary": _sentence(rng, 12, 24),
                "body_markdown": markdown,
                "body_html": html,
                "status": "published",
                "published_at": published - timedelta(days=1),
                "created_at": published - timedelta(days=2),
                "updated_at": published - timedelta(days=1),
                "comments_open": True,
            }
        )
    db.session.execute(sa.insert(Article), article_rows)
    db.session.commit()
    search.reindex_articles()
    ids = db.session.execute(sa.select(Article.id, Article.slug, Article.published_at)).all()
    bench = next(row for row in ids if row.slug == BENCH_ARTICLE)
    others = [row for row in ids if row.slug != BENCH_ARTICLE]
    # Comments bunch up on popular articles: a few get hundreds, most get a handful.
    weights = [rng.paretovariate(1.2) for _ in others]

    secret = current_app.config["SECRET_KEY"]
    readers = [
        (
            moderation.client_fingerprint(f"10.{n // 65536}.{n // 256 % 256}.{n % 256}", secret),
            f"reader{n}@example.com",
        )
        for n in range(READERS)
    ]
    made = 0
    with click.progressbar(length=comments, label="Comments") as bar:
        pending_rows = [
            _comment_row(rng, readers, bench, "approved", now, minutes=i) for i in range(200)
        ] + [_comment_row(rng, readers, bench, "pending", now, minutes=300 + i) for i in range(5)]
        while made < comments:
            size = min(BATCH, comments - made)
            rows = pending_rows if pending_rows else []
            pending_rows = []
            targets = rng.choices(others, weights=weights, k=max(0, size - len(rows)))
            for target in targets:
                roll = rng.random()
                status = (
                    "approved"
                    if roll < 0.85
                    else "pending"
                    if roll < 0.93
                    else "rejected"
                    if roll < 0.97
                    else "spam"
                )
                rows.append(_comment_row(rng, readers, target, status, now))
            _cache_for_bulk_inserts()
            db.session.execute(sa.insert(Comment), rows)
            db.session.commit()
            made += len(rows)
            bar.update(len(rows))
    moderation.recount()
    planner.refresh_statistics()
    return {"articles": articles, "comments": made}


# SQLite's page cache while the comments go in: each lands in a dozen B-trees (the table,
# its indexes and the full-text index) at places all over them, and with the default 2 MB
# every insert read its pages back in. 512 MB made a million comments eight times faster.
BULK_CACHE_KIB = 512 * 1024


def _cache_for_bulk_inserts() -> None:
    """A large page cache on the connection the next batch goes through (SQLite only; a
    pragma holds for its connection, so it is set again at every batch)."""
    if db.engine.dialect.name == "sqlite":
        db.session.execute(sa.text(f"PRAGMA cache_size=-{BULK_CACHE_KIB}"))


def _comment_row(
    rng: random.Random,
    readers: list[tuple[str, str]],
    article,
    status: str,
    now: datetime,
    minutes: int | None = None,
) -> dict:
    if minutes is None:
        age = (now - article.published_at).total_seconds()
        created = article.published_at + timedelta(seconds=rng.random() * max(age, 60))
    else:
        created = min(article.published_at + timedelta(minutes=minutes), now)
    name = rng.choice(["Ana", "Ben", "Chloe", "Dev", "Eli", "Fay", "Gus", "Hana"])
    # Some readers write far more than others: the first tenth write a third of the comments.
    fingerprint, email = readers[int(len(readers) * rng.random() ** 2)]
    return {
        "article_id": article.id,
        "author_name": f"{name} {rng.randint(1, 999)}",
        "author_email": email,
        "client_fingerprint": fingerprint,
        "body": "\n\n".join(_paragraph(rng, rng.randint(1, 3)) for _ in range(rng.randint(1, 2))),
        "status": status,
        "created_at": created,
        "held_reasons": "first comment from this commenter" if status == "pending" else "",
    }


@click.command("bench-data")
@click.option("--articles", default=10_000, show_default=True)
@click.option("--comments", default=1_000_000, show_default=True)
@click.option("--seed", default=7, show_default=True)
@click.option(
    "--moderator-password",
    default=lambda: secrets.token_urlsafe(12),
    help="Password for the benchmark moderator (default: generated and printed).",
)
def bench_data(articles: int, comments: int, seed: int, moderator_password: str) -> None:
    """Fill an empty database with a large, realistic data set for benchmarks."""
    if db.session.scalar(sa.select(Article.id).limit(1)) is not None:
        raise click.ClickException("The database already has articles; use an empty one.")
    if articles < 2:
        raise click.ClickException("Use at least 2 articles.")
    made = generate(articles, comments, moderator_password, seed)
    click.echo(
        f"Made {made['articles']:,} articles and {made['comments']:,} comments. "
        f"Benchmark article: /articles/{BENCH_ARTICLE}; "
        f"moderator: {BENCH_MODERATOR} password: {moderator_password}"
    )
