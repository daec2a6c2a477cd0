"""The anonymous comment form's protection, without a session: what lets every reader get
the same bytes, so a shared cache (nginx, a CDN) can hold the article page.

Two checks instead of Flask-WTF's session-bound token (staff forms keep that one):

- **Where the POST came from.** Browsers say it in `Sec-Fetch-Site`, and in `Origin` when
  they are older; a POST another site's page made is refused, as Go's
  CrossOriginProtection and ASP.NET Core's antiforgery do. A client that sends neither is
  no browser a forged page could drive: it meets the honeypot, the rate limit and the
  moderators like any other.
- **That the form came from this site recently.** The form carries a token signed with
  the secret key for the current period (FORM_TOKEN_PERIOD), the same for every reader: it
  proves nothing about who asked, only that a page of this site was drawn for it within
  the last day or so. The period is part of the cached page's key, so a page never hands
  out a token older than one period.
"""

from __future__ import annotations

import functools
import time
from urllib.parse import urlsplit

from flask import current_app, request
from itsdangerous import BadSignature, Signer

# A new token every six hours; a form keeps working for FORM_TOKEN_PERIODS of them, so a
# reader who leaves the article open overnight can still send their comment.
FORM_TOKEN_PERIOD = 6 * 3600
FORM_TOKEN_PERIODS = 5
# Browsers' words for a request the site's own page made, or the reader typed themselves.
SAME_SITE_FETCHES = frozenset({"same-origin", "none"})
# A longer token is no token this site signed: refused before it is looked at.
MAX_TOKEN = 128


def _signer() -> Signer:
    return _signer_for(current_app.config["SECRET_KEY"])


@functools.lru_cache(maxsize=4)
def _signer_for(secret_key: str) -> Signer:
    """Made once per key: every article page and every comment POST signs or checks."""
    return Signer(secret_key, salt="newsroom comment form")


def form_period(now: float | None = None) -> int:
    """The current period's number: part of a cached page's key, and of its token."""
    return int((time.time() if now is None else now) // FORM_TOKEN_PERIOD)


def form_token(period: int | None = None) -> str:
    """The token every form drawn in `period` (by default the current one) carries."""
    period = form_period() if period is None else period
    return _signer().sign(str(period)).decode()


def form_token_valid(token: str | None, now: float | None = None) -> bool:
    """True for a token this site signed in the current period or the few before it."""
    if not token or len(token) > MAX_TOKEN:
        return False
    try:
        period = _signer().unsign(token).decode()
    except (BadSignature, UnicodeDecodeError):
        return False
    if not period.isascii() or not period.isdecimal():
        return False
    current = form_period(now)
    return current - FORM_TOKEN_PERIODS < int(period) <= current


def trusted_origins() -> frozenset[str]:
    """TRUSTED_ORIGINS: other origins ("https://www.example.org") whose pages may post
    comments here, e.g. the same site under a second name. A list, or one string of
    origins separated by commas."""
    setting = current_app.config["TRUSTED_ORIGINS"]
    if isinstance(setting, str):
        setting = setting.split(",")
    return frozenset(origin.strip().rstrip("/").lower() for origin in setting if origin.strip())


def cross_origin() -> bool:
    """True when this request was made by another site's page, and no trusted one."""
    fetched_from = request.headers.get("Sec-Fetch-Site")
    origin = request.headers.get("Origin")
    if fetched_from is not None:
        if fetched_from in SAME_SITE_FETCHES:
            return False
        return not _trusted(origin)
    if origin is None:
        return False  # not a browser, or one too old to say: the other checks apply
    return not (_same_host(origin) or _trusted(origin))


def _same_host(origin: str) -> bool:
    try:
        host = urlsplit(origin).netloc
    except ValueError:  # "http://[::1": not an address at all
        return False
    return bool(host) and host.lower() == request.host.lower()


def _trusted(origin: str | None) -> bool:
    return origin is not None and origin.rstrip("/").lower() in trusted_origins()
