"""Ingestion: one reader per file type, each returning a :class:`Document`. No LLM here.

``read_document(path, limits)`` checks the file (size, emptiness, zip structure and
decompression bombs, binary content in a text file) and dispatches on the extension.
Every failure is an :class:`~ftbuilder.core.errors.IngestError` with a one-line message
and a hint; callers record it and go on with the next file.

Locations used in ``Segment.location``: "page 3" (PDF), "paragraph 12" and "table 1 row 3"
(DOCX), "sheet Sales row 5" (XLSX), "row 5" (CSV), "slide 2" / "slide 2 notes" (PPTX),
"line 7" / "lines 10-14" (TXT, MD, HTML, JSON, JSONL).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ftbuilder.core.clean import strip_nul, strip_nul_text
from ftbuilder.core.errors import IngestError
from ftbuilder.core.types import Document, Segment
from ftbuilder.ingest.base import (
    EXTENSIONS,
    ZIP_TYPES,
    Limits,
    check_file,
    check_zip,
    file_type,
    read_limit,
    sha256_file,
    supported_list,
)
from ftbuilder.ingest.html import read_html
from ftbuilder.ingest.jsonfile import read_json, read_jsonl
from ftbuilder.ingest.locate import location_for_span, segment_spans
from ftbuilder.ingest.payload import document_from_payload, document_to_payload
from ftbuilder.ingest.pdf import read_pdf
from ftbuilder.ingest.sheets import read_csv, read_xlsx
from ftbuilder.ingest.slides import read_pptx
from ftbuilder.ingest.text import read_txt
from ftbuilder.ingest.walk import Skipped, Walk, walk_inputs
from ftbuilder.ingest.word import read_docx

__all__ = [
    "EXTENSIONS", "Limits", "Skipped", "Walk", "check_file", "document_from_payload",
    "document_to_payload", "file_type", "location_for_span", "read_document",
    "segment_spans", "sha256_file", "supported_list", "walk_inputs",
]

READERS: dict[str, Callable[[Path], Document]] = {
    "pdf": read_pdf,
    "docx": read_docx,
    "xlsx": read_xlsx,
    "pptx": read_pptx,
    "csv": read_csv,
    "txt": read_txt,
    "md": lambda p: read_txt(p, "md"),
    "rst": lambda p: read_txt(p, "rst"),
    "adoc": lambda p: read_txt(p, "adoc"),
    "html": read_html,
    "json": read_json,
    "jsonl": lambda p: read_jsonl(p),
}

_NO_TEXT_HINT = {
    "pdf": "scanned pages are images: run OCR first (e.g. ocrmypdf in.pdf out.pdf)",
}


def _strip_nul(doc: Document) -> None:
    """Drop NUL characters from everything a Document carries (they never reach the store)."""
    if any("\x00" in s.text or "\x00" in s.location for s in doc.segments):
        cleaned = [Segment(strip_nul_text(s.text), strip_nul_text(s.location))
                   for s in doc.segments]
        doc.segments = [s for s in cleaned if s.text.strip()]
    for t in doc.tables:
        t.name = strip_nul_text(t.name)
        strip_nul(t.header)
        strip_nul(t.rows)
    doc.records = [(line, strip_nul(value)) for line, value in doc.records]
    strip_nul(doc.warnings)


def read_document(path: str | Path, limits: Limits | None = None,
                  sha256: str | None = None) -> Document:
    """Read one file into a Document.

    Args:
        path: the file; its extension picks the reader.
        limits: size / decompression limits (defaults: 100 MB file, 500 MB unzipped, 200:1).
        sha256: the file's hash if already known (else computed).

    Raises:
        IngestError: missing, unsupported, empty, too large, binary, corrupt, encrypted,
            a decompression bomb, or no text found.
    """
    p = Path(path)
    limits = limits or Limits()
    check_file(p, limits)
    kind = file_type(p)
    assert kind is not None  # check_file rejects unsupported types
    if kind in ZIP_TYPES:
        check_zip(p, kind, limits)
    try:
        with read_limit(limits.max_file_bytes):
            doc = READERS[kind](p)
        _strip_nul(doc)
    except IngestError:
        raise
    except RecursionError:
        raise IngestError("file nested too deeply to read", "simplify the file") from None
    except OSError as e:  # permission denied, vanished while reading...
        raise IngestError(f"cannot read: {e.strerror or e}",
                          "check the file's permissions") from None
    except MemoryError:
        raise IngestError("not enough memory to read this file",
                          "split it, or lower ingest.max_file_mb in config.yaml") from None
    except Exception as e:  # a reader bug or a parser error we did not foresee: one line
        detail = str(e).splitlines()[0][:120] if str(e) else ""
        raise IngestError(f"could not read this {kind.upper()} ({type(e).__name__}"
                          f"{': ' + detail if detail else ''})",
                          "the file may be damaged: open it and save it again") from None
    if not (doc.segments or any(t.rows for t in doc.tables) or doc.records):
        if doc.tables:  # a CSV or sheets with a header row and nothing under it
            raise IngestError(f"no rows under the header in this {kind.upper()}",
                              "add rows of content below the header row")
        raise IngestError(f"no text found in this {kind.upper()}",
                          _NO_TEXT_HINT.get(kind, "check the file has content"))
    doc.sha256 = sha256 or sha256_file(p, max_bytes=limits.max_file_bytes)
    return doc
