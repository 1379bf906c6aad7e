"""Plain text and Markdown: encoding detection, binary sniffing, paragraphs with line numbers.

Encodings tried in order: a BOM (UTF-8, UTF-16, UTF-32), strict UTF-8, cp1252, latin-1.
A file with NUL bytes and no UTF-16/32 BOM, or mostly control characters, is "binary".
"""

from __future__ import annotations

import codecs
from pathlib import Path

from ftbuilder.core.errors import IngestError
from ftbuilder.core.types import Document, Segment
from ftbuilder.ingest.base import looks_like, read_bytes

_BOMS = [  # UTF-32 before UTF-16: the UTF-32-LE BOM starts with the UTF-16-LE one
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]
_SNIFF = 8192
_ALLOWED_CONTROL = {"\t", "\n", "\r", "\f", "\v", "\x1b"}


def _binary(what: str | None) -> IngestError:
    also = f" (it looks like {what})" if what else ""
    return IngestError(f"binary file{also}, not text",
                       "give the file its real extension, or remove it from the input")


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode file bytes to text; return (text, encoding). Raises IngestError for binary data."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError:
                raise IngestError(f"text says {enc.upper()} (byte-order mark) but is not",
                                  "save it again as UTF-8") from None
    head = data[:_SNIFF]
    if b"\x00" in head:
        raise _binary(looks_like(head))
    what = looks_like(head)
    if what and what != "a Windows program":  # "MZ" is also a plausible start of text
        raise _binary(what)
    for enc in ("utf-8", "cp1252"):
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        text, enc = data.decode("latin-1"), "latin-1"
    sample = text[:_SNIFF]
    control = sum(1 for ch in sample if ch < " " and ch not in _ALLOWED_CONTROL)
    if sample and control / len(sample) > 0.05:
        raise _binary(what)
    return text, enc


def read_text(path: Path) -> tuple[str, str]:
    """Read and decode a text file (bounded by the read limit); return (text, encoding)."""
    text, enc = decode_bytes(read_bytes(path))
    if not text.strip():
        raise IngestError("empty file (only whitespace)", "nothing to read; add content")
    return text, enc


def line_span(first: int, last: int) -> str:
    return f"line {first}" if first == last else f"lines {first}-{last}"


def paragraphs(text: str, first_line: int = 1) -> list[Segment]:
    """Split text into blocks separated by blank lines; each keeps its line range.

    Line breaks inside a block are kept (a reader can re-join wrapped lines later).
    """
    segments: list[Segment] = []
    block: list[str] = []
    start = first_line
    lineno = first_line - 1
    for lineno, line in enumerate(text.splitlines(), first_line):
        if line.strip():
            if not block:
                start = lineno
            block.append(line.rstrip())
        elif block:
            segments.append(Segment("\n".join(block), line_span(start, lineno - 1)))
            block = []
    if block:
        segments.append(Segment("\n".join(block), line_span(start, lineno)))
    return segments


def read_txt(path: Path, kind: str = "txt") -> Document:
    """A .txt or .md file: one segment per paragraph, located by "lines a-b"."""
    text, _enc = read_text(path)
    return Document(path=str(path), sha256="", type=kind, segments=paragraphs(text))
