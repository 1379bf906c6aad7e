"""JSON and JSONL: records with the line they start on; bad JSONL lines skipped and named."""

from __future__ import annotations

import pytest

from fixtures_docs import write_text
from ftbuilder.core.errors import IngestError
from ftbuilder.ingest.jsonfile import read_json, read_jsonl


def test_json_array_records_with_lines(tmp_path):
    f = write_text(tmp_path / "qa.json", '[\n  {"q": "Hi?", "a": "Hello"},\n  {"q": "Bye?",\n'
                                          '   "a": "Later"},\n  "plain string"\n]\n')
    doc = read_json(f)
    assert doc.records == [(2, {"q": "Hi?", "a": "Hello"}), (3, {"q": "Bye?", "a": "Later"}),
                           (5, "plain string")]
    assert [(s.location, s.text) for s in doc.segments] == [
        ("line 2", '{"q": "Hi?", "a": "Hello"}'), ("line 3", '{"q": "Bye?", "a": "Later"}'),
        ("line 5", "plain string")]


def test_json_object_is_one_record(tmp_path):
    doc = read_json(write_text(tmp_path / "o.json", '\n{"data": [1, 2]}'))
    assert doc.records == [(2, {"data": [1, 2]})]


def test_invalid_json_names_the_spot(tmp_path):
    with pytest.raises(IngestError) as e:
        read_json(write_text(tmp_path / "bad.json", '[\n {"a": 1},\n {"b": }\n]'))
    assert e.value.message == "not valid JSON: line 3 column 8: Expecting value"


def test_jsonl_named_json_is_read_as_jsonl(tmp_path):
    doc = read_json(write_text(tmp_path / "lines.json", '{"a": 1}\n{"a": 2}\n'))
    assert doc.type == "jsonl" and doc.records == [(1, {"a": 1}), (2, {"a": 2})]
    assert doc.warnings == ["several JSON values, one per line: read as JSON Lines"]


def test_jsonl_malformed_line_skipped_rest_kept(tmp_path):
    f = write_text(tmp_path / "d.jsonl", '{"messages": [1]}\n{"messages": [2]\n\n'
                                         '{"messages": [3]}\n')
    doc = read_jsonl(f)
    assert doc.records == [(1, {"messages": [1]}), (4, {"messages": [3]})]
    assert doc.warnings == [
        "line 2: not valid JSON (Expecting ',' delimiter at column 17), skipped"]


def test_jsonl_all_bad(tmp_path):
    with pytest.raises(IngestError, match="no valid JSON lines: line 1: not valid JSON"):
        read_jsonl(write_text(tmp_path / "x.jsonl", "nope\nstill nope\n"))


def test_deep_nesting_is_an_error_not_a_crash(tmp_path):
    with pytest.raises(IngestError, match="nested too deeply"):
        read_json(write_text(tmp_path / "deep.json", "[" * 100_000 + "]" * 100_000))
