"""A Document survives the round trip through its stored JSON payload."""

from __future__ import annotations

import json

import pytest

from fixtures_docs import make_xlsx, write_text
from ftbuilder.ingest import document_from_payload, document_to_payload, read_document


@pytest.mark.parametrize("make", [
    lambda d: make_xlsx(d / "b.xlsx", {"S": [["q", "a"], ["x", 1]], "T": [["k"], ["v"]]}),
    lambda d: write_text(d / "r.jsonl", '{"a": [1, {"b": null}]}\nbad\n"text"\n'),
    lambda d: write_text(d / "t.md", "# T\n\npara\n"),
])
def test_round_trip_through_json(tmp_path, make):
    doc = read_document(make(tmp_path))
    back = document_from_payload(json.loads(json.dumps(document_to_payload(doc))))
    assert back == doc
    assert back.text == doc.text


def test_unknown_version_refused():
    with pytest.raises(ValueError, match="version"):
        document_from_payload({"v": 99})
