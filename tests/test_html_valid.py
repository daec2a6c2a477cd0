"""Every page we send parses as HTML without a single error, by the HTML5 parsing rules."""

import html5lib
import pytest

from tests.conftest import log_in, submit_form


def _assert_valid(response) -> None:
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    try:
        parser.parse(response.get_data(as_text=True))
    except html5lib.html5parser.ParseError as error:
        pytest.fail(f"{response.request.path}: {error}")


@pytest.mark.parametrize(
    "url",
    ["/", "/sections/in-the-news/", "/articles/council-hears-tenants", "/nowhere", "/login"],
)
def test_public_pages_are_valid_html(client, site, article, make_comment, url):
    make_comment(article, "approved", body="Line one\nline two\n\nhttps://link.example/")
    _assert_valid(client.get(url))


def test_comment_form_with_errors_is_valid_html(client, site, article):
    response = submit_form(
        client, f"/articles/{article.slug}", {"author_email": "nope"}, "form.comment-form"
    )
    assert response.status_code == 422
    _assert_valid(response)


@pytest.mark.parametrize(
    "url", ["/dashboard/", "/dashboard/?status=approved", "/dashboard/history", "/account"]
)
def test_staff_pages_are_valid_html(client, site, article, make_comment, moderator, url):
    from newsroom import moderation

    comment = make_comment(article, body="Please look <here>")
    make_comment(article)
    moderation.decide(comment.id, "approved", moderator)
    log_in(client, moderator)
    _assert_valid(client.get(url))
