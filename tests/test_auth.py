"""Staff login and logout: generic failures, safe `next`, sessions that end, password change.

The failed-login limits have their own file, tests/test_login_limits.py."""

from datetime import UTC, datetime
from uuid import UUID

import pytest
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SecureCookieSessionInterface
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from newsroom import accounts
from newsroom.access import CookieSessions, SessionJSON
from newsroom.extensions import db
from newsroom.models import User
from tests.conftest import (
    STAFF_PASSWORD,
    csrf_token,
    log_in,
    page,
    statements_sent,
    submit_form,
    text_of,
)


def _login(client, email, password, next_url=None, **fields):
    url = "/login" + (f"?next={next_url}" if next_url else "")
    data = {"email": email, "password": password, **fields}
    return submit_form(client, url, data, "form.login-form")


def test_login_then_logout(client, site, moderator):
    response = _login(client, moderator.email, STAFF_PASSWORD)
    assert response.status_code == 303 and response.headers["Location"] == "/dashboard/"
    db.session.refresh(moderator)
    assert moderator.last_login_at is not None

    html = page(client.get("/dashboard/"))
    logout = html.select_one(".staff-nav form")
    response = client.post(logout["action"], data={"csrf_token": csrf_token(client, "/dashboard/")})
    assert response.status_code == 303
    assert client.get("/dashboard/").status_code == 302


def test_email_is_matched_without_regard_to_case(client, site, moderator):
    assert _login(client, moderator.email.upper(), STAFF_PASSWORD).status_code == 303


def test_email_is_matched_as_accounts_store_it(client, site):
    """Login normalizes an address the way creating the account did (one rule)."""
    accounts.create_staff("Zoë@Bücher.Example", "Zoë", "moderator", STAFF_PASSWORD)
    # Typed with "e" + a combining diaeresis, as some keyboards send it.
    assert _login(client, "  zoe\u0308@BU\u0308CHER.example ", STAFF_PASSWORD).status_code == 303


def test_an_address_that_is_no_address_just_fails_to_log_in(client, site, moderator):
    response = _login(client, "not an address@@", STAFF_PASSWORD)
    assert response.status_code == 422
    assert "don't match" in text_of(page(response).select_one("#password-error"))


@pytest.mark.parametrize(
    ("email", "password"),
    [("ana@newsroom.example", "wrong password"), ("nobody@newsroom.example", STAFF_PASSWORD)],
)
def test_wrong_credentials_get_one_generic_message(client, site, moderator, email, password):
    response = _login(client, email, password)
    html = page(response)
    assert response.status_code == 422
    assert text_of(html.select_one("#password-error")) == (
        "That e-mail and password don't match an active staff account."
    )
    assert html.select_one("#email")["value"] == email
    assert not html.select_one("#password").get("value")  # never echoed back


@pytest.mark.parametrize(
    ("next_url", "landing"),
    [
        ("/dashboard/history", "/dashboard/history"),
        ("https://evil.example/", "/dashboard/"),
        ("//evil.example/", "/dashboard/"),
        ("/\\evil.example", "/dashboard/"),
        ("javascript:alert(1)", "/dashboard/"),
    ],
)
def test_next_is_followed_only_inside_the_site(client, site, moderator, next_url, landing):
    response = _login(client, moderator.email, STAFF_PASSWORD, next_url)
    assert response.headers["Location"] == landing


@pytest.mark.parametrize(
    "target", ["/dashboard/\r\nSet-Cookie: a=b", "/dashboard/\nX", "/a\x01b", "/a\tb", "/a\x7fb"]
)
def test_a_next_with_control_characters_is_dropped_not_a_500(client, site, moderator, target):
    login_page = page(client.get("/login", query_string={"next": target}))
    assert login_page.select_one("input[name=next]").get("value", "") == ""

    # Sent in the form's own field, as a crafted page would.
    response = _login(client, moderator.email, STAFF_PASSWORD, next=target)
    assert response.status_code == 303 and response.headers["Location"] == "/dashboard/"
    # Already logged in, the login page sends the person on at once.
    again = client.get("/login", query_string={"next": target})
    assert again.status_code == 302 and again.headers["Location"] == "/dashboard/"


def test_an_email_with_a_nul_byte_is_refused_not_a_500(client, site, moderator):
    # A NUL anywhere in a request is refused before any view (newsroom/inputs.py).
    response = _login(client, "ana\x00@newsroom.example", STAFF_PASSWORD)

    assert response.status_code == 400
    assert "NUL character" in text_of(page(response).select_one("main"))


def test_an_email_with_a_control_character_is_refused_beside_the_field(client, site, moderator):
    response = _login(client, "ana\x01@newsroom.example", STAFF_PASSWORD)

    assert response.status_code == 422
    html = page(response)
    assert (
        text_of(html.select_one("#email-error")) == "An e-mail address has no control characters."
    )


def test_failed_logins_are_limited_per_address(client, site, moderator, admin):
    for attempt in range(10):
        assert _login(client, f"guess{attempt}@newsroom.example", "wrong").status_code == 422
    assert _login(client, admin.email, STAFF_PASSWORD).status_code == 429


def test_successful_logins_do_not_count_against_the_limit(app, site, moderator):
    for _ in range(12):
        browser = app.test_client()
        assert _login(browser, moderator.email, STAFF_PASSWORD).status_code == 303


def test_change_own_password(client, site, moderator):
    log_in(client, moderator)
    wrong = submit_form(
        client,
        "/account",
        {
            "current_password": "nope",
            "new_password": "brand new secret",
            "confirm_password": "brand new secret",
        },
        "form.password-form",
    )
    assert wrong.status_code == 422
    assert text_of(page(wrong).select_one("#current_password-error")) == (
        "That is not your current password."
    )
    short = submit_form(
        client,
        "/account",
        {"current_password": STAFF_PASSWORD, "new_password": "short", "confirm_password": "short"},
        "form.password-form",
    )
    assert "at least 10 characters" in text_of(page(short).select_one("#new_password-error"))

    done = submit_form(
        client,
        "/account",
        {
            "current_password": STAFF_PASSWORD,
            "new_password": "brand new secret",
            "confirm_password": "brand new secret",
        },
        "form.password-form",
    )
    assert done.status_code == 303
    db.session.refresh(moderator)
    assert moderator.check_password("brand new secret")
    assert not moderator.check_password(STAFF_PASSWORD)


def test_account_page_needs_login(client, site):
    response = client.get("/account")
    assert response.status_code == 302 and response.headers["Location"] == "/login?next=/account"


# --- Sessions end when they should ---------------------------------------------------------


def _remember_cookie(client) -> str:
    return client.get_cookie("remember_token").value


def _session_cookie(client) -> str:
    return client.get_cookie("session").value


def _browser_with(app, **cookies):
    """Another browser holding copies of cookies captured from the first."""
    browser = app.test_client()
    for name, value in cookies.items():
        browser.set_cookie(name, value)
    return browser


def _opens_the_dashboard(browser) -> bool:
    response = browser.get("/dashboard/")
    if response.status_code == 302:
        assert response.headers["Location"].startswith("/login")
        return False
    assert response.status_code == 200
    return text_of(page(response).select_one("h1")) != ""


def _logged_in_with_remember(app, user):
    browser = app.test_client()
    assert _login(browser, user.email, STAFF_PASSWORD, remember="y").status_code == 303
    return browser


def test_a_session_cookie_captured_before_logout_opens_nothing_after_it(app, site, moderator):
    browser = app.test_client()
    log_in(browser, moderator)
    captured = _session_cookie(browser)
    assert _opens_the_dashboard(_browser_with(app, session=captured))

    logout = browser.post("/logout", data={"csrf_token": csrf_token(browser, "/dashboard/")})

    assert logout.status_code == 303
    assert not _opens_the_dashboard(browser)
    assert not _opens_the_dashboard(_browser_with(app, session=captured))


def _log_out(app, user, browser, admin):
    browser.post("/logout", data={"csrf_token": csrf_token(browser, "/dashboard/")})


def _change_own_password(app, user, browser, admin):
    response = submit_form(
        browser,
        "/account",
        {
            "current_password": STAFF_PASSWORD,
            "new_password": "brand new secret",
            "confirm_password": "brand new secret",
        },
        "form.password-form",
    )
    assert response.status_code == 303


def _admin_resets_password(app, user, browser, admin):
    chief = app.test_client()
    log_in(chief, admin)
    response = submit_form(
        chief,
        f"/admin/staff/{user.id}",
        {"new_password": "set by the admin", "confirm_password": "set by the admin"},
        f"form[action$='/{user.id}/password']",
    )
    assert response.status_code == 303


def _log_out_everywhere(app, user, browser, admin):
    response = submit_form(browser, "/account", {}, "form.sessions-form")
    assert response.status_code == 303 and response.headers["Location"] == "/login"


@pytest.mark.parametrize(
    "ending",
    [_log_out, _change_own_password, _admin_resets_password, _log_out_everywhere],
    ids=["logout", "password-change", "admin-reset", "log-out-everywhere"],
)
def test_every_session_and_remember_cookie_ends_at_once(app, site, moderator, admin, ending):
    browser = _logged_in_with_remember(app, moderator)
    other_device = _logged_in_with_remember(app, moderator)
    remembered = _remember_cookie(browser)
    captured_session = _session_cookie(browser)
    # The remember cookie alone is a login, until the account's sessions end.
    assert _opens_the_dashboard(_browser_with(app, remember_token=remembered))

    ending(app, moderator, browser, admin)

    assert not _opens_the_dashboard(_browser_with(app, remember_token=remembered))
    assert not _opens_the_dashboard(_browser_with(app, session=captured_session))
    assert not _opens_the_dashboard(other_device)


def test_changing_ones_password_keeps_this_browser_logged_in(app, site, moderator):
    browser = _logged_in_with_remember(app, moderator)

    _change_own_password(app, moderator, browser, None)

    html = page(browser.get("/account"))
    assert text_of(html.select_one(".flash-success")) == (
        "Your password has been changed. You are still logged in here; "
        "everywhere else you have been logged out."
    )
    assert _opens_the_dashboard(browser)
    # Its remember cookie was renewed with the new key, and still logs in alone.
    assert _opens_the_dashboard(_browser_with(app, remember_token=_remember_cookie(browser)))


def test_log_out_everywhere_is_a_button_on_the_account_page(app, site, moderator):
    browser = app.test_client()
    log_in(browser, moderator)
    form = page(browser.get("/account")).select_one("form.sessions-form")
    assert text_of(form.select_one("button")) == "Log out everywhere"

    _log_out_everywhere(app, moderator, browser, None)

    login_page = page(browser.get("/login"))
    assert text_of(login_page.select_one(".flash-success")) == (
        "You have logged out everywhere: on this device and every other."
    )
    assert browser.get("/account").status_code == 302


def test_a_stale_remember_cookie_is_deleted_once_seen(app, site, moderator):
    browser = _logged_in_with_remember(app, moderator)
    remembered = _remember_cookie(browser)
    accounts.end_sessions(moderator)
    stale = _browser_with(app, remember_token=remembered)

    assert stale.get("/dashboard/").status_code == 302

    assert stale.get_cookie("remember_token") is None


def test_the_csrf_token_from_before_login_is_refused_after_it(app, site, moderator):
    browser = app.test_client()
    before = csrf_token(browser, "/login")
    log_in(browser, moderator)

    refused = browser.post("/logout", data={"csrf_token": before})

    assert refused.status_code == 400
    assert "expired" in text_of(page(refused).select_one(".error-page"))
    assert _opens_the_dashboard(browser)  # still logged in: the old token did nothing


@pytest.mark.parametrize(
    "session_id", ["1", "1:", ":key", "x:key", "99999999999999999999999:key", "１:key"]
)
def test_a_session_naming_no_account_properly_is_logged_out(client, site, session_id):
    with client.session_transaction() as session:
        session["_user_id"] = session_id

    assert not _opens_the_dashboard(client)


def test_accounts_get_their_own_session_keys(app, moderator, admin):
    assert moderator.session_key and admin.session_key
    assert moderator.session_key != admin.session_key
    assert moderator.get_id() == f"{moderator.id}:{moderator.session_key}"
    before = moderator.session_key
    accounts.end_sessions(moderator)
    assert db.session.get(User, moderator.id).session_key != before


def test_a_new_secret_key_ends_every_session_and_a_fallback_keeps_them(app, site, moderator):
    # The cookies' signer is made once per set of keys (access.CookieSessions): a key
    # changed in the running app is used from the next request on.
    browser = app.test_client()
    assert _login(browser, moderator.email, STAFF_PASSWORD).status_code == 303
    captured = _session_cookie(browser)
    assert _opens_the_dashboard(_browser_with(app, session=captured))

    old_key = app.config["SECRET_KEY"]
    app.secret_key = "a-new-secret-key-for-this-test"
    assert not _opens_the_dashboard(_browser_with(app, session=captured))

    app.config["SECRET_KEY_FALLBACKS"] = [old_key]
    assert _opens_the_dashboard(_browser_with(app, session=captured))


# What a session may hold: every kind Flask's serializer tags, in lists, tuples and dicts,
# the dicts' keys among them the tags' own (" t", " di", ...).
_session_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False),
        st.text(),
        st.binary(max_size=20),
        st.uuids(),
        st.datetimes(timezones=st.just(UTC)).map(lambda moment: moment.replace(microsecond=0)),
        st.text(max_size=20).map(Markup),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.dictionaries(
            st.one_of(st.text(max_size=5), st.sampled_from([" t", " di", " b"])), inner, max_size=4
        ),
    ),
    max_leaves=12,
)


@settings(max_examples=500, deadline=None)
@given(st.dictionaries(st.text(max_size=12), _session_values, max_size=4))
def test_the_session_serializer_writes_what_flasks_own_writes(session_data):
    # access.SessionJSON tags the common values itself: the cookie it makes is the one
    # Flask's serializer makes, and each reads the other's.
    ours, flasks = SessionJSON(), TaggedJSONSerializer()
    written = ours.dumps(session_data)
    assert written == flasks.dumps(session_data)
    assert ours.loads(written) == flasks.loads(written)


def test_a_comment_posts_session_is_what_flask_would_write(app):
    data = {
        "own_comments": [12, 3456789],
        "_flashes": [("success", "Your comment will show once it has been approved.")],
        "notice": Markup("<b>bold</b>"),
        "at": datetime(2026, 12, 1, 9, 30, tzinfo=UTC),
        "id": UUID(int=7),
    }
    with app.app_context():
        written = SessionJSON().dumps(data)
        assert written == TaggedJSONSerializer().dumps(data)
        assert SessionJSON().loads(written) == data


def test_session_cookies_read_both_ways_with_flasks_own(app):
    # Cookies from before (Flask's, compressed when zlib shortened them) still open, and
    # Flask's own interface opens ours: nobody is logged out by the change, or back.
    ours, flasks = CookieSessions(), SecureCookieSessionInterface()
    small = {"own_comments": [12], "_flashes": [("success", "Sent.")]}
    large = {"_user_id": "7:" + "k" * 40, "note": "the same words again " * 40}
    with app.test_request_context():
        for data in (small, large):
            written = ours.get_signing_serializer(app).dumps(data)
            assert not written.startswith(".")  # never compressed
            assert flasks.get_signing_serializer(app).loads(written) == data
            before = flasks.get_signing_serializer(app).dumps(data)
            assert ours.get_signing_serializer(app).loads(before) == data
        assert flasks.get_signing_serializer(app).dumps(large).startswith(".")


def test_the_account_is_read_once_per_request_and_never_written_back(app, site, moderator):
    # Read plainly (access._account), it is the session's own object: one SELECT, and
    # nothing flushed for it when the request only reads.
    browser = app.test_client()
    assert _login(browser, moderator.email, STAFF_PASSWORD).status_code == 303
    with statements_sent() as sent:
        assert _opens_the_dashboard(browser)
    account_reads = [s for s, _ in sent if s.startswith("SELECT") and "FROM users" in s]
    assert len(account_reads) == 1, account_reads
    assert not [s for s, _ in sent if s.startswith(("UPDATE users", "INSERT INTO users"))]
