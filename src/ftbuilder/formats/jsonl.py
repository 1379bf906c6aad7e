"""Streaming reads and writes of record files (JSONL, or a JSON array).

:func:`iter_records` yields ``(line, obj, reason)`` one record at a time: ``reason`` is "" for
a good record and a one-line explanation for a malformed one (``obj`` is then None), so a
caller reports the line and goes on. JSONL is read line by line (bounded memory); a file
whose first character is ``[`` is a JSON array, parsed whole, each element located by the
line where it starts.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from ftbuilder.core.clean import strip_nul
from ftbuilder.core.errors import FormatError, NotFoundError, UsageError
from ftbuilder.core.files import open_regular

_WS = b" \t\r\n"
TOO_DEEP = "nested too deeply to read"


def check_path(path: Path) -> None:
    """NotFoundError / UsageError unless ``path`` is an existing regular file (a FIFO, a
    device or a socket is refused before it is opened: reading one would block)."""
    if not path.exists():
        raise NotFoundError(f"{path} does not exist", "check the file name")
    if path.is_dir():
        raise UsageError(f"{path} is a folder", "give one .jsonl or .json file")
    try:
        with _open(path):  # regular, and readable by this user
            pass
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror or e}",
                         "check the file's permissions") from None


def _open(path: Path) -> IO[bytes]:
    return open_regular(path, UsageError)


def _first_char(path: Path) -> bytes:
    with _open(path) as f:
        head = f.read(4096).lstrip(b"\xef\xbb\xbf" + _WS)
    return head[:1]


def count_lines(path: str | Path) -> int:
    """Number of lines (for progress totals); cheap: counts newlines block by block.
    A ``.parquet`` file: its number of rows."""
    if str(path).lower().endswith(".parquet"):
        from ftbuilder.formats.parquet import num_rows

        return num_rows(path)
    n = 0
    last = b"\n"
    with _open(Path(path)) as f:
        while block := f.read(1 << 20):
            n += block.count(b"\n")
            last = block[-1:]
    return n + (last != b"\n")


def iter_records(path: str | Path) -> Iterator[tuple[int, Any, str]]:
    """``(line, obj, reason)`` for each record of a JSONL or JSON-array file.

    Blank lines are skipped. A line that is not valid JSON, not UTF-8, nested too deeply,
    or not a JSON object yields ``(line, None, reason)``. NUL characters are dropped from
    every string of a record (they never reach the store).

    Raises:
        NotFoundError: the file does not exist.
        UsageError: the path is a folder.
        FormatError: a JSON-array file is not valid JSON as a whole, or nested too deeply.
    """
    path = Path(path)
    check_path(path)
    if path.suffix.lower() == ".parquet":  # rows as records (formats.parquet)
        from ftbuilder.formats.parquet import iter_rows

        for line, obj, reason in iter_rows(path):
            yield line, (strip_nul(obj) if obj is not None else None), reason
        return
    records = _iter_array(path) if _first_char(path) == b"[" else _iter_lines_of(path)
    for line, obj, reason in records:
        yield line, (strip_nul(obj) if obj is not None else None), reason


def _iter_lines_of(path: Path) -> Iterator[tuple[int, Any, str]]:
    with _open(path) as f:
        yield from _iter_lines(f)


def _iter_lines(f: IO[bytes]) -> Iterator[tuple[int, Any, str]]:
    loads = json.loads
    for n, raw in enumerate(f, 1):
        if n == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if not raw.strip(_WS):
            continue
        try:
            obj = loads(raw)
        except UnicodeDecodeError:
            yield n, None, "not UTF-8 text"
            continue
        except json.JSONDecodeError as e:
            yield n, None, f"invalid JSON: {e.msg} (column {e.colno})"
            continue
        except RecursionError:
            yield n, None, TOO_DEEP
            continue
        if isinstance(obj, dict):
            yield n, obj, ""
        else:
            yield n, None, f"a JSON {type(obj).__name__}, not an object"


def _iter_array(path: Path) -> Iterator[tuple[int, Any, str]]:
    try:
        with _open(path) as f:
            text = f.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FormatError(f"{path.name} is not UTF-8 text", "save it as UTF-8") from None
    decoder = json.JSONDecoder()
    i = text.index("[") + 1
    line, counted = 1, 0
    while True:
        while i < len(text) and text[i] in " \t\r\n,":
            i += 1
        if i >= len(text):
            raise FormatError(f"{path.name}: the JSON array is not closed",
                              "the file may be truncated")
        if text[i] == "]":
            return
        line += text.count("\n", counted, i)
        counted = i
        try:
            obj, i = decoder.raw_decode(text, i)
        except json.JSONDecodeError as e:
            raise FormatError(f"{path.name} line {e.lineno}: invalid JSON: {e.msg}",
                              "fix that line, or convert the file to JSONL so bad lines "
                              "are skipped one by one") from None
        except RecursionError:
            raise FormatError(f"{path.name} line {line}: JSON {TOO_DEEP}",
                              "flatten that record, or convert the file to JSONL so bad "
                              "lines are skipped one by one") from None
        if isinstance(obj, dict):
            yield line, obj, ""
        else:
            yield line, None, f"a JSON {type(obj).__name__}, not an object"


def dumps(record: dict[str, Any]) -> str:
    """One JSONL line (UTF-8 kept as is, no trailing newline)."""
    return json.dumps(record, ensure_ascii=False)
