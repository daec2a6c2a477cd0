"""WordPress's HTML as the site keeps text (newsroom/imports/wphtml.py) and the values an
import reads from a file (newsroom/imports/store.py): whatever a file holds, no error, and
nothing unsafe reaches a page."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st

from newsroom.content import comment_html, render_markdown
from newsroom.imports import wphtml
from newsroom.imports.store import bounded_email, bounded_text, parse_local_time, whole_number

TAGS = [
    *("p", "a", "img", "script", "strong", "em", "ul", "li", "ol", "table", "td", "tr"),
    *("figure", "figcaption", "blockquote", "pre", "code", "h2", "iframe", "div", "br"),
]
ATTRIBUTES = ['href="javascript:alert(1)"', 'src="https://x.example/a.jpg"', 'onclick="x()"',
              'style="color:red"', 'href="https://x.example"', 'class="wp-block"', ""]  # fmt: skip
fragments = st.lists(
    st.one_of(
        st.builds(lambda t, a: f"<{t} {a}>", st.sampled_from(TAGS), st.sampled_from(ATTRIBUTES)),
        st.builds(lambda t: f"</{t}>", st.sampled_from(TAGS)),
        st.sampled_from(
            [
                "[caption]",
                "[/caption]",
                "[embed]",
                "[/embed]",
                "[gallery]",
                "<!-- wp:paragraph -->",
                "\n",
                "\n\n",
                "&amp;",
                "&#0;",
                "*",
                "_",
                "# ",
                "1. ",
                "> ",
                "`",
                "]]>",
                "\x00",
            ]
        ),  # fmt: skip
        st.text(max_size=20),
    ),
    max_size=40,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(fragments)
def test_any_body_becomes_markdown_that_renders_safely(html):
    markdown = wphtml.body_markdown(html)

    rendered = BeautifulSoup(render_markdown(markdown), "html.parser")
    assert rendered.find(["script", "iframe", "style"]) is None
    for element in rendered.find_all(True):
        for name, value in element.attrs.items():
            assert not name.startswith("on")
            assert "javascript:" not in str(value).lower()
    assert "\x00" not in markdown


@settings(max_examples=300, deadline=None)
@given(fragments)
def test_any_comment_becomes_plain_text(html):
    text = wphtml.plain_text(html)

    assert "\x00" not in text
    # Shown as a reader's comment: paragraphs, line breaks and links, nothing else.
    shown = BeautifulSoup(str(comment_html(text)), "html.parser")
    assert {element.name for element in shown.find_all(True)} <= {"p", "br", "a"}


@given(st.text(max_size=60))
def test_dates_numbers_and_names_from_a_file_never_raise(value):
    moment = parse_local_time(value, ZoneInfo("America/New_York"))
    assert moment is None or (1900 <= moment.year <= 2200 and moment.utcoffset().seconds == 0)
    number = whole_number(value)
    assert number is None or 0 <= number < 10**18
    assert len(bounded_text(value, 10)) <= 10
    assert len(bounded_email(value)) <= 254


def test_wordpress_dates_read_on_the_site_clock():
    zone = ZoneInfo("America/New_York")
    assert parse_local_time("2013-03-02 09:05:09", zone).isoformat() == "2013-03-02T14:05:09+00:00"
    for nonsense in ("0000-00-00 00:00:00", "2013-13-45 99:00:00", "99999-01-01", "", "1899-12-31"):
        assert parse_local_time(nonsense, zone) is None
