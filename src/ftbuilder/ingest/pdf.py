"""PDF with pypdf: one segment per page ("page 3"), line breaks kept as extracted.

Encrypted files are opened with the empty password first (many PDFs are "encrypted" only
to restrict printing); if that fails the file is skipped with a clear message.
"""

from __future__ import annotations

import logging
from pathlib import Path

from ftbuilder.core.errors import IngestError
from ftbuilder.core.types import Document, Segment
from ftbuilder.ingest.base import open_file

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
    for n in range(n_pages):
        try:
            text = pages[n].extract_text() or ""
        except Exception as e:
            failed += 1
            doc.warnings.append(f"page {n + 1}: text could not be extracted ({type(e).__name__})")
            continue
        text = "\n".join(line.rstrip() for line in text.splitlines()).strip("\n")
        if text.strip():
            doc.segments.append(Segment(text, f"page {n + 1}"))
    if n_pages and failed == n_pages:
        raise IngestError("corrupt PDF: no page could be read", _HINT)
    return doc
