"""DOCX with python-docx: body paragraphs and tables in document order.

Locations: "paragraph 12" (1-based over the body's paragraphs, empty ones counted) and
"table 1 row 3". Headings become Markdown heading lines ("## Can I return it?"), list
paragraphs "- item", so structure survives as text. Tables also go to ``Document.tables``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ftbuilder.core.errors import IngestError
from ftbuilder.core.types import Document, Segment, Table
from ftbuilder.ingest.sheets import row_text


def _style_names(d: Any) -> dict[str, str]:
    """style id -> style name, built once (python-docx resolves styles slowly per paragraph).

    Read from the styles XML directly (3-4x faster than python-docx's style objects), with
    the same UI names python-docx gives ("heading 1" -> "Heading 1")."""
    from docx.oxml.ns import qn
    from docx.styles import BabelFish

    names: dict[str, str] = {}
    try:
        for style in d.styles.element.iterchildren(qn("w:style")):
            sid, name = style.get(qn("w:styleId")), style.find(qn("w:name"))
            value = name.get(qn("w:val")) if name is not None else None
            if sid and value:
                names[sid] = BabelFish.internal2ui(value)
    except Exception:  # a damaged styles part: every paragraph is then plain text
        pass
    return names


def paragraph_text(paragraph: Any, styles: dict[str, str]) -> str:
    """Text of a paragraph with a Markdown marker for headings, titles and list items."""
    text = paragraph.text.strip()
    if not text:
        return ""
    style_id = paragraph._p.style  # None means the default paragraph style
    style = styles.get(style_id, style_id or "")
    if style == "Title":
        return f"# {text}"
    if style.startswith(("Heading", "heading")):
        level = style[len("Heading"):].strip()
        n = int(level) if level.isdigit() else 1
        return f"{'#' * min(max(n, 1), 6)} {text}"
    if style.startswith("List"):
        return f"- {text}"
    return text


def _table_rows(table: Any) -> list[list[str]]:
    rows = []
    for row in table.rows:
        cells: list[str] = []
        seen: set[int] = set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell repeats across the columns it spans
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(cell.text.split()))
        rows.append(cells)
    return rows


def read_docx(path: Path) -> Document:
    """A .docx file: a segment per non-empty paragraph and per table row."""
    import docx  # python-docx; heavy import, only when a DOCX is read

    try:
        d = docx.Document(str(path))
    except Exception as e:  # zip/XML/KeyError...: python-docx raises many kinds
        raise IngestError(f"corrupt or not a real .docx ({type(e).__name__})",
                          "open it in Word and save it again") from None
    doc = Document(path=str(path), sha256="", type="docx")
    try:
        styles = _style_names(d)
        n_par = n_table = 0
        for item in d.iter_inner_content():
            if hasattr(item, "rows"):
                n_table += 1
                _add_table(doc, _table_rows(item), n_table)
                continue
            n_par += 1
            text = paragraph_text(item, styles)
            if text:
                doc.segments.append(Segment(text, f"paragraph {n_par}"))
    except Exception as e:
        raise IngestError(f"corrupt .docx: its body could not be read ({type(e).__name__})",
                          "open it in Word and save it again") from None
    return doc


def _add_table(doc: Document, rows: list[list[str]], number: int) -> None:
    if not any(any(r) for r in rows):
        return
    header, body = rows[0], rows[1:]
    doc.tables.append(Table(name=f"table {number}", header=header, rows=body, first_row=2))
    if any(header):
        doc.segments.append(Segment(" | ".join(header), f"table {number} row 1"))
    for i, row in enumerate(body, 2):
        if any(row):
            doc.segments.append(Segment(row_text(header, row), f"table {number} row {i}"))
