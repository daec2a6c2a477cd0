"""The rules new comments are screened by, as admins edit them: blocked words and phrases
(the comment is rejected, or marked as spam), suspect words (held, and marked in the queue
row), a most links, a least length, and the same text from the same commenter within a
day (spam).

Matching is on text folded the one way (`fold`: Unicode NFKC, then casefold), on word
boundaries, so "ＦＲＥＥ", "Free" and "free" are one word; the lists are folded the same
way when compiled. Each version of the rules is compiled once per process into a regex per
list and kept under its version (`compiled`): the comment POST reads the version with its
article (submission.find_commentable), so no POST queries the lists. A save gives the rules
a new random version, so a copy compiled from rules since rolled back or replaced is never
taken for the current one. No Flask request in here.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import unicodedata
from dataclasses import dataclass
from typing import NamedTuple

import sqlalchemy as sa
from flask import current_app
from markupsafe import Markup

from newsroom.content import comment_html
from newsroom.extensions import db
from newsroom.models import ModerationRules, User, utcnow
from newsroom.refused import FieldError, commit_or_refuse

# The one row the rules live in.
RULES_ID = 1
# A list's limits: enough for any newsroom's word list, small enough to compile at once.
LIST_MAX_ENTRIES = 500
ENTRY_MAX = 100
LIST_MAX_CHARS = 20_000
LINKS_MAX = 1000
LENGTH_MAX = 5000

LIST_FIELDS = {
    "blocked_rejected": "Blocked words (rejected)",
    "blocked_spam": "Blocked words (spam)",
    "suspect": "Suspect words (held)",
}

# What counts as a link in a comment: what comment_html makes a link of, and bare "www.".
_LINK = re.compile(r"https?://|www\.", re.IGNORECASE)
# Where no word is marked: inside a web address (a mark there would cut the link apart).
_ADDRESS = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
# Stand-ins for <mark> and </mark> while the text goes through comment_html (private-use
# characters, taken out of the text first).
_OPEN, _CLOSE = "\ue000", "\ue001"


def fold(text: str) -> str:
    """Text as the rules compare it: NFKC-normalized ("ｆｒｅｅ" is "free"), casefolded."""
    return unicodedata.normalize("NFKC", text).casefold()


def _folded_with_origin(text: str) -> tuple[str, list[int]]:
    """`text` folded piece by piece (a character with the combining marks after it), and
    for each folded character the index in `text` it came from, so a match in the folded
    text can be marked in the original."""
    pieces: list[tuple[int, str]] = []
    for index, char in enumerate(text):
        if pieces and unicodedata.combining(char):
            start, piece = pieces[-1]
            pieces[-1] = (start, piece + char)
        else:
            pieces.append((index, char))
    folded: list[str] = []
    origin: list[int] = []
    for start, piece in pieces:
        part = fold(piece)
        folded.append(part)
        origin.extend([start] * len(part))
    return "".join(folded), origin


def evened(text: str) -> str:
    """`text` with each run of spacing one space, none at either end: what `\\s+` replaced
    by a space and a strip() give (str.split() splits at the same characters), without the
    regex's walk through the text, two thirds of the cost of a comment's digest."""
    return " ".join(text.split())


def body_digest(body: str) -> str:
    """The digest the duplicate rule compares: the folded text, its spacing evened out."""
    return hashlib.sha256(evened(fold(body)).encode()).hexdigest()[:32]


def list_entries(text: str) -> list[str]:
    """The entries of a list as typed (one a line), folded, blanks and repeats left out."""
    entries = (evened(fold(line)) for line in text.splitlines())
    return list(dict.fromkeys(entry for entry in entries if entry))


def link_count(body: str) -> int:
    """How many links `body` holds, as _LINK counts them. Every one has "://" or a "www."
    (in any case; no other character is a "w" to a regex ignoring case): a comment with
    neither, most, is known to hold none without the regex's walk through it."""
    if "://" not in body and "www." not in body.lower():
        return 0
    return len(_LINK.findall(body))


def _pattern(text: str) -> re.Pattern[str] | None:
    """One regex for a whole list, matching any entry on word boundaries (a phrase's words
    apart by any spacing); None for an empty list. Entries are escaped: no entry is a regex."""
    entries = list_entries(text)
    if not entries:
        return None
    # Longest first, so a phrase wins over a word it starts with.
    alternatives = sorted(
        (r"\s+".join(map(re.escape, entry.split(" "))) for entry in entries), key=len, reverse=True
    )
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")


class Findings(NamedTuple):
    """What the rules found in one comment (folded words, as matched)."""

    blocked_spam: list[str]
    blocked_rejected: list[str]
    suspect: list[str]
    links: int
    too_many_links: bool
    too_short: bool


@dataclass(frozen=True)
class CompiledRules:
    """One version of the rules, ready to match."""

    version: str = ""
    blocked_rejected: re.Pattern[str] | None = None
    blocked_spam: re.Pattern[str] | None = None
    suspect: re.Pattern[str] | None = None
    max_links: int | None = None
    min_length: int = 0
    duplicates_are_spam: bool = False

    def examine(self, body: str) -> Findings:
        folded = fold(body)
        links = link_count(body)

        def found(pattern: re.Pattern[str] | None) -> list[str]:
            if pattern is None:
                return []
            return list(dict.fromkeys(_SPACE.sub(" ", m) for m in pattern.findall(folded)))

        return Findings(
            blocked_spam=found(self.blocked_spam),
            blocked_rejected=found(self.blocked_rejected),
            suspect=found(self.suspect),
            links=links,
            too_many_links=self.max_links is not None and links > self.max_links,
            too_short=len(body.strip()) < self.min_length,
        )

    def marked_html(self, body: str) -> Markup:
        """The comment as comment_html draws it, each suspect word in <mark>."""
        if self.suspect is None:
            return comment_html(body)
        text = body.replace(_OPEN, "").replace(_CLOSE, "")
        folded, origin = _folded_with_origin(text)
        addresses = [match.span() for match in _ADDRESS.finditer(text)]
        spans = []
        for match in self.suspect.finditer(folded):
            start, end = origin[match.start()], origin[match.end() - 1] + 1
            if any(start < a_end and a_start < end for a_start, a_end in addresses):
                continue
            # A phrase over a line break is marked line by line (a mark can't span a <br>).
            offset = start
            for line in text[start:end].split("\n"):
                if line.strip():
                    spans.append((offset, offset + len(line)))
                offset += len(line) + 1
        if not spans:
            return comment_html(text)
        pieces, last = [], 0
        for start, end in spans:
            pieces += [text[last:start], _OPEN, text[start:end], _CLOSE]
            last = end
        pieces.append(text[last:])
        html = str(comment_html("".join(pieces)))
        marked = html.replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>")
        return Markup(marked)  # nosec B704 # comment_html escaped the text; only marks added


NO_RULES = CompiledRules()


def compile_rules(rules: ModerationRules) -> CompiledRules:
    return CompiledRules(
        version=rules.version,
        blocked_rejected=_pattern(rules.blocked_rejected),
        blocked_spam=_pattern(rules.blocked_spam),
        suspect=_pattern(rules.suspect),
        max_links=rules.max_links,
        min_length=rules.min_length,
        duplicates_are_spam=rules.duplicates_are_spam,
    )


class _Compiled:
    """Each process's compiled rules, by version: the newest few (a version is replaced by
    the next save, and workers pass from one to the next)."""

    KEPT = 4

    def __init__(self) -> None:
        self.by_version: dict[str, CompiledRules] = {}
        self.lock = threading.Lock()

    def put(self, rules: CompiledRules) -> None:
        with self.lock:
            self.by_version[rules.version] = rules
            while len(self.by_version) > self.KEPT:
                del self.by_version[next(iter(self.by_version))]


def _kept() -> _Compiled:
    kept = current_app.extensions.get("newsroom_rules")
    if kept is None:
        kept = current_app.extensions.setdefault("newsroom_rules", _Compiled())
    return kept


def compiled(version: str | None) -> CompiledRules:
    """The rules at `version` (as read with the article), compiled: from this process's copy,
    or read and compiled once. None or "": no rules were ever saved."""
    if not version:
        return NO_RULES
    kept = _kept()
    rules = kept.by_version.get(version)
    if rules is None:
        stored = stored_rules()
        # Saved again since the version was read: the newer rules, under their own version.
        rules = compile_rules(stored) if stored is not None else NO_RULES
        kept.put(rules)
    return rules


VERSION = sa.select(ModerationRules.version).where(ModerationRules.id == RULES_ID)


def current_version() -> str:
    """The version of the rules now: one lookup by primary key."""
    return db.session.scalar(VERSION) or ""


def current() -> CompiledRules:
    return compiled(current_version())


def stored_rules() -> ModerationRules | None:
    return db.session.get(ModerationRules, RULES_ID)


def _bounded_number(value: int | None, maximum: int, field: str, what: str) -> int | None:
    if value is None:
        return None
    if not 0 <= value <= maximum:
        raise FieldError(f"{what} must be a whole number from 0 to {maximum:,}.", field)
    return value


def save_rules(values: dict, actor: User) -> ModerationRules:
    """Store the rules admins typed (lists one entry a line); the next comment is screened by
    them, in every process. Raises FieldError for a list or number out of bounds."""
    lists = {}
    for field, label in LIST_FIELDS.items():
        text = (values.get(field) or "").replace("\r\n", "\n")
        entries = list_entries(text)
        if len(text) > LIST_MAX_CHARS or len(entries) > LIST_MAX_ENTRIES:
            raise FieldError(
                f"{label}: at most {LIST_MAX_ENTRIES} entries and {LIST_MAX_CHARS:,} characters.",
                field,
            )
        if any(len(entry) > ENTRY_MAX for entry in entries):
            raise FieldError(f"{label}: each entry can be at most {ENTRY_MAX} characters.", field)
        lists[field] = "\n".join(line.strip() for line in text.split("\n") if line.strip())
    max_links = _bounded_number(values.get("max_links"), LINKS_MAX, "max_links", "Most links")
    min_length = _bounded_number(values.get("min_length"), LENGTH_MAX, "min_length", "Least length")
    rules = stored_rules()
    if rules is None:
        rules = ModerationRules(id=RULES_ID)
        db.session.add(rules)
    for field, text in lists.items():
        setattr(rules, field, text)
    rules.max_links = max_links
    rules.min_length = min_length or 0
    rules.duplicates_are_spam = bool(values.get("duplicates_are_spam"))
    rules.version = secrets.token_hex(16)
    rules.updated_at = utcnow()
    rules.updated_by_id = actor.id
    # The first save makes the row: two at once, and the second is refused.
    commit_or_refuse("A colleague saved the rules at the same moment. Nothing was saved.")
    return rules
