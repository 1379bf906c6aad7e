"""HTML with the standard library parser: visible text in blocks, located by source line.

script/style/noscript/template/svg are dropped. Block elements start a new segment;
headings become Markdown heading lines ("## What is X?"), ``<summary>`` a level-6
heading, list items "- item" and ``<dd>`` definitions ": text" under their ``<dt>`` term,
so the structure survives as text. Whitespace is collapsed as a browser would, except in <pre>.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from ftbuilder.core.errors import IngestError
from ftbuilder.core.types import Document, Segment
from ftbuilder.ingest.text import line_span, read_text

_SKIP = frozenset({"script", "style", "noscript", "template", "svg", "iframe", "object"})
_BLOCK = frozenset({
    "p", "div", "br", "hr", "li", "ul", "ol", "dl", "dt", "dd", "table", "tr", "thead", "tbody",
    "section", "article", "header", "footer", "nav", "aside", "main", "blockquote", "pre",
    "figure", "figcaption", "form", "fieldset", "details", "summary", "address", "title",
    "h1", "h2", "h3", "h4", "h5", "h6", "body", "html",
})
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_CELLS = frozenset({"td", "th"})
_WS = re.compile(r"\s+")


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.segments: list[Segment] = []
        self._parts: list[str] = []
        self._first = self._last = 0
        self._skip = 0
        self._pre = 0
        self._prefix = ""
        self._row_cells = 0

    # a block boundary: emit what was gathered since the last one
    def _flush(self) -> None:
        raw = "".join(self._parts)
        self._parts = []
        text = raw.strip("\n") if self._pre else _WS.sub(" ", raw).strip()
        if text:
            self.segments.append(Segment(self._prefix + text,
                                         line_span(self._first, self._last)))
        self._prefix = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skip += 1
        elif self._skip:
            return
        elif tag in _BLOCK:
            self._flush()
            if tag in _HEADINGS:
                self._prefix = "#" * _HEADINGS[tag] + " "
            elif tag == "li":
                self._prefix = "- "
            elif tag == "summary":  # a <details> FAQ: the summary is the question
                self._prefix = "###### "
            elif tag == "dd":  # a definition list: the term's line, then ": definition"
                self._prefix = ": "
            elif tag == "pre":
                self._pre += 1
            elif tag == "tr":
                self._row_cells = 0
        elif tag in _CELLS:
            if self._row_cells:
                self._parts.append(" | ")
            self._row_cells += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK and not self._skip:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK and not self._skip:
            self._flush()
            if tag == "pre":
                self._pre = max(0, self._pre - 1)

    def handle_data(self, data: str) -> None:
        if self._skip or (not self._parts and not data.strip()):
            return
        line = self.getpos()[0]
        if not self._parts:
            self._first = line
        self._last = line + data.count("\n")
        self._parts.append(data)

    def close(self) -> None:
        super().close()
        self._flush()


def html_segments(text: str) -> list[Segment]:
    """Visible text blocks of an HTML string, each with its source line range."""
    parser = _TextParser()
    try:
        parser.feed(text)
        parser.close()
    except Exception as e:  # html.parser is lenient; anything it still raises means "broken"
        raise IngestError(f"could not parse HTML: {e}",
                          "open it in a browser and save it again") from None
    return parser.segments


def read_html(path: Path) -> Document:
    """An .html/.htm file: visible text blocks, located by "line N" / "lines a-b"."""
    text, _enc = read_text(path)
    return Document(path=str(path), sha256="", type="html", segments=html_segments(text))
