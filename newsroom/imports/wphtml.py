"""WordPress's HTML as this site keeps text: an article's body as Markdown (with sanitized
HTML where Markdown has no words for it: figures with captions, tables), and comments and
excerpts as plain text.

A WordPress body is HTML from the block editor (`<!-- wp:paragraph -->` comments around
each block), or the classic editor's text, whose paragraphs are blank lines and whose line
breaks are newlines (WordPress's `wpautop` makes the HTML when it shows the post), with
shortcodes: `[caption]` around an image and its caption, `[embed]` around a link.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import nh3

from newsroom.content import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, URL_SCHEMES, url_is_allowed

# The block editor's markers, the "read more" and page-break markers: none of them show.
_COMMENTS = re.compile(r"<!--.*?-->", re.DOTALL)
_CAPTION = re.compile(
    r"\[(?:wp_)?caption([^\]]*)\](.*?)\[/(?:wp_)?caption\]", re.DOTALL | re.IGNORECASE
)
_CAPTION_ATTRIBUTE = re.compile(r"""caption=(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_EMBED = re.compile(r"\[embed[^\]]*\](.*?)\[/embed\]", re.DOTALL | re.IGNORECASE)
# Shortcodes of WordPress itself that show media this site does not keep: they go. Any
# other text in square brackets ("[1]", "[sic]") is the writer's and stays.
_MEDIA_SHORTCODE = re.compile(r"\[/?(?:gallery|video|audio|playlist)\b[^\]]*\]", re.IGNORECASE)
_IMAGE_TAG = re.compile(r"(<a\b[^>]*>\s*)?<img\b[^>]*>(\s*</a>)?", re.IGNORECASE | re.DOTALL)
_BLOCK_START = re.compile(
    r"^\s*<(?:p|div|h[1-6]|ul|ol|li|blockquote|pre|table|figure|hr|dl|section|iframe)\b",
    re.IGNORECASE,
)
_LIST_ITEM = re.compile(r"^(?:-|\d+\.) ")
_HAS_PARAGRAPHS = re.compile(r"<p[\s>]", re.IGNORECASE)

BLOCK_TAGS = {
    "p", "div", "section", "article", "header", "footer", "aside", "main", "nav",
    "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "pre", "hr",
    "figure", "figcaption", "table", "dl", "address", "center", "details", "summary",
}  # fmt: skip
VOID_TAGS = {"br", "hr", "img", "input", "meta", "link", "source", "track", "wbr", "embed"}
# Elements whose content is never text a reader sees.
DROPPED_TAGS = {"script", "style", "noscript", "template", "svg", "math", "form", "button"}
# Kept as HTML: Markdown has no words for them.
KEPT_AS_HTML = {"table", "dl"}
# Inline elements the site allows that Markdown can't say: kept as HTML inside the text.
INLINE_HTML = {"sup", "sub", "mark", "u", "small", "abbr", "ins", "kbd", "q", "cite"}
# A figure with one of these is kept as HTML; without, its content is written as Markdown.
CAPTIONED = {"figcaption", *KEPT_AS_HTML}
MEDIA_TAGS = {"iframe", "video", "audio", "embed", "object"}


class _Node:
    __slots__ = ("tag", "attrs", "children")

    def __init__(self, tag: str, attrs: dict[str, str]) -> None:
        self.tag = tag
        self.attrs = attrs
        self.children: list[_Node | str] = []


class _TreeBuilder(HTMLParser):
    """A forgiving tree of the fragment: unclosed elements close with their parent."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = _Node(tag, {k: v or "" for k, v in attrs})
        if tag in ("p", "li") and self.stack[-1].tag == tag:
            self.stack.pop()  # <p>one<p>two: the first closes
        self.stack[-1].children.append(node)
        if tag not in VOID_TAGS:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(_Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def _parse(fragment: str) -> _Node:
    builder = _TreeBuilder()
    builder.feed(fragment)
    builder.close()
    return builder.root


# --- WordPress's own markup, before parsing ---------------------------------------------


def _caption_figure(match: re.Match) -> str:
    attributes, inner = match.group(1), match.group(2)
    image = _IMAGE_TAG.search(inner)
    words = _IMAGE_TAG.sub("", inner, count=1).strip() if image else inner.strip()
    if not words and (said := _CAPTION_ATTRIBUTE.search(attributes)):
        words = said.group(1) or said.group(2) or ""
    picture = image.group(0) if image else ""
    caption = f"<figcaption>{words}</figcaption>" if words else ""
    return f"\n\n<figure>{picture}{caption}</figure>\n\n"


def _autop(text: str) -> str:
    """The classic editor's paragraphs (blank lines) and line breaks (newlines) as HTML,
    as WordPress's wpautop shows them."""
    parts = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        block = block.strip()
        if not block:
            continue
        if _BLOCK_START.match(block):
            parts.append(block)
        else:
            parts.append("<p>" + block.replace("\n", "<br>\n") + "</p>")
    return "\n".join(parts)


def _unwrap_shortcodes(text: str) -> str:
    text = _CAPTION.sub(_caption_figure, text)
    text = _EMBED.sub(
        lambda m: f'\n\n<p><a href="{m.group(1).strip()}">{m.group(1).strip()}</a></p>\n\n', text
    )
    return _MEDIA_SHORTCODE.sub("", text)


# --- Markdown ------------------------------------------------------------------------------

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
_ENTITY_LIKE = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_LINE_START_SPECIAL = re.compile(r"^(\s*)([#>+\-=]|\d+)([.)]?)(?=\s|$)", re.MULTILINE)


def _escape(text: str) -> str:
    text = _ENTITY_LIKE.sub("&amp;", text)
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return text


def _escape_line_starts(text: str) -> str:
    def escaped(match: re.Match) -> str:
        lead, marker, dot = match.groups()
        if marker.isdigit():  # "1." starts a list; "1\." does not
            return f"{lead}{marker}\\{dot}" if dot else match.group(0)
        return f"{lead}\\{marker}{dot}"

    return _LINE_START_SPECIAL.sub(escaped, text)


def _clean_html(fragment: str) -> str:
    """A piece of HTML kept as it is, cut to what the site allows, on one line run (an HTML
    block in Markdown ends at a blank line)."""
    cleaned = nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )
    return re.sub(r"\n\s*\n+", "\n", cleaned).strip()


def _serialize(node: _Node | str) -> str:
    if isinstance(node, str):
        return html.escape(node, quote=False)
    if node.tag in DROPPED_TAGS:
        return ""
    attributes = "".join(f' {k}="{html.escape(v)}"' for k, v in node.attrs.items())
    inner = "".join(_serialize(child) for child in node.children)
    if node.tag in VOID_TAGS:
        return f"<{node.tag}{attributes}>"
    return f"<{node.tag}{attributes}>{inner}</{node.tag}>"


def _contains(node: _Node, tags: set[str]) -> bool:
    return any(
        isinstance(child, _Node) and (child.tag in tags or _contains(child, tags))
        for child in node.children
    )


class _MarkdownWriter:
    def __init__(self) -> None:
        self.blocks: list[str] = []

    # Inline content: one string, whitespace collapsed as a browser would.
    def inline(self, node: _Node) -> str:
        out = []
        for child in node.children:
            if isinstance(child, str):
                out.append(_escape(re.sub(r"\s+", " ", child)))
                continue
            out.append(self.inline_element(child))
        return "".join(out)

    def inline_element(self, node: _Node) -> str:
        tag = node.tag
        if tag in DROPPED_TAGS:
            return ""
        if tag == "br":
            return "\\\n"
        if tag == "img":
            src = node.attrs.get("src", "").strip()
            if not src or not url_is_allowed(src):
                return ""
            alt = _escape(node.attrs.get("alt", ""))
            return f"![{alt}]({_destination(src)})"
        if tag in MEDIA_TAGS:
            src = node.attrs.get("src", "").strip()
            return f"<{src}>" if src.startswith(("http://", "https://")) and " " not in src else ""
        text = self.inline(node)
        if tag in ("strong", "b"):
            return _wrap(text, "**")
        if tag in ("em", "i"):
            return _wrap(text, "*")
        if tag in ("del", "s", "strike"):
            return _wrap(text, "~~")
        if tag == "code":
            raw = "".join(_text_of(node))
            fence = "``" if "`" in raw else "`"
            return f"{fence}{raw}{fence}" if raw.strip() else ""
        if tag == "a":
            href = node.attrs.get("href", "").strip()
            if not href or not url_is_allowed(href) or not text.strip():
                return text
            title = node.attrs.get("title", "")
            title_part = f' "{_escape(title)}"' if title and '"' not in title else ""
            return f"[{text}]({_destination(href)}{title_part})"
        if tag in INLINE_HTML:
            return f"<{tag}>{text}</{tag}>"
        return text

    # Blocks: each a string of Markdown, joined by blank lines.
    def block(self, node: _Node, out: list[str]) -> None:
        """The children of `node` as blocks; inline runs between blocks become paragraphs."""
        run = _Node("p", {})
        for child in node.children:
            if isinstance(child, str) or child.tag not in BLOCK_TAGS | MEDIA_TAGS | {"img"}:
                run.children.append(child)
                continue
            if child.tag == "img" and not _is_alone(child, node):
                run.children.append(child)
                continue
            self.paragraph(run, out)
            run = _Node("p", {})
            self.block_element(child, out)
        self.paragraph(run, out)

    def paragraph(self, node: _Node, out: list[str]) -> None:
        text = self.inline(node).strip()
        text = re.sub(r"[ \t]*\\\n[ \t]*", "\\\n", text).strip("\\\n ")
        if text:
            out.append(_escape_line_starts(text))

    def block_element(self, node: _Node, out: list[str]) -> None:
        tag = node.tag
        if tag in DROPPED_TAGS:
            return
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            # The article's title is its page's only h1: headings start at h2.
            level = max(2, int(tag[1]))
            text = self.inline(node).replace("\\\n", " ").strip()
            if text:
                out.append("#" * level + " " + text)
        elif tag == "hr":
            out.append("---")
        elif tag == "pre":
            code = "".join(_text_of(node)).strip("\n")
            fence = "~~~~" if "```" in code else "```"
            out.append(f"{fence}\n{code}\n{fence}")
        elif tag == "blockquote":
            inner: list[str] = []
            self.block(node, inner)
            if inner:
                out.append(
                    "\n".join(("> " + line).rstrip() for line in "\n\n".join(inner).split("\n"))
                )
        elif tag in ("ul", "ol"):
            self.list_block(node, out)
        elif tag in KEPT_AS_HTML or (tag == "figure" and _contains(node, CAPTIONED)):
            kept = _clean_html(_serialize(node))
            if kept:
                out.append(kept)
        elif tag in MEDIA_TAGS or tag == "img":
            line = self.inline_element(node)
            if line:
                out.append(line)
        else:  # a div, a section, a figure without a caption: its content
            self.block(node, out)

    def list_block(self, node: _Node, out: list[str]) -> None:
        ordered = node.tag == "ol"
        start = node.attrs.get("start", "1")
        number = int(start) if start.isascii() and start.isdecimal() and len(start) < 9 else 1
        items = []
        for child in node.children:
            if isinstance(child, str):
                if child.strip():
                    items.append(_escape(child.strip()))
                continue
            if child.tag in ("ul", "ol") and items:
                nested: list[str] = []
                self.list_block(child, nested)
                items[-1] += "\n" + "\n".join(nested)
                continue
            inner: list[str] = []
            self.block(child, inner)
            # A list inside an item follows its words on the next line (a tight list).
            item = ""
            for part in inner:
                tight = _LIST_ITEM.match(part) is not None
                item += ("\n" if tight else "\n\n") + part if item else part
            items.append(item)
        lines = []
        for index, item in enumerate(items):
            marker = f"{number + index}." if ordered else "-"
            pad = " " * (len(marker) + 1)
            body = item.split("\n")
            lines.append(f"{marker} {body[0]}".rstrip())
            lines.extend((pad + line) if line else "" for line in body[1:])
        if lines:
            out.append("\n".join(lines))


def _is_alone(node: _Node, parent: _Node) -> bool:
    return parent.tag in ("root", "div", "figure", "section")


def _wrap(text: str, mark: str) -> str:
    stripped = text.strip()
    if not stripped:
        return text
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()) :]
    return f"{lead}{mark}{stripped}{mark}{trail}"


def _destination(url: str) -> str:
    url = url.replace(" ", "%20")
    return f"<{url}>" if any(c in url for c in "()<>") else url


def _text_of(node: _Node):
    for child in node.children:
        if isinstance(child, str):
            yield child
        elif child.tag == "br":
            yield "\n"
        elif child.tag not in DROPPED_TAGS:
            yield from _text_of(child)


def body_markdown(content: str) -> str:
    """A WordPress post's content as this site's article Markdown."""
    text = (content or "").replace("\x00", "")
    text = _COMMENTS.sub("", text)
    classic = not _HAS_PARAGRAPHS.search(text)
    text = _unwrap_shortcodes(text)
    if classic:
        text = _autop(text)
    blocks: list[str] = []
    _MarkdownWriter().block(_parse(text), blocks)
    return "\n\n".join(blocks) + ("\n" if blocks else "")


# --- Plain text ---------------------------------------------------------------------------

_TAG = re.compile(r"<[^>]*>")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_PARAGRAPH_END = re.compile(r"</(?:p|div|blockquote|li|h[1-6])\s*>", re.IGNORECASE)
_LINK = re.compile(r"<a\b[^>]*\bhref=([\"'])(.*?)\1[^>]*>(.*?)</a\s*>", re.IGNORECASE | re.DOTALL)


def _link_text(match: re.Match) -> str:
    href, words = html.unescape(match.group(2)).strip(), match.group(3)
    shown = html.unescape(_TAG.sub("", words)).strip()
    if not href.startswith(("http://", "https://")) or shown == href:
        return words
    return f"{words} ({href})" if shown else href


def plain_text(content: str) -> str:
    """A comment's or an excerpt's HTML as plain text: paragraphs as blank lines, links as
    their words and address, every other tag gone, entities read."""
    text = (content or "").replace("\x00", "").replace("\r\n", "\n")
    if "<" not in text and "&" not in text:
        return text.strip()
    text = _COMMENTS.sub("", text)
    text = _LINK.sub(_link_text, text)
    text = _BREAK.sub("\n", text)
    text = _PARAGRAPH_END.sub("\n\n", text)
    text = html.unescape(_TAG.sub("", text))
    return re.sub(r"\n{3,}", "\n\n", text).strip()
