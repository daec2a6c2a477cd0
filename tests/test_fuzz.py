"""Property-based fuzzing of every route: whatever a visitor sends, the answer is never a 500.

For each route in the app's url_map (static files aside) and each kind of visitor (a
reader, a moderator, an admin), hypothesis sends requests made of: the route's path
variables; the query arguments and form fields its views read (ROUTES lists them, and the
test fails when a route is missing there or a view reads a name that isn't listed); a valid
CSRF token, so that a POST reaches the view; and sometimes htmx's headers.

Each request is one the site's own pages could send (real ids and addresses, statuses,
well-formed dates and e-mails), with up to two of its values replaced by something odd:
Unicode digits, huge and negative numbers, NUL characters, malformed addresses, dates at
the ends of time, long and arbitrary text. A form that is valid but for one value is what
reaches the services, where the deep failures were.

Every example starts from the same small newsroom (its writes are undone after each), in
a timezone west of UTC and holding an article dated in year 1, as stored before dates were
bounded. Generation is derandomized, so a run is reproducible. Each route gets EXAMPLES
examples for the visitor it is made for and fewer for the others (who are mostly turned
away at the door); NEWSROOM_FUZZ_EXAMPLES=500 makes a longer hunt.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import Rule, UnicodeConverter
from werkzeug.utils import cached_property

from newsroom import moderation
from newsroom.extensions import cache, db, limiter
from newsroom.inputs import IdConverter
from newsroom.mail import links
from newsroom.models import (
    Article,
    Comment,
    Commenter,
    CommenterEvent,
    ModerationEvent,
    RejectionReason,
    Section,
    User,
    utcnow,
)
from newsroom.moderation.queue import encode_cursor
from newsroom.public import protection
from newsroom.site_settings import SETTINGS_FIELDS
from tests.conftest import STAFF_PASSWORD, csrf_token, log_in, undone

EXAMPLES = int(os.environ.get("NEWSROOM_FUZZ_EXAMPLES", "40"))
# A reader on the dashboard or a moderator in the admin area is turned away before any view
# reads a value, and an admin on the dashboard runs the moderator's code: fewer examples.
EXAMPLES_ELSEWHERE = max(3, EXAMPLES // 5)


@dataclass(frozen=True)
class Fuzzed:
    """What one route's views read from outside (query arguments, form fields), and the
    values its forms offer where they differ from the same name elsewhere."""

    query: tuple[str, ...] = ()
    form: tuple[str, ...] = ()
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)


QUEUE_FILTER = ("status", "section", "article", "q")
ARTICLE_FORM = Fuzzed(
    form=(
        "title",
        "slug",
        "section_id",
        "summary",
        "body_markdown",
        "status",
        "published_at",
        "comments_open",
        "moderation_policy",
        "comments_close_after_days",
        "source_name",
        "source_url",
        "image",
        "image_alt",
        "remove_image",
        "kept_image",
        "save",
        "preview",
    ),
    choices={"status": ("draft", "published")},
)
SECTION_FORM = Fuzzed(form=("name", "slug", "description", "moderation_policy"))
ROUTES = {
    "public.home": Fuzzed(query=("page", "p", "page_id")),
    "public.old_daily_address": Fuzzed(),
    "public.old_monthly_address": Fuzzed(),
    "public.section": Fuzzed(query=("page",)),
    "public.article": Fuzzed(query=("reply_to",)),
    "public.search_page": Fuzzed(query=("q", "page")),
    "public.site_feed": Fuzzed(),
    "public.section_feed": Fuzzed(),
    "public.comments_feed": Fuzzed(),
    "public.sitemap": Fuzzed(),
    "public.sitemap_part": Fuzzed(),
    "public.robots": Fuzzed(),
    "public.upload": Fuzzed(),
    "public.post_comment": Fuzzed(
        form=(
            "author_name",
            "author_email",
            "body",
            "notify",
            "website",
            "form_token",
            "parent_id",
        )
    ),
    "auth.login": Fuzzed(query=("next",), form=("email", "password", "remember", "next")),
    "auth.logout": Fuzzed(),
    "auth.logout_everywhere": Fuzzed(),
    "health.healthz": Fuzzed(),
    "auth.account": Fuzzed(form=("current_password", "new_password", "confirm_password")),
    "auth.digest_preference": Fuzzed(form=("digest_opt_in",)),
    "links.unsubscribe": Fuzzed(),
    "links.decision": Fuzzed(),
    "dashboard.queue": Fuzzed(query=(*QUEUE_FILTER, "after")),
    "dashboard.new_comments": Fuzzed(query=(*QUEUE_FILTER, "since", "seen")),
    "dashboard.history": Fuzzed(query=("moderator", "decision", "comment", "before")),
    "public.report_comment": Fuzzed(),
    "public.send_report": Fuzzed(
        form=("reason", "detail", "form_token"),
        choices={"reason": ("abusive", "spam", "off-topic", "other")},
    ),
    "dashboard.decide": Fuzzed(
        form=("to_status", "expected_status", "reason", *QUEUE_FILTER),
        choices={"reason": ("", "1", "2")},
    ),
    "dashboard.keep": Fuzzed(form=("seen_reports", *QUEUE_FILTER)),
    "dashboard.undo": Fuzzed(form=QUEUE_FILTER),
    "dashboard.bulk": Fuzzed(form=("to_status", "comment_ids", *QUEUE_FILTER)),
    "dashboard.undo_batch": Fuzzed(form=("event_ids", *QUEUE_FILTER)),
    "dashboard.commenter": Fuzzed(query=("after",)),
    "dashboard.change_standing": Fuzzed(
        form=("standing", "version", "reason", "until", "row", *QUEUE_FILTER),
        choices={"standing": ("normal", "trusted", "watched", "banned")},
    ),
    "dashboard.undo_standing": Fuzzed(),
    "dashboard.edit_page": Fuzzed(query=QUEUE_FILTER),
    "dashboard.edit": Fuzzed(form=("body", "expected_status", "text_version", *QUEUE_FILTER)),
    "dashboard.undo_edit": Fuzzed(form=QUEUE_FILTER),
    "dashboard.reply_page": Fuzzed(query=QUEUE_FILTER),
    "dashboard.reply": Fuzzed(form=("body", *QUEUE_FILTER)),
    "dashboard.delete": Fuzzed(form=("expected_status", *QUEUE_FILTER)),
    "dashboard.empty_spam_page": Fuzzed(query=("days",)),
    "dashboard.empty_spam": Fuzzed(form=("days",)),
    "admin.index": Fuzzed(),
    "admin.export_page": Fuzzed(),
    "admin.export_download": Fuzzed(),
    "admin.articles": Fuzzed(
        query=("q", "status", "section", "page"),
        choices={"status": ("", "draft", "scheduled", "published")},
    ),
    "admin.new_article": ARTICLE_FORM,
    "admin.edit_article": ARTICLE_FORM,
    "admin.preview_article": Fuzzed(form=("body_markdown",)),
    "admin.delete_article": Fuzzed(),
    "admin.sections": Fuzzed(),
    "admin.new_section": SECTION_FORM,
    "admin.edit_section": SECTION_FORM,
    "admin.move_section": Fuzzed(form=("direction",)),
    "admin.delete_section": Fuzzed(),
    "admin.staff": Fuzzed(),
    "admin.new_staff": Fuzzed(form=("email", "name", "role", "password")),
    "admin.staff_member": Fuzzed(),
    "admin.change_role": Fuzzed(form=("role",)),
    "admin.set_active": Fuzzed(form=("active",)),
    "admin.set_password": Fuzzed(form=("new_password", "confirm_password")),
    "admin.settings": Fuzzed(form=SETTINGS_FIELDS),
    "admin.rules": Fuzzed(
        form=(
            "blocked_rejected",
            "blocked_spam",
            "suspect",
            "max_links",
            "min_length",
            "duplicates_are_spam",
        )
    ),
    "admin.moderation_settings": Fuzzed(),
    "admin.add_rejection_reason": Fuzzed(form=("label",)),
    "admin.remove_rejection_reason": Fuzzed(),
    "admin.move_rejection_reason": Fuzzed(form=("direction",)),
    "admin.save_report_threshold": Fuzzed(form=("report_threshold",)),
    "admin.privacy_requests": Fuzzed(form=("email",)),
    "admin.privacy_export": Fuzzed(form=("email",)),
    "admin.privacy_erase": Fuzzed(
        form=("email", "mode", "confirm"), choices={"mode": ("remove", "anonymize")}
    ),
}
# Checkboxes and submit buttons: a browser sends them only when ticked or pressed.
SOMETIMES_SENT = {
    "save",
    "preview",
    "remember",
    "comments_open",
    "confirm",
    "duplicates_are_spam",
    "notify",
    "digest_opt_in",
}
# After these the visitor may be logged out or someone else: they start again.
SESSION_CHANGING = {
    "auth.login",
    "auth.logout",
    "auth.logout_everywhere",
    "auth.account",
    "admin.change_role",
    "admin.set_active",
    "admin.set_password",
}


# Dashboard routes for admins only (deleting for good).
ADMINS_ON_THE_DASHBOARD = {"dashboard.delete", "dashboard.empty_spam_page", "dashboard.empty_spam"}


def owner(endpoint: str) -> str:
    """The visitor a route is made for."""
    if endpoint.startswith("admin.") or endpoint in ADMINS_ON_THE_DASHBOARD:
        return "admin"
    if endpoint.startswith("dashboard.") or endpoint in {
        "auth.account",
        "auth.digest_preference",
        "auth.logout",
        "auth.logout_everywhere",
    }:
        return "moderator"
    return "reader"


# --- Values ------------------------------------------------------------------------------

NOT_NUMBERS = [
    "-1",
    "²",
    "፪",
    "٣",
    "1.5",
    "1e3",
    "0x10",
    " 7 ",
    "99999999999999999999",
    str(2**31 - 1),
    str(2**31),
    str(2**63 - 1),
    str(2**63),
    "9" * 5000,
]
ODD_TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "http://[::1",
    "//[x",
    "\\\\host\\share",
    "%",
    "%00",
    "1e300_1",
    "inf_1",
    "nan_1",
    "-5_1",
    "9999-12-31T23:59",
    "0001-01-01T00:00",
    "<script>alert(1)</script>",
    "javascript:alert(1)",
    "'; DROP TABLE articles; --",
    "x" * 300,
    "é" * 2000,
    "\U0001f4a5" * 100,
]
odd_numbers = st.one_of(
    st.sampled_from(NOT_NUMBERS),
    st.integers(min_value=2**31, max_value=2**63 - 1).map(str),  # past PostgreSQL's integer
    st.integers(min_value=2**63, max_value=2**80).map(str),  # past SQLite's
    # Digits str.isdigit() takes: int() refuses "²", "①" and "፪", and reads "٣" and "߂".
    st.text(st.sampled_from("²³¹①፪٣߂"), min_size=1, max_size=3),
)
# NUL comes from ODD_TEXT alone: it is refused before any view, and text strategies would
# otherwise put one in most forms.
_CHARACTERS = st.characters(codec="utf-8", exclude_characters="\x00")
odd_text = st.one_of(st.sampled_from(ODD_TEXT), st.text(_CHARACTERS, max_size=40))
some_text = st.text(_CHARACTERS, min_size=1, max_size=60)
# Names that hold a number: their odd values are the numbers no row can have ("1e3" too).
NUMERIC = {"page", "since", "section", "section_id", "article", "moderator", "comment"}
NUMERIC |= {"before", "comment_ids", "after", "version", "row"}
NUMERIC |= {"seen_reports", "report_threshold", "reply_to", "parent_id"}
STATUSES = ["pending", "approved", "rejected", "spam", "unreviewed", "reported"]
# Well-formed, in the range and at both ends of time: the form reads them all as dates.
wall_times = st.one_of(
    st.sampled_from(
        ["1900-01-01T00:00", "2200-12-31T23:59", "0001-01-01T00:00", "9999-12-31T23:59"]
    ),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59)).map(
        lambda moment: f"{moment.year:04}-{moment:%m-%dT%H:%M}"
    ),
)
emails = st.one_of(
    st.sampled_from(["ana@newsroom.example", "ada@newsroom.example", "new@newsroom.example"]),
    st.emails(),
)
# Header values are Latin-1 text in WSGI; no server passes a line break through.
header_text = st.one_of(
    st.sampled_from(
        ["http://localhost/dashboard/?status=pending", "http://[::1", "http://h//[x", "a\x00b"]
    ),
    st.text(st.characters(max_codepoint=255, exclude_characters="\r\n"), max_size=40),
)
htmx_headers = st.one_of(
    st.just({}),
    st.fixed_dictionaries(
        {"HX-Request": st.just("true")},
        optional={"HX-Current-URL": header_text, "HX-Target": header_text},
    ),
)
_VARIABLE = re.compile(r"<(?:[^:>]+:)?([^>]+)>")


@dataclass
class World:
    """The ids and addresses of the newsroom the examples start from, and the requests
    that can be made of it."""

    articles: list[int]
    sections: list[int]
    users: list[int]
    comments: list[int]
    events: list[int]
    commenters: list[int]
    changes: list[int]
    reasons: list[int]
    slugs: list[str]
    cursors: list[str]
    # Links from e-mail: unsubscribing, approving or rejecting from a digest.
    tokens: list[str]

    @functools.cached_property
    def expected(self) -> dict[str, st.SearchStrategy]:
        """What the views expect under each name: what their own pages would send."""

        def one_of(values: list) -> st.SearchStrategy:
            return st.sampled_from([str(value) for value in values])

        return {
            "page": one_of([1, 2, 3]),
            "after": one_of(self.cursors),
            "since": one_of([0, *self.comments]),
            "section": one_of(self.sections),
            "section_id": one_of(self.sections),
            "article": one_of(self.articles),
            "moderator": one_of(self.users),
            "comment": one_of(self.comments),
            "reply_to": one_of(self.comments),
            "parent_id": one_of(["", *self.comments]),
            "before": one_of(self.events),
            "version": one_of([0, 1, 2]),
            "text_version": one_of([0, 1, 2]),
            "days": one_of([1, 30, 3650]),
            "row": one_of(self.comments),
            "reason": one_of(["Abuse of other readers.", ""]),
            "until": st.one_of(
                one_of(["", "2031-05-01", "0001-01-01", "9999-12-31"]),
                st.dates().map(date.isoformat),
            ),
            "comment_ids": st.lists(one_of(self.comments), min_size=1, max_size=3),
            "status": one_of(STATUSES),
            "to_status": one_of(STATUSES),
            "seen_reports": one_of([1, 2]),
            "report_threshold": one_of([1, 3, 100]),
            "detail": one_of(["", "It names a neighbour."]),
            "label": one_of(["Off-topic", "Personal attack", ""]),
            "expected_status": one_of(STATUSES),
            "decision": one_of(STATUSES),
            "q": one_of(["Dana", "%", "_", "\\"]),
            "direction": one_of(["up", "down"]),
            "active": one_of([0, 1]),
            "role": one_of(["moderator", "admin"]),
            "timezone": one_of(["UTC", "America/New_York", "Pacific/Kiritimati", "Etc/GMT+12"]),
            "comments_open_by_default": one_of(["open", "closed"]),
            "moderation_policy": one_of(["", "hold_all", "hold_new", "publish_first"]),
            "trusted_after_approved": one_of(["1", "2", "1000"]),
            "comments_close_after_days": one_of(["", "0", "30", "36500"]),
            "max_links": one_of(["", "0", "3", "1000"]),
            "min_length": one_of(["", "0", "20", "5000"]),
            "duplicates_are_spam": st.just("y"),
            "notify": st.just("y"),
            "digest_opt_in": st.just("y"),
            "comments_open": st.just("y"),
            "remember": st.just("y"),
            "save": st.just("Save"),
            "preview": st.just("Preview"),
            "website": st.just(""),
            "form_token": st.just(protection.form_token()),
            "published_at": wall_times,
            "email": emails,
            "author_email": emails,
            "contact_email": emails,
            "password": st.just(STAFF_PASSWORD),
            "current_password": st.just(STAFF_PASSWORD),
            "new_password": st.just("a brand new password"),
            "confirm_password": st.just("a brand new password"),
            "slug": st.one_of(
                st.just(""),
                st.from_regex(r"[a-z0-9]{1,12}(-[a-z0-9]{1,12}){0,3}", fullmatch=True),
            ),
            "source_url": one_of(["", "https://example.org/story"]),
            "next": one_of(["/dashboard/", "/admin/", "//evil.example", "https://evil.example"]),
        }

    def path_values(self, rule: Rule, name: str) -> tuple[st.SearchStrategy, st.SearchStrategy]:
        """What a path variable holds in the site's links, and what it may hold instead."""
        converter = rule._converters[name]
        # An imported site's dated addresses (/2013/03/02/slug/).
        dates = {"year": ["2013", "2026"], "month": ["03", "12"], "day": ["02", "31"]}
        if isinstance(converter, IdConverter) and name in dates:
            return st.sampled_from(dates[name]), odd_numbers
        if isinstance(converter, IdConverter) and name == "number":
            return st.sampled_from(["1", "2"]), odd_numbers
        if isinstance(converter, IdConverter):
            rows = {
                "article_id": self.articles,
                "section_id": self.sections,
                "user_id": self.users,
                "comment_id": self.comments,
                "event_id": self.events,
                "commenter_id": self.commenters,
                "change_id": self.changes,
                "reason_id": self.reasons,
            }[name]
            return st.sampled_from([str(row) for row in rows]), odd_numbers
        if isinstance(converter, UnicodeConverter) and name == "slug":
            return st.sampled_from(self.slugs), odd_text
        if isinstance(converter, UnicodeConverter) and name == "token":
            return st.sampled_from(self.tokens), odd_text
        if isinstance(converter, UnicodeConverter) and name == "filename":
            return st.sampled_from(["0" * 24 + "-640.webp", "x.webp"]), odd_text
        raise AssertionError(f"{rule.rule}: no values for <{name}>")

    def requests(self, rule: Rule) -> st.SearchStrategy:
        """Keyword arguments for the test client: requests to `rule`, the CSRF token left
        for the visitor to add."""
        fuzzed = ROUTES[rule.endpoint]
        variables = _VARIABLE.findall(rule.rule)
        values = {}
        for name in variables:
            values[name] = self.path_values(rule, name)
        for name in (*fuzzed.query, *fuzzed.form):
            if name in fuzzed.choices:
                expected = st.sampled_from(fuzzed.choices[name])
            else:
                expected = self.expected.get(name, some_text)
            odd = odd_numbers if name in NUMERIC else odd_text
            values[name] = (expected, odd)
        methods = sorted(rule.methods & {"GET", "POST"})

        @st.composite
        def request(draw) -> dict:
            method = draw(st.sampled_from(methods))
            sent = [*variables, *fuzzed.query]
            sent += [*fuzzed.form] if method == "POST" else []
            odd = draw(st.sets(st.sampled_from(sent), max_size=2)) if sent else set()

            def value(name: str) -> str | list[str]:
                expected, other = values[name]
                return draw(other if name in odd else expected)

            path = _VARIABLE.sub(lambda m: quote(value(m.group(1)), safe=""), rule.rule)
            query = {
                name: value(name) for name in fuzzed.query if name in odd or draw(st.booleans())
            }
            if draw(st.booleans()):
                query["unread"] = draw(odd_text)  # a name no view reads
            made = {"path": path, "method": method, "query_string": query}
            made["headers"] = draw(htmx_headers)
            if method == "POST":
                made["data"] = {
                    name: value(name)
                    for name in fuzzed.form
                    if name not in SOMETIMES_SENT or name in odd or draw(st.booleans())
                }
            return made

        return request()


# --- What the views read -----------------------------------------------------------------


class _ReadNames(ImmutableMultiDict):
    """Request values that note each name a view asks for, while `read` is a set."""

    read: set[str] | None = None

    def _note(self, key: str) -> None:
        if self.read is not None:
            self.read.add(key)

    def __getitem__(self, key):
        self._note(key)
        return super().__getitem__(key)

    def getlist(self, key, type=None):
        self._note(key)
        return super().getlist(key, type)

    def __contains__(self, key) -> bool:
        self._note(key)
        return super().__contains__(key)


class _ReadForm(_ReadNames):
    pass


class _ReadQuery(_ReadNames):
    pass


def recording_request_class(base: type) -> type:
    class RecordingRequest(base):
        parameter_storage_class = _ReadForm  # the form's values

        @cached_property
        def args(self):
            return _ReadQuery(super().args)

    return RecordingRequest


@dataclass
class Read:
    """The names the views read: of the query and of the form."""

    query: set[str]
    form: set[str]


@contextlib.contextmanager
def reading(read: Read):
    """Note the names the views read inside the block (not the test's own requests)."""
    _ReadQuery.read, _ReadForm.read = read.query, read.form
    try:
        yield
    finally:
        _ReadQuery.read = _ReadForm.read = None


# --- The newsroom every example starts from ----------------------------------------------


@pytest.fixture
def world(site, section, make_article, make_comment, moderator, admin) -> World:
    """Two sections; a public, a draft, a scheduled and a year-1 article; comments in each
    state and a decision to undo; a timezone west of UTC."""
    site.timezone = "America/New_York"
    db.session.add(Section(name="Press Releases", slug="press-releases", position=1))
    db.session.commit()
    article = make_article("Council Hears Tenants", slug="council-hears-tenants")
    make_article("A Draft", slug="a-draft", status="draft")
    make_article("Coming Soon", slug="coming-soon", published_at=utcnow() + timedelta(days=3))
    make_article("From the Archive", slug="archive", published_at=datetime(1, 1, 1, tzinfo=UTC))
    for status in ("pending", "pending", "approved", "rejected", "spam"):
        make_comment(article, status)
    decided = make_comment(article, author_name="Dana Reader")
    moderation.decide(decided.id, "approved", moderator, expected_status="pending")
    moderation.change_standing(decided.commenter_id, "watched", moderator, seen_version=0)
    moderation.add_rejection_reason("Off-topic")
    moderation.add_rejection_reason("Personal attack")
    for reader in ("f1", "f2"):
        moderation.report_comment(
            decided.id, article.id, fingerprint=reader, reason="abusive", threshold=2
        )

    def ids(model) -> list[int]:
        return list(db.session.scalars(sa.select(model.id).order_by(model.id)))

    return World(
        articles=ids(Article),
        sections=ids(Section),
        users=ids(User),
        comments=ids(Comment),
        events=ids(ModerationEvent),
        commenters=ids(Commenter),
        changes=ids(CommenterEvent),
        reasons=ids(RejectionReason),
        slugs=[*db.session.scalars(sa.select(Article.slug)), "in-the-news", "press-releases"],
        cursors=[encode_cursor(comment) for comment in db.session.scalars(sa.select(Comment))],
        tokens=[
            *(links.unsubscribe_token(comment_id) for comment_id in ids(Comment)[:2]),
            *(
                links.decision_token(moderator.id, comment_id, to_status)
                for comment_id in ids(Comment)[:2]
                for to_status in ("approved", "rejected")
            ),
            links.decision_token(2**40, 1, "approved"),  # no such moderator
        ],
    )


class Visitor:
    """A test client as a reader, a moderator or an admin, kept so between examples."""

    def __init__(self, client, role: str, user: User | None) -> None:
        self.client, self.role, self.user = client, role, user
        self.start()

    def start(self) -> None:
        self.client.delete_cookie("session")
        self.client.delete_cookie("remember_token")
        if self.user is not None:
            assert log_in(self.client, self.user).status_code == 303
        self.csrf = csrf_token(self.client, "/account" if self.user else "/login")
        self.session = self.client.get_cookie("session").value

    def restore(self) -> None:
        """Back to the session of the start: no flashes or own comments piled up."""
        self.client.delete_cookie("remember_token")
        self.client.set_cookie("session", self.session)


def fuzzed_rules(app) -> list[Rule]:
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]


# --- The tests ---------------------------------------------------------------------------


def test_every_route_is_fuzzed(app, world):
    """A new route fails here until ROUTES says what its views read."""
    assert {rule.endpoint for rule in fuzzed_rules(app)} == set(ROUTES)
    for rule in fuzzed_rules(app):
        for name in rule.arguments:
            world.path_values(rule, name)  # every path variable has values to try
        if "POST" not in rule.methods:
            assert not ROUTES[rule.endpoint].form, rule.endpoint


@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_no_request_is_answered_with_a_server_error(app, world, moderator, admin, endpoint):
    """As a reader, a moderator and an admin: no 500, and no value read that isn't tried."""
    # An endpoint may answer at more than one address (the comment form's older one).
    rules = [rule for rule in fuzzed_rules(app) if rule.endpoint == endpoint]
    read = Read(query=set(), form=set())
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(app, "request_class", recording_request_class(app.request_class))
        for role, user in (("reader", None), ("moderator", moderator), ("admin", admin)):
            visitor = Visitor(app.test_client(), role, user)
            examples = EXAMPLES if role == owner(endpoint) else EXAMPLES_ELSEWHERE
            ends_session = endpoint in SESSION_CHANGING
            for rule in rules:
                requests = world.requests(rule)
                never_a_server_error(visitor, requests, examples, ends_session, read)
    fuzzed = ROUTES[endpoint]
    assert read.query <= set(fuzzed.query), f"{endpoint} reads more query arguments"
    assert read.form <= {*fuzzed.form, "csrf_token"}, f"{endpoint} reads more form fields"


def never_a_server_error(
    visitor: Visitor, requests: st.SearchStrategy, examples: int, ends_session: bool, read: Read
) -> None:
    """Send `examples` requests drawn from `requests`, each to the same data."""

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(request=requests)
    def answered_without_a_server_error(request: dict) -> None:
        visitor.restore()
        cache.clear()
        limiter.reset()
        if "data" in request:
            request["data"]["csrf_token"] = visitor.csrf
        with undone(), reading(read):
            # Flask's TESTING mode lets an exception through to here: it fails the test too.
            response = visitor.client.open(**request)
        assert response.status_code < 500, (visitor.role, request, response.status_code)
        if ends_session and request["method"] == "POST":
            visitor.start()

    answered_without_a_server_error()
