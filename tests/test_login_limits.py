"""Failed logins: bounded per account in every worker, never a way to lock the owner out,
kept for admins to see; and a login costs one password check whether or not the e-mail is
an active account's."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from werkzeug.security import check_password_hash

import newsroom.accounts
import newsroom.models
from newsroom import accounts
from newsroom.extensions import db, limiter
from newsroom.models import FailedLogin, User, utcnow
from tests.conftest import STAFF_PASSWORD, log_in, page, submit_form, text_of

REFUSED = (
    "Too many failed logins for this e-mail address from your network. Your password was not "
    "checked: please wait 15 minutes and try again. If those attempts were not yours, tell an "
    "admin."
)


def _from(app, address: str):
    """A browser at `address`."""
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = address
    return browser


def _login(browser, email: str, password: str):
    return submit_form(browser, "/login", {"email": email, "password": password}, "form.login-form")


def _fail(app, address: str, email: str, times: int = 1) -> None:
    browser = _from(app, address)
    for _ in range(times):
        assert _login(browser, email, "wrong password").status_code == 422


def _failures(email: str) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(FailedLogin).where(FailedLogin.email == email)
    )


@pytest.fixture
def hash_checks(monkeypatch) -> list[str]:
    """Every password hash the login checks, whichever module checks it."""
    checked: list[str] = []

    def counting(pwhash: str, password: str) -> bool:
        checked.append(pwhash)
        return check_password_hash(pwhash, password)

    for module in (newsroom.models, newsroom.accounts):
        monkeypatch.setattr(module, "check_password_hash", counting, raising=False)
    return checked


# --- Finding 3: one password check, whoever the e-mail belongs to --------------------------


@pytest.mark.parametrize(
    "email",
    ["nobody@newsroom.example", "gone@newsroom.example", "ana@newsroom.example"],
    ids=["unknown", "inactive", "active"],
)
def test_every_failed_login_costs_one_password_check(
    app, client, site, moderator, inactive_moderator, hash_checks, email
):
    response = _login(client, email, STAFF_PASSWORD if email != moderator.email else "wrong")

    assert response.status_code == 422
    assert text_of(page(response).select_one("#password-error")) == (
        "That e-mail and password don't match an active staff account."
    )
    assert len(hash_checks) == 1
    # Hashed the way the site hashes passwords, so it takes as long as a real check.
    assert hash_checks[0].startswith(app.config["PASSWORD_HASH_METHOD"] + "$")


def test_the_hash_for_unknown_emails_is_made_once(client, site, hash_checks):
    _login(client, "nobody@newsroom.example", "one guess")
    _login(client, "no.one@newsroom.example", "another guess")

    assert len(hash_checks) == 2 and hash_checks[0] == hash_checks[1]


# --- Finding 2: bounded per account, never a lock-out --------------------------------------


def test_one_address_gets_five_guesses_at_an_account(app, site, moderator, hash_checks):
    _fail(app, "10.0.0.1", moderator.email, times=5)

    response = _login(_from(app, "10.0.0.1"), moderator.email, STAFF_PASSWORD)

    assert response.status_code == 429
    # The window, in seconds (Flask-Limiter rewrites the header, rounding down a second).
    assert 890 <= int(response.headers["Retry-After"]) <= 900
    assert text_of(page(response).select_one(".login-form .form-error")) == REFUSED
    assert page(response).select_one("#email")["value"] == moderator.email
    # Nothing was checked, stored or changed by the refused attempt.
    assert len(hash_checks) == 5
    # Reading is never limited: the refused address still gets the login page.
    assert _from(app, "10.0.0.1").get("/login").status_code == 200
    assert _failures(moderator.email) == 5
    assert db.session.get(User, moderator.id).last_login_at is None


def test_the_owner_logs_in_while_many_addresses_guess(app, site, moderator):
    for n in range(4):
        _fail(app, f"10.0.2.{n}", moderator.email, times=5)
    for n in range(30):
        _fail(app, f"10.0.1.{n}", moderator.email)

    owner = _from(app, "192.0.2.7")
    response = _login(owner, moderator.email, STAFF_PASSWORD)

    assert response.status_code == 303
    assert _failures(moderator.email) == 50


def test_an_account_under_attack_refuses_every_address_that_failed_for_it(app, site, moderator):
    for n in range(9):
        _fail(app, f"10.0.3.{n}", moderator.email, times=2)
    _fail(app, "10.0.4.1", moderator.email)
    # 19 failures: an address that failed once is still heard.
    assert _login(_from(app, "10.0.4.1"), moderator.email, "wrong again").status_code == 422

    # 20: the account has had enough; an address that failed at all for it waits.
    refused = _login(_from(app, "10.0.4.1"), moderator.email, STAFF_PASSWORD)
    assert refused.status_code == 429
    assert text_of(page(refused).select_one(".form-error")) == REFUSED
    # An address that never failed for it is heard, right or wrong.
    assert _login(_from(app, "10.0.5.1"), moderator.email, "wrong").status_code == 422
    assert _login(_from(app, "10.0.5.2"), moderator.email, STAFF_PASSWORD).status_code == 303


def test_other_accounts_are_not_affected(app, site, moderator, admin):
    _fail(app, "10.0.0.1", moderator.email, times=5)

    assert _login(_from(app, "10.0.0.1"), admin.email, STAFF_PASSWORD).status_code == 303


def test_an_email_that_is_no_account_is_refused_just_the_same(app, site):
    # Otherwise a refusal would tell which addresses are staff.
    _fail(app, "10.0.0.1", "nobody@newsroom.example", times=5)

    response = _login(_from(app, "10.0.0.1"), "nobody@newsroom.example", STAFF_PASSWORD)

    assert response.status_code == 429
    assert text_of(page(response).select_one(".form-error")) == REFUSED


def test_the_count_is_kept_in_the_database_not_in_a_worker(app, site, moderator):
    # Each worker's own rate-limit memory starts empty; the failures don't live there.
    for address in ("10.0.0.1", "10.0.0.1", "10.0.0.1"):
        _fail(app, address, moderator.email)
        limiter.reset()
    _fail(app, "10.0.0.1", moderator.email, times=2)
    limiter.reset()

    assert _login(_from(app, "10.0.0.1"), moderator.email, STAFF_PASSWORD).status_code == 429


def test_failures_older_than_the_window_no_longer_count(app, site, moderator):
    fingerprint = accounts.login_fingerprint("10.0.0.1")
    long_ago = utcnow() - timedelta(minutes=16)
    db.session.add_all(
        FailedLogin(email=moderator.email, client_fingerprint=fingerprint, at=long_ago)
        for _ in range(5)
    )
    db.session.commit()

    assert _login(_from(app, "10.0.0.1"), moderator.email, STAFF_PASSWORD).status_code == 303


def test_the_numbers_are_configurable(app, site, moderator):
    app.config.update(LOGIN_FAILURES_PER_ADDRESS=2, LOGIN_FAILURE_WINDOW_SECONDS=120)
    _fail(app, "10.0.0.1", moderator.email, times=2)

    response = _login(_from(app, "10.0.0.1"), moderator.email, STAFF_PASSWORD)

    assert response.status_code == 429
    assert "please wait 2 minutes" in text_of(page(response).select_one(".form-error"))


def test_an_email_that_grows_when_lower_cased_just_fails(app, site):
    # 240 characters typed, 490 once lower-cased: more than an e-mail column holds.
    typed = "\u0130" * 240 + "@x.example"
    _fail(app, "10.0.0.1", typed, times=5)

    assert _login(_from(app, "10.0.0.1"), typed, "wrong").status_code == 429


def test_an_ipv6_network_counts_as_one_address(app, site, moderator):
    for n in range(1, 6):
        _fail(app, f"2001:db8:1:2::{n}", moderator.email)

    same_network = _login(_from(app, "2001:db8:1:2::ffff"), moderator.email, STAFF_PASSWORD)
    next_network = _login(_from(app, "2001:db8:1:3::1"), moderator.email, STAFF_PASSWORD)

    assert same_network.status_code == 429
    assert next_network.status_code == 303


def test_an_ipv4_address_written_as_ipv6_is_the_same_address(app):
    assert accounts.login_fingerprint("::ffff:10.0.0.1") == accounts.login_fingerprint("10.0.0.1")
    assert accounts.login_fingerprint("10.0.0.1") != accounts.login_fingerprint("10.0.0.2")


def test_a_successful_login_leaves_no_failure_behind(app, client, site, moderator):
    assert log_in(client, moderator).status_code == 303

    assert _failures(moderator.email) == 0


def test_the_address_limit_still_holds_across_accounts(client, site, moderator, admin):
    for attempt in range(10):
        assert _login(client, f"guess{attempt}@newsroom.example", "wrong").status_code == 422

    response = _login(client, admin.email, STAFF_PASSWORD)

    assert response.status_code == 429
    assert "wait" in text_of(page(response).select_one(".error-page"))


@pytest.mark.commits  # the attempts run in threads, each with its own connection
def test_guesses_sent_all_at_once_are_bounded_too(app, site, moderator, monkeypatch):
    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    checked = []
    started = threading.Barrier(10)

    def slow_check(pwhash: str, password: str) -> bool:
        checked.append(pwhash)
        threading.Event().wait(0.2)  # a real hash takes this long; guesses pile up meanwhile
        return check_password_hash(pwhash, password)

    monkeypatch.setattr(newsroom.accounts, "check_password_hash", slow_check)
    statuses = []
    email = moderator.email

    def guess() -> None:
        with app.app_context():
            browser = _from(app, "10.0.0.1")
            token = page(browser.get("/login")).select_one("input[name=csrf_token]")["value"]
            started.wait()
            data = {"csrf_token": token, "email": email, "password": "wrong"}
            statuses.append(browser.post("/login", data=data).status_code)
            db.session.remove()

    threads = [threading.Thread(target=guess) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [422] * 5 + [429] * 5
    assert len(checked) == 5


# --- Old failures go ---------------------------------------------------------------------------


def test_old_failed_logins_are_pruned_as_new_ones_come(app, site, moderator):
    fingerprint = accounts.login_fingerprint("10.9.9.9")
    now = utcnow()
    db.session.add_all(
        FailedLogin(email="old@newsroom.example", client_fingerprint=fingerprint, at=at)
        for at in [now - timedelta(days=31, minutes=n) for n in range(120)]
    )
    db.session.add(
        FailedLogin(
            email="kept@newsroom.example",
            client_fingerprint=fingerprint,
            at=now - timedelta(days=29),
        )
    )
    db.session.commit()

    _fail(app, "10.0.0.1", moderator.email)
    # At most a hundred old rows go with each new failure, oldest first.
    assert _failures("old@newsroom.example") == 20
    _fail(app, "10.0.0.1", moderator.email)
    assert _failures("old@newsroom.example") == 0
    assert _failures("kept@newsroom.example") == 1


# --- What admins see ---------------------------------------------------------------------------


def test_the_staff_list_shows_failed_logins_per_account(app, admin_client, admin, moderator):
    _fail(app, "10.0.0.1", moderator.email, times=2)
    _fail(app, "10.0.0.2", moderator.email)
    _fail(app, "10.0.0.2", "nobody@newsroom.example")

    html = page(admin_client.get("/admin/staff/"))

    header = [text_of(th) for th in html.select("thead th")]
    assert header[-1] == "Failed logins (30 days)"
    cells = {
        text_of(row.select_one("th")): text_of(row.select("td")[-1])
        for row in html.select("tbody tr")
    }
    assert cells == {"Ana Moderator": "3 failed", "Ada Admin (you)": "None"}
    link = html.select_one(f"#user-{moderator.id} td a")
    assert link["href"] == f"/admin/staff/{moderator.id}#failed-logins-heading"


def test_a_staff_members_page_shows_the_latest_failed_logins(app, admin_client, moderator):
    old = utcnow() - timedelta(days=2)
    db.session.add(
        FailedLogin(
            email=moderator.email,
            user_id=moderator.id,
            client_fingerprint=accounts.login_fingerprint("10.0.0.9"),
            at=old,
        )
    )
    db.session.commit()
    for n in range(6):
        _fail(app, f"10.0.0.{n}", moderator.email)

    html = page(admin_client.get(f"/admin/staff/{moderator.id}"))

    panel = html.select_one("section[aria-labelledby=failed-logins-heading]")
    assert text_of(panel.select_one("p")) == (
        "7 failed logins for ana@newsroom.example in the last 30 days; the latest 5:"
    )
    rows = panel.select("tbody tr")
    assert len(rows) == 5
    fingerprints = [text_of(row.select("td")[1]) for row in rows]
    # Newest first, each a short fingerprint of the address, never the address.
    expected = [accounts.login_fingerprint(f"10.0.0.{n}")[:8] for n in range(5, 0, -1)]
    assert fingerprints == expected
    assert "10.0.0." not in html.get_text()
    assert rows[0].select_one("time")["datetime"]


def test_a_staff_members_page_without_failed_logins_says_so(admin_client, moderator):
    html = page(admin_client.get(f"/admin/staff/{moderator.id}"))

    panel = html.select_one("section[aria-labelledby=failed-logins-heading]")
    assert text_of(panel.select_one("p")) == (
        "No failed logins for ana@newsroom.example in the last 30 days."
    )
    assert panel.select_one("table") is None
