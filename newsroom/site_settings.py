"""The site's identity and policy (the moderation policy and comments closing by time among
it): the one settings row, what a site nobody has set up shows, the timezones an admin
can choose, and saving.

Views hand in what the admin typed; save_settings decides, stores and commits, and raises
FieldError (a ValueError naming the form field it belongs beside) when something is
refused. Nothing here reads the Flask request.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from newsroom import moderation, purge
from newsroom.extensions import db
from newsroom.models import Policy, SiteSettings
from newsroom.plainsql import PlainGet
from newsroom.refused import FieldError

# The settings that decide how comments are taken (the rest is the site's identity).
COMMENT_TERMS_FIELDS = frozenset(
    {
        "comments_open_by_default",
        "moderation_policy",
        "trusted_after_approved",
        "comments_close_after_days",
    }
)
SETTINGS_FIELDS = (
    "organization_name",
    "tagline",
    "contact_email",
    "street_address",
    "telephone",
    "fax",
    "footer_text",
    "timezone",
    "comment_policy",
    "comments_open_by_default",
    "moderation_policy",
    "trusted_after_approved",
    "comments_close_after_days",
    "digest_after_minutes",
    "digest_queue_size",
)
# When the moderators' digest goes out (mail/digest.py): after how long a wait, past how many
# comments.
DIGEST_FIELDS = frozenset({"digest_after_minutes", "digest_queue_size"})
DIGEST_AFTER_MAX_MINUTES = 7 * 24 * 60
DIGEST_QUEUE_SIZE_MAX = 100_000


# Open reports that hide a comment until a moderator decides, unless an admin says otherwise.
DEFAULT_REPORT_THRESHOLD = 3
REPORT_THRESHOLD_MAX = 100


# Read on every request that renders or decides (PlainGet: half the ORM's cost).
_settings = PlainGet(SiteSettings)


def stored_settings() -> SiteSettings | None:
    """The site's one settings row, if anyone has saved it yet. Reading never writes."""
    return _settings.first(db.session)


def unsaved_settings() -> SiteSettings:
    """The settings of a site nobody has set up yet: neutral, and not stored."""
    return SiteSettings(
        organization_name="Newsroom",
        timezone="UTC",
        footer_text="Newsroom",
        moderation_policy=Policy.HOLD_ALL,
        trusted_after_approved=2,
        report_threshold=DEFAULT_REPORT_THRESHOLD,
        digest_after_minutes=60,
        digest_queue_size=20,
    )


def timezone_names() -> list[str]:
    return sorted(available_timezones())


def is_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def check_close_after_days(days: int | None, field: str = "comments_close_after_days") -> None:
    """None (never, or as the site says) or a number of days within bounds."""
    if days is not None and not 0 <= days <= moderation.CLOSE_AFTER_MAX_DAYS:
        raise FieldError(
            f"Type a number of days from 0 to {moderation.CLOSE_AFTER_MAX_DAYS:,}, or leave it "
            "empty.",
            field,
        )


def save_settings(values: dict) -> SiteSettings:
    """Store the site's identity and policy; every public page shows it from the next request."""
    if not values.get("organization_name", "").strip():
        raise FieldError("Please give the organization's name.", "organization_name")
    if not is_timezone(values.get("timezone", "")):
        raise FieldError("Choose a timezone from the list.", "timezone")
    if values.get("moderation_policy") not in moderation.POLICY_LABELS:
        raise FieldError("Choose a moderation policy from the list.", "moderation_policy")
    trusted_after = values.get("trusted_after_approved")
    if trusted_after is None or not 1 <= trusted_after <= moderation.TRUSTED_AFTER_MAX:
        raise FieldError(
            f"Type a number of approved comments from 1 to {moderation.TRUSTED_AFTER_MAX:,}.",
            "trusted_after_approved",
        )
    check_close_after_days(values.get("comments_close_after_days"))
    for name, most in (
        ("digest_after_minutes", DIGEST_AFTER_MAX_MINUTES),
        ("digest_queue_size", DIGEST_QUEUE_SIZE_MAX),
    ):
        number = values.get(name)
        if number is not None and not 0 <= number <= most:
            raise FieldError(f"Type a whole number from 0 to {most:,}, or leave it empty.", name)
        values[name] = number or None  # 0 and empty alike: not for that
    settings = stored_settings()
    if settings is None:  # the first save makes the row
        settings = unsaved_settings()
        db.session.add(settings)
    for name in SETTINGS_FIELDS:
        value = values[name]
        setattr(settings, name, value.strip() if isinstance(value, str) else value)
    purge.later("site")
    db.session.commit()
    return settings


def save_report_threshold(threshold: int) -> SiteSettings:
    """How many open reports hide a comment from readers until a moderator decides. Applies
    to the next report: comments already hidden stay so until decided."""
    if not 1 <= threshold <= REPORT_THRESHOLD_MAX:
        raise FieldError(
            f"Choose a number of reports from 1 to {REPORT_THRESHOLD_MAX}.", "report_threshold"
        )
    settings = stored_settings()
    if settings is None:
        settings = unsaved_settings()
        db.session.add(settings)
    settings.report_threshold = threshold
    # Nothing a reader sees changes (only later reports hide): no CDN purge.
    db.session.commit()
    return settings
