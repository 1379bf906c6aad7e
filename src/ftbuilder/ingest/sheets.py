"""Tables: CSV/TSV (stdlib csv, dialect sniffed) and XLSX (openpyxl, every sheet).

Each sheet or CSV becomes a :class:`Table` (header + rows, ``first_row`` = the 1-based row
of ``rows[0]``) and one text segment per non-empty row, "header: value" lines, located by
"row 5" (CSV) or "sheet Sales row 5" (XLSX). Row numbers are those a spreadsheet shows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ftbuilder.core.errors import IngestError
from ftbuilder.core.types import Document, Segment, Table
from ftbuilder.ingest.text import read_text

_SNIFF_CHARS = 64 * 1024
_FIELD_LIMIT = 64 * 1024 * 1024


def row_text(header: list[str], row: list[str]) -> str:
    """One row as "column: value" lines (empty cells left out)."""
    lines = []
    for i, value in enumerate(row):
        if value:
            name = header[i] if i < len(header) and header[i] else f"column {i + 1}"
            lines.append(f"{name}: {value}")
    return "\n".join(lines)


def table_segments(table: Table, prefix: str = "") -> list[Segment]:
    """A segment per non-empty row of ``table``, located by "{prefix}row N"."""
    return [Segment(row_text(table.header, row), f"{prefix}row {table.first_row + i}")
            for i, row in enumerate(table.rows) if any(row)]


def make_table(name: str, rows: Iterable[list[str]], warnings: list[str] | None = None,
               where: Callable[[int], str] | None = None) -> Table | None:
    """A table from raw rows: the first non-empty row is the header; None if all are empty.

    Empty rows inside are kept (row numbers stay true); trailing empty rows and columns go.
    With ``warnings``, a row with text past the header's last column (an unquoted comma in
    a CSV, a stray cell in a sheet) does not fit the header: it is reported there, as
    ``where(n)`` ("line 7", "sheet FAQ row 7") says, and left out (an empty row in its place).
    """
    header: list[str] | None = None
    header_row = width = 0
    body: list[list[str]] = []
    pending_empty = 0
    for n, row in enumerate(rows, 1):
        if not any(row):
            if header is not None:
                pending_empty += 1
            continue
        if header is None:
            header, header_row, width = row, n, _last_filled(row)
            continue
        body.extend([] for _ in range(pending_empty))
        pending_empty = 0
        if warnings is not None and width > 1 and _last_filled(row) > width:
            at = where(n) if where else f"row {n}"
            warnings.append(f"{at}: {_last_filled(row)} cells under a {width}-column header "
                            "(an unquoted comma?): row skipped")
            row = []
        body.append(row)
    if header is None:
        return None
    width = max((_last_filled(r) for r in [header, *body]), default=0)
    header = [h or f"column {i + 1}" for i, h in enumerate(_fit(header, width))]
    return Table(name=name, header=header, rows=[_fit(r, width) for r in body],
                 first_row=header_row + 1)


def _last_filled(row: list[str]) -> int:
    for i in range(len(row) - 1, -1, -1):
        if row[i]:
            return i + 1
    return 0


def _fit(row: list[str], width: int) -> list[str]:
    return row[:width] if len(row) >= width else row + [""] * (width - len(row))


# --- CSV --------------------------------------------------------------------------------------
def read_csv(path: Path) -> Document:
    """A .csv/.tsv file: one table plus a segment per row."""
    text, _enc = read_text(path)
    if csv.field_size_limit() < _FIELD_LIMIT:  # a long answer in one cell is normal here
        csv.field_size_limit(_FIELD_LIMIT)
    sample = text[:_SNIFF_CHARS]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel_tab if path.suffix.lower() == ".tsv" else csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    rows: list[list[str]] = []
    lines: list[int] = []  # the line each record starts on (a quoted cell may span lines)
    try:
        last = 0
        for row in reader:
            rows.append([c.strip() for c in row])
            lines.append(last + 1)
            last = reader.line_num
    except csv.Error as e:
        raise IngestError(f"malformed CSV at line {reader.line_num}: {e}",
                          "check the quoting on that line") from None
    warnings: list[str] = []
    table = make_table(path.name, rows, warnings, lambda n: f"line {lines[n - 1]}")
    if table is None:
        raise IngestError("no rows found in the CSV", "check the file has content")
    return Document(path=str(path), sha256="", type="csv", tables=[table],
                    segments=table_segments(table), warnings=warnings)


# --- XLSX -------------------------------------------------------------------------------------
def cell_text(value: Any) -> str:
    """A cell value as text: integral floats without ".0", dates in ISO format."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        text = value.isoformat()
        return text[:-9] if text.endswith("T00:00:00") else text
    return str(value).strip()


def read_xlsx(path: Path) -> Document:
    """An .xlsx file: every worksheet as a table plus a segment per row."""
    import openpyxl  # heavy import, only when an XLSX is read

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # zipfile/XML/KeyError...: openpyxl raises many kinds
        raise IngestError(f"corrupt or not a real .xlsx ({type(e).__name__})",
                          "open it in Excel and save it again") from None
    doc = Document(path=str(path), sha256="", type="xlsx")
    try:
        sheets = wb.worksheets
        doc.sheets = len(sheets)
        for ws in sheets:
            rows = ([cell_text(v) for v in r] for r in ws.iter_rows(values_only=True))
            table = make_table(ws.title, rows, doc.warnings,
                               lambda n, t=ws.title: f"sheet {t} row {n}")
            if table is None:
                continue
            doc.tables.append(table)
            doc.segments.extend(table_segments(table, f"sheet {ws.title} "))
    except IngestError:
        raise
    except Exception as e:
        raise IngestError(f"corrupt .xlsx: a sheet could not be read ({type(e).__name__})",
                          "open it in Excel and save it again") from None
    finally:
        wb.close()
    return doc
