"""Reading an export file as a stream of XML elements, safely: through defusedxml, so a
file that declares a DTD (where entity expansion, "billion laughs", and external entities
live) is refused before anything of it is read; and with the line and the reason of the
first thing that is not well-formed.

Memory stays flat however large the file: the caller clears each element once it has
read it (`done`), and the file is read in chunks.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden
from defusedxml.ElementTree import ParseError, iterparse

from newsroom.imports import ImportRefused

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element  # nosec B405 # a type name, nothing parsed

READ_SIZE = 1 << 16


class CountingReader:
    """A binary file that knows how far it has been read (for the progress bar)."""

    def __init__(self, file: BinaryIO) -> None:
        self.file = file
        self.position = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.file.read(READ_SIZE if size is None or size < 0 else size)
        self.position += len(chunk)
        return chunk


def local_name(tag: str, names: dict[str, str] = {}) -> str:  # noqa: B006 # a memo
    """ "{http://wordpress.org/export/1.2/}post_id" as "wp:post_id", whatever version of a
    namespace the file uses; a tag without a namespace as it is."""
    found = names.get(tag)
    if found is None:
        if tag.startswith("{"):
            namespace, _, name = tag[1:].partition("}")
            if namespace.startswith("http://wordpress.org/export/"):
                prefix = "excerpt" if namespace.rstrip("/").endswith("excerpt") else "wp"
            elif namespace.startswith("http://purl.org/rss/1.0/modules/content"):
                prefix = "content"
            elif namespace.startswith("http://purl.org/dc/elements/"):
                prefix = "dc"
            elif namespace == "http://disqus.com/disqus-internals":
                prefix = "dsq"
            elif namespace == "http://disqus.com":
                prefix = ""
            else:
                prefix = namespace
            found = f"{prefix}:{name}" if prefix else name
        else:
            found = tag
        names[tag] = found
    return found


def elements(path: Path, reader: CountingReader) -> Iterator[tuple[str, Element]]:
    """("start" or "end", element) for each element of the file, in order; ImportRefused
    with the line and the reason for a file that is not well-formed or declares a DTD."""
    events = iterparse(reader, events=("start", "end"), forbid_dtd=True)
    try:
        yield from events
    except ParseError as error:
        line, column = error.position
        reason = str(error).split(":")[0]
        raise ImportRefused(
            f"{path}, line {line}, column {column + 1}: the file is not well-formed XML "
            f"({reason}). Nothing was imported."
        ) from None
    except DTDForbidden:
        raise ImportRefused(
            f"{path} declares a DTD (<!DOCTYPE ...>), which no WordPress or Disqus export "
            "has; its entities are neither expanded nor fetched. Nothing was imported."
        ) from None
    except EntitiesForbidden as error:
        raise ImportRefused(
            f"{path} declares the entity {error.name!r}; entities are neither expanded nor "
            "fetched. Nothing was imported."
        ) from None
    except DefusedXmlException as error:
        raise ImportRefused(f"{path} was refused: {error}. Nothing was imported.") from None


def text(element: Element | None) -> str:
    """An element's text, "" when it has none."""
    if element is None or element.text is None:
        return ""
    return element.text


def children(element: Element) -> dict[str, Element]:
    """An element's children by local name (the first of each name)."""
    found: dict[str, Element] = {}
    for child in element:
        found.setdefault(local_name(child.tag), child)
    return found
