"""Staff login and logout: generic failures, safe `next`, rate limits, password change."""

import pytest

from newsroom import accounts
from newsroom.extensions import db
from tests.conftest import STAFF_PASSWORD, csrf_token, log_in, page, submit_form, text_of


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
    "target", ["/dashboard/\r\nSet-Cookie: a=b", "/dashboard/\nX", "/a\x00b", "/a\tb", "/a\x7fb"]
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


def test_failed_logins_are_limited_per_account(app, site, moderator):
    for attempt in range(10):
        other_address = app.test_client()
        environ = {"REMOTE_ADDR": f"10.0.0.{attempt + 1}"}
        other_address.environ_base.update(environ)
        assert _login(other_address, moderator.email, "wrong").status_code == 422
    last = app.test_client()
    last.environ_base["REMOTE_ADDR"] = "10.0.1.1"
    # Even the right password waits: the account is under attack from many addresses.
    response = _login(last, moderator.email, STAFF_PASSWORD)
    assert response.status_code == 429
    assert "wait" in text_of(page(response).select_one(".error-page"))


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
