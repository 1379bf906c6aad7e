"""Tolerant JSON reading of what models write."""

from __future__ import annotations

import pytest

from ftbuilder.backends.jsonout import extract_json, matches_schema, parse_structured

SCHEMA = {"type": "object", "required": ["q", "a"],
          "properties": {"q": {"type": "string"}, "a": {"type": "string"},
                         "n": {"type": "integer"}}}


@pytest.mark.parametrize(("text", "value"), [
    ('{"q": "x"}', {"q": "x"}),
    ('Sure!\n```json\n{"q": "x"}\n```\nAnything else?', {"q": "x"}),
    ('Here: {"q": "x", "a": "y"} and more text {"other": 1}', {"q": "x", "a": "y"}),
    ('[1, 2] trailing', [1, 2]),
    ('noise {not json} then {"ok": true}', {"ok": True}),
    ('{"q": "cut off', None), ("", None), ("just words", None), ("42", None)])
def test_extract_json(text: str, value: object) -> None:
    assert extract_json(text) == value


def test_schema_check_is_loose_but_catches_what_breaks_agents() -> None:
    assert matches_schema({"q": "x", "a": "y", "extra": 1}, SCHEMA)
    assert not matches_schema({"q": "x"}, SCHEMA)  # required key missing
    assert not matches_schema({"q": "x", "a": 3}, SCHEMA)  # wrong type
    assert not matches_schema({"q": "x", "a": "y", "n": True}, SCHEMA)  # bool is not integer
    assert not matches_schema(["q", "a"], SCHEMA)
    assert matches_schema({"anything": 1}, None)


def test_parse_structured_returns_canonical_json() -> None:
    assert parse_structured('ok ```{"q":"x","a":"é"}```', SCHEMA) == '{"q": "x", "a": "é"}'
    assert parse_structured('{"q": "x"}', SCHEMA) is None
