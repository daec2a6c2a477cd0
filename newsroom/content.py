"""Text into HTML that is safe to show: article Markdown, comment bodies, slugs, dates."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from newsroom.refused import FieldError

# Raw HTML in Markdown is allowed through the parser and then cut down to this list,
# so an editor can paste a <sup> but never a <script>, an on* handler or a style.
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "cite", "code", "dd", "del", "dl", "dt", "em",
    "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd",
    "li", "mark", "ol", "p", "pre", "q", "s", "small", "strong", "sub", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "q": {"cite"},
    "blockquote": {"cite"},
}
URL_SCHEMES = {"http", "https", "mailto"}
# The allowed attributes that hold a URL. nh3 checks URL_SCHEMES on href and src only, and
# would let `<q cite="javascript:...">` through: _url_attribute_filter checks them all.
URL_ATTRIBUTES = {"href", "src", "cite"}
# How a browser reads a URL's scheme (WHATWG URL): leading and trailing C0 controls and
# spaces are dropped, tabs and newlines anywhere, then letters, digits, "+", "-", "." to ":".
_URL_IGNORED = re.compile(r"^[\x00-\x20]+|[\x00-\x20]+$|[\t\n\r]")
_URL_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")

_markdown = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})
_markdown.enable("table").enable("strikethrough")


def url_is_allowed(url: str) -> bool:
    """A relative URL, or one whose scheme is in URL_SCHEMES, as a browser would read it."""
    scheme = _URL_SCHEME.match(_URL_IGNORED.sub("", url))
    return scheme is None or scheme.group(1).lower() in URL_SCHEMES


def _url_attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if attribute in URL_ATTRIBUTES and not url_is_allowed(value):
        return None  # the attribute goes, the element and its text stay
    return value


def render_markdown(source: str) -> str:
    """Article Markdown to sanitized HTML; `javascript:` and `data:` URLs don't survive, in
    any attribute."""
    return nh3.clean(
        _markdown.render(source or ""),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_url_attribute_filter,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


_URL = re.compile(r"\bhttps?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")


def _linkify(escaped_text: str) -> str:
    return _URL.sub(
        lambda m: f'<a href="{m.group(0)}" rel="nofollow ugc noopener noreferrer">{m.group(0)}</a>',
        escaped_text,
    )


def comment_html(body: str) -> Markup:
    """A reader's plain text as escaped paragraphs; bare http(s) URLs become nofollow links."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", (body or "").replace("\r\n", "\n"))]
    parts = []
    for paragraph in paragraphs:
        if paragraph:
            lines = [_linkify(str(escape(line))) for line in paragraph.split("\n")]
            parts.append("<p>" + "<br>\n".join(lines) + "</p>")
    # Each line was escaped above; the links only wrap URLs found in that escaped text.
    html = "\n".join(parts)
    return Markup(html)  # nosec B704 # built from escaped text only


def slugify(text: str, max_length: int = 80) -> str:
    """ASCII, lower-case, hyphenated; empty input gives "article" rather than ""."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "article"


# What an address typed by an editor must look like: what slugify makes.
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_RULE = "Use lower-case letters, digits and single hyphens, like “council-meeting”."


def check_slug(slug: str, max_length: int) -> str:
    slug = slug.strip()
    if len(slug) > max_length:
        raise FieldError(f"The address can be at most {max_length} characters.", "slug")
    if not SLUG_PATTERN.match(slug):
        raise FieldError(SLUG_RULE, "slug")
    return slug


def excerpt(text: str, length: int = 240) -> str:
    """Plain text cut at a word boundary with an ellipsis."""
    text = " ".join((text or "").split())
    if len(text) <= length:
        return text
    return text[:length].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


def first_words(text: str, count: int = 8) -> str:
    """The opening of a text, for a name that has to be short: "Thanks for covering the
    council's vote on the…"."""
    words = (text or "").split()
    opening = excerpt(" ".join(words[:count]), 60)
    return opening + "…" if len(words) > count and not opening.endswith("…") else opening


@cache
def site_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def in_zone(moment: datetime, zone: str) -> datetime:
    """`moment` on the site's clock; in UTC when that clock would move it past the years
    Python's dates hold (an article dated in year 1, stored before dates were bounded,
    then a timezone west of UTC): a page must show every date it has."""
    try:
        return moment.astimezone(site_zone(zone))
    except OverflowError:
        return moment.astimezone(UTC)


def long_date(moment: datetime | None, zone: str = "UTC") -> str:
    """The seed page's date style: "March 02, 2013", in the site's timezone."""
    if moment is None:
        return ""
    return in_zone(moment, zone).strftime("%B %d, %Y")


def machine_datetime(moment: datetime | None) -> str:
    """A `<time datetime>` value: UTC to the second ("2013-03-02T14:05:09Z"). HTML allows
    at most three digits of a second, and no reader needs any."""
    if moment is None:
        return ""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def date_time(moment: datetime | None, zone: str = "UTC") -> str:
    """ "March 02, 2026 at 09:15 EST": a date and time on the site's clock, saying which
    clock, as the conflict messages do ("at 09:15 EST")."""
    if moment is None:
        return ""
    local = in_zone(moment, zone)
    return f"{local:%B %d, %Y at %H:%M} {_clock_label(local)}"


def clock_time(moment: datetime, zone: str = "UTC") -> str:
    """ "09:15 EST": the time of day on the site's clock, saying which clock (a conflict's
    "already approved by Ana at 09:15 EST")."""
    local = in_zone(moment, zone)
    return f"{local:%H:%M} {_clock_label(local)}"


def _clock_label(local: datetime) -> str:
    label = local.tzname() or "UTC"
    if label[0] in "+-":  # a zone with no abbreviation of its own: "+14" reads "UTC+14"
        label = "UTC" + label
    return label


def read_more_label(section_name: str) -> str:
    """ "In the News" reads "In The News" after "Read More", not "In In the News"."""
    if section_name.lower().startswith("in the "):
        return "In The " + section_name[len("in the ") :]
    return "In " + section_name


def time_ago(moment: datetime | None, now: datetime | None = None) -> str:
    """ "just now", "5 minutes ago", "3 days ago": how long a comment has waited."""
    if moment is None:
        return ""
    seconds = int(((now or datetime.now(moment.tzinfo)) - moment).total_seconds())
    if seconds < 60:
        return "just now"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            if unit == "day" and count > 60:
                return f"on {moment:%b %d, %Y}"
            return f"{count} {unit}{'' if count == 1 else 's'} ago"
    return "just now"
