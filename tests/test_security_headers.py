"""The headers every response carries, and the staff pages no cache may keep."""

import pytest

STAFF_PAGES = ["/account", "/admin/", "/admin/settings", "/admin/staff/", "/dashboard/"]


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_staff_pages_are_never_stored(admin_client, site, url):
    response = admin_client.get(url)

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_the_login_page_is_never_stored(client, site):
    response = client.get("/login")

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_a_public_page_stays_cacheable(client, site, article):
    for url in ("/", f"/articles/{article.slug}"):
        assert "no-store" not in client.get(url).headers["Cache-Control"]


def test_every_response_refuses_the_features_no_page_uses(client, site, article):
    for url in ("/", f"/articles/{article.slug}", "/login", "/no-such-page"):
        policy = client.get(url).headers["Permissions-Policy"]
        assert "camera=()" in policy and "geolocation=()" in policy


def test_https_is_insisted_on_when_the_cookies_are_secure(app, client, site):
    assert "Strict-Transport-Security" not in client.get("/").headers

    app.config["SESSION_COOKIE_SECURE"] = True
    assert client.get("/").headers["Strict-Transport-Security"] == "max-age=31536000"
