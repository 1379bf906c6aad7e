"""JSON and JSONL: parsed records with the 1-based line where each starts.

A top-level JSON array gives one record per element; any other JSON value one record.
A .json file that is really JSON Lines is read as JSONL. In JSONL, a malformed line is
skipped with a warning naming its line; the rest is kept. Each record also becomes a text
segment (compact JSON, or the string itself) located by "line N".
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ftbuilder.core.errors import IngestError
from ftbuilder.core.types import Document, Segment
from ftbuilder.ingest.text import read_text

_WS = " \t\r\n"
_MAX_WARNINGS = 20


def record_text(obj: Any) -> str:
    return obj if isinstance(obj, str) else json.dumps(obj, ensure_ascii=False)


def _doc(path: Path, kind: str, records: list[tuple[int, Any]]) -> Document:
    return Document(path=str(path), sha256="", type=kind, records=records,
                    segments=[Segment(record_text(o), f"line {n}") for n, o in records])


def _array_records(text: str, start: int) -> tuple[list[tuple[int, Any]], int]:
    """Elements of the top-level array opening at ``start`` with their line numbers.

    Returns the records and the index just past the closing bracket.
    """
    decoder = json.JSONDecoder()
    records: list[tuple[int, Any]] = []
    i, line, counted = start + 1, 1, 0
    while True:
        while i < len(text) and text[i] in _WS:
            i += 1
        if i < len(text) and text[i] == "]" and not records:
            return records, i + 1
        line += text.count("\n", counted, i)
        counted = i
        obj, i = decoder.raw_decode(text, i)
        records.append((line, obj))
        while i < len(text) and text[i] in _WS:
            i += 1
        if i < len(text) and text[i] == ",":
            i += 1
            continue
        if i < len(text) and text[i] == "]":
            return records, i + 1
        raise json.JSONDecodeError("expected ',' or ']'", text, i)


def _first_line_is_json(text: str) -> bool:
    line = next((ln for ln in text.splitlines() if ln.strip()), "")
    try:
        json.loads(line)
    except (json.JSONDecodeError, RecursionError):
        return False
    return True


def _where(e: json.JSONDecodeError) -> str:
    return f"line {e.lineno} column {e.colno}: {e.msg}"


def read_json(path: Path) -> Document:
    """A .json file: records of a top-level array (or the one value), by line."""
    text, _enc = read_text(path)
    start = len(text) - len(text.lstrip(_WS + "\ufeff"))
    try:
        if text[start] == "[":
            records, end = _array_records(text, start)
            if text[end:].strip():
                raise json.JSONDecodeError("Extra data", text, end)
        else:
            records = [(text.count("\n", 0, start) + 1, json.loads(text))]
    except json.JSONDecodeError as e:
        if e.msg == "Extra data" and _first_line_is_json(text):  # JSON Lines named .json
            doc = read_jsonl(path, text)
            doc.warnings.insert(0, "several JSON values, one per line: read as JSON Lines")
            return doc
        raise IngestError(f"not valid JSON: {_where(e)}", "fix that spot, or validate the "
                          "file with python -m json.tool") from None
    except RecursionError:
        raise IngestError("JSON nested too deeply to read", "flatten the file") from None
    if not records:
        raise IngestError("no records: the JSON array is empty", "add content")
    return _doc(path, "json", records)


def read_jsonl(path: Path, text: str | None = None) -> Document:
    """A .jsonl file: a record per non-blank line; malformed lines skipped with a warning."""
    if text is None:
        text, _enc = read_text(path)
    records: list[tuple[int, Any]] = []
    bad: list[str] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            records.append((n, json.loads(line)))
        except json.JSONDecodeError as e:
            bad.append(f"line {n}: not valid JSON ({e.msg} at column {e.colno}), skipped")
        except RecursionError:
            bad.append(f"line {n}: JSON nested too deeply, skipped")
    if not records:
        first = f": {bad[0]}" if bad else ""
        raise IngestError(f"no valid JSON lines{first}", "each line must be one JSON value")
    doc = _doc(path, "jsonl", records)
    doc.warnings = bad[:_MAX_WARNINGS]
    if len(bad) > _MAX_WARNINGS:
        doc.warnings.append(f"... and {len(bad) - _MAX_WARNINGS} more malformed lines skipped")
    return doc
