"""The JSON shape a Document is stored in (store.documents.payload), and back.

``{"v": 2, "type", "path", "sha256", "segments": [[text, location], ...],
"tables": [{"name", "header", "rows", "first_row"}], "records": [[line, value], ...],
"pages", "sheets", "slides", "warnings"}``
"""

from __future__ import annotations

from typing import Any

from ftbuilder.core.types import Document, Segment, Table

# 2: readers keep more structure (PDF clean-up and heading marks, <summary>/<dd> in HTML,
# CSV/XLSX rows that do not fit the header skipped): a stored v1 document is read again.
VERSION = 2


def document_to_payload(doc: Document) -> dict[str, Any]:
    """A JSON-ready dict holding everything needed to rebuild ``doc``."""
    return {
        "v": VERSION, "type": doc.type, "path": doc.path, "sha256": doc.sha256,
        "segments": [[s.text, s.location] for s in doc.segments],
        "tables": [{"name": t.name, "header": t.header, "rows": t.rows,
                    "first_row": t.first_row} for t in doc.tables],
        "records": [[line, value] for line, value in doc.records],
        "pages": doc.pages, "sheets": doc.sheets, "slides": doc.slides,
        "warnings": list(doc.warnings),
    }


def document_from_payload(payload: dict[str, Any]) -> Document:
    """Rebuild a Document from :func:`document_to_payload` output.

    Raises:
        ValueError: the payload is not a version this code reads.
    """
    if not isinstance(payload, dict) or payload.get("v") != VERSION:
        raise ValueError("unknown document payload version")
    return Document(
        path=payload["path"], sha256=payload["sha256"], type=payload["type"],
        segments=[Segment(t, loc) for t, loc in payload.get("segments", [])],
        tables=[Table(t["name"], t["header"], t["rows"], t.get("first_row", 2))
                for t in payload.get("tables", [])],
        records=[(int(line), value) for line, value in payload.get("records", [])],
        pages=payload.get("pages"), sheets=payload.get("sheets"), slides=payload.get("slides"),
        warnings=list(payload.get("warnings", [])),
    )
