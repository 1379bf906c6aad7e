"""PDF with pypdf: one segment per page ("page 3"), line breaks kept as extracted.

The text is cleaned first (:mod:`ftbuilder.ingest.pdfclean`): running headers, footers
and page numbers go, doubled spaces become one, line-end hyphenation is undone, and lines
set as headings (larger or bold type) get a Markdown heading mark.

Encrypted files are opened with the empty password first (many PDFs are "encrypted" only
to restrict printing); if that fails the file is skipped with a clear message.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ftbuilder.core.errors import IngestError
from ftbuilder.core.types import Document, Segment
from ftbuilder.ingest.base import open_file
from ftbuilder.ingest.pdfclean import (
    FontLines,
    drop_running_lines,
    join_hyphens,
    mark_headings,
    single_spaces,
)

# pypdf logs every recoverable oddity of a file as a warning; we report outcomes ourselves
logging.getLogger("pypdf").setLevel(logging.ERROR)

_HINT = "open it in a PDF viewer and save/print it to a new PDF"


def _corrupt(e: Exception) -> IngestError:
    detail = str(e).splitlines()[0][:120] if str(e) else type(e).__name__
    return IngestError(f"corrupt PDF: {detail}", _HINT)


def read_pdf(path: Path) -> Document:
    """A .pdf file: a segment per page with text. Raises IngestError (corrupt, encrypted)."""
    from pypdf import PasswordType, PdfReader
    from pypdf.errors import DependencyError

    with open_file(path) as f:
        head = f.read(1024)
    if b"%PDF-" not in head:
        raise IngestError("corrupt PDF: no %PDF header (not a real PDF?)", _HINT)
    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("") != PasswordType.NOT_DECRYPTED
            except DependencyError:
                opened = False
            if not opened:
                raise IngestError("PDF is password-protected: decrypt it first",
                                  "e.g. qpdf --decrypt --password=PASS in.pdf out.pdf")
        pages = reader.pages
        n_pages = len(pages)
    except IngestError:
        raise
    except Exception as e:  # PdfReadError, struct/zlib/Key/Value errors: all mean corrupt
        raise _corrupt(e) from None

    doc = Document(path=str(path), sha256="", type="pdf", pages=n_pages)
    failed = 0
    fonts = FontLines()
    texts: list[tuple[int, list[str]]] = []
    for n in range(n_pages):
        try:
            text = _page_text(pages[n], fonts)
        except Exception as e:
            failed += 1
            doc.warnings.append(f"page {n + 1}: text could not be extracted ({type(e).__name__})")
            continue
        texts.append((n + 1, [single_spaces(line.rstrip()) for line in text.splitlines()]))
    if n_pages and failed == n_pages:
        raise IngestError("corrupt PDF: no page could be read", _HINT)
    cleaned = join_hyphens(drop_running_lines([lines for _n, lines in texts]))
    for (number, _raw), lines in zip(texts, cleaned, strict=True):
        text = "\n".join(mark_headings(lines, fonts)).strip("\n")
        if text.strip():
            doc.segments.append(Segment(text, f"page {number}"))
    return doc


def _page_text(page: Any, fonts: FontLines) -> str:
    """The page's text; its lines' fonts go to ``fonts`` (a font pypdf cannot describe only
    loses the heading marks, never the text)."""
    try:
        return page.extract_text(visitor_text=fonts.visit) or ""
    except (TypeError, ValueError, KeyError, AttributeError):
        return page.extract_text() or ""
