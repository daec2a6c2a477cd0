"""The sections articles are filed in: their order in the navigation, creating, renaming,
moving and deleting them. Every change redraws every cached page, whose navigation
lists them.

Views hand in what the admin typed; these functions decide, store and commit, and raise
FieldError (a ValueError naming the form field it belongs beside) when something is
refused. Nothing here reads the Flask request.
"""

from __future__ import annotations

import sqlalchemy as sa

from newsroom import content, moderation, pagecache
from newsroom.content import check_slug
from newsroom.extensions import db
from newsroom.models import Article, Section
from newsroom.refused import FieldError, commit_or_refuse

SECTION_SLUG_MAX = 80


def ordered_sections() -> list[Section]:
    """Sections in the order the site's navigation shows them."""
    return list(db.session.scalars(sa.select(Section).order_by(Section.position, Section.name)))


def article_counts_by_section() -> dict[int, int]:
    return dict(
        db.session.execute(
            sa.select(Article.section_id, sa.func.count()).group_by(Article.section_id)
        ).all()
    )


def _check_section_fields(section: Section | None, name: str, slug: str) -> tuple[str, str]:
    name = name.strip()
    if not name:
        raise FieldError("Please give the section a name.", "name")
    slug = check_slug(slug or content.slugify(name, SECTION_SLUG_MAX), SECTION_SLUG_MAX)
    query = sa.select(Section).where(Section.slug == slug)
    if section is not None:
        query = query.where(Section.id != section.id)
    other = db.session.scalar(query)
    if other is not None:
        raise FieldError(
            f"The address “{slug}” is already used by the section “{other.name}”.", "slug"
        )
    return name, slug


def _check_policy(policy: str | None) -> str | None:
    """A section's moderation policy: one of the policies, or None for the site's."""
    if policy and policy not in moderation.POLICY_LABELS:
        raise FieldError("Choose a moderation policy from the list.", "moderation_policy")
    return policy or None


def _commit_section(slug: str) -> None:
    # Sections are in every page's navigation: every cached page redraws.
    pagecache.touch_site()
    commit_or_refuse(f"The address “{slug}” was just taken by another section.", "slug")


def create_section(
    name: str, slug: str, description: str, moderation_policy: str | None = None
) -> Section:
    name, slug = _check_section_fields(None, name, slug)
    moderation_policy = _check_policy(moderation_policy)
    last = db.session.scalar(sa.select(sa.func.max(Section.position)))
    section = Section(
        name=name,
        slug=slug,
        description=description.strip(),
        position=(last + 1) if last is not None else 0,
        moderation_policy=moderation_policy,
    )
    db.session.add(section)
    _commit_section(slug)
    return section


# update_section's policy when the caller leaves it as it is.
UNCHANGED = "unchanged"


def update_section(
    section: Section,
    name: str,
    slug: str,
    description: str,
    moderation_policy: str | None = UNCHANGED,
) -> None:
    """Save a section; its policy (None: the site's) is stated under the comment form of
    each of its articles, so every page redraws, as for its name."""
    name, slug = _check_section_fields(section, name, slug)
    if moderation_policy != UNCHANGED:
        section.moderation_policy = _check_policy(moderation_policy)
    section.name = name
    section.slug = slug
    section.description = description.strip()
    _commit_section(slug)


def move_section(section: Section, step: int) -> bool:
    """Move a section one place up (-1) or down (+1); False when it is already at that end.

    Positions are renumbered 0..n-1 on the way, so sections that share a position
    (the default) still move predictably.
    """
    sections = ordered_sections()
    index = next(i for i, s in enumerate(sections) if s.id == section.id)
    target = index + step
    if not 0 <= target < len(sections):
        return False
    sections[index], sections[target] = sections[target], sections[index]
    for position, item in enumerate(sections):
        item.position = position
    pagecache.touch_site()  # the navigation's order changed on every page
    db.session.commit()
    return True


def delete_section(section: Section) -> None:
    """Delete an empty section; one with articles is refused, articles are never orphaned."""
    articles = db.session.scalar(
        sa.select(sa.func.count()).select_from(Article).where(Article.section_id == section.id)
    )
    if articles:
        raise FieldError(
            f"“{section.name}” still has {articles} "
            f"{'article' if articles == 1 else 'articles'}. Move or delete "
            f"{'it' if articles == 1 else 'them'} first."
        )
    db.session.delete(section)
    pagecache.touch_site()  # gone from every page's navigation
    # An article filed under it after the check makes the foreign key refuse the delete.
    commit_or_refuse(f"“{section.name}” just received an article, so it was not deleted.")
