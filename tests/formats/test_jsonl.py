"""Streaming record reader: bad lines reported with their 1-based line, the rest kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ftbuilder.core.errors import FormatError, NotFoundError, UsageError
from ftbuilder.formats.jsonl import count_lines, iter_records


def test_jsonl_with_bad_lines_in_the_middle(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"a": 1}\n'   # BOM on line 1
                     b"\n"                         # blank: skipped silently
                     b'{"a": 2,}\n'                # trailing comma
                     b"[1, 2]\n"                   # not an object
                     b'{"a": "\xff"}\n'            # not UTF-8
                     b'{"a": 3}')                  # no final newline
    out = list(iter_records(path))
    assert [(n, o) for n, o, r in out if not r] == [(1, {"a": 1}), (6, {"a": 3})]
    bad = {n: r for n, o, r in out if r}
    assert set(bad) == {3, 4, 5}
    assert bad[3].startswith("invalid JSON") and "column" in bad[3]
    assert bad[4] == "a JSON list, not an object"
    assert bad[5] == "not UTF-8 text"
    assert count_lines(path) == 6


def test_json_array_items_located_by_line(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_text('[\n  {"a": 1},\n  {"a": 2},\n  "x"\n]\n', encoding="utf-8")
    assert list(iter_records(path)) == [(2, {"a": 1}, ""), (3, {"a": 2}, ""),
                                        (4, None, "a JSON str, not an object")]


def test_broken_json_array_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_text('[{"a": 1},\n {"a": }]', encoding="utf-8")
    with pytest.raises(FormatError, match="line 2: invalid JSON"):
        list(iter_records(path))


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        list(iter_records(tmp_path / "nope.jsonl"))
    with pytest.raises(UsageError, match="folder"):
        list(iter_records(tmp_path))


def test_reads_line_by_line(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for i in range(1000):
            f.write(json.dumps({"i": i}) + "\n")
    it = iter_records(path)
    assert next(it) == (1, {"i": 0}, "")
    assert sum(1 for _ in it) == 999
