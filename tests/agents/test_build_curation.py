"""Curation at build time, over real HTTP to an OpenAI-compatible stub on 127.0.0.1:
another dataset from the same inputs is never served this one's cached replies; copies of a
built-in prompt example and near-duplicates of existing samples are dropped and counted;
ungrounded answers are flagged (or dropped with quality.grounding: drop), with the chunk kept.
"""

from __future__ import annotations

import json
from pathlib import Path

from ftbuilder.services.build import BuildRequest, build
from ftbuilder.services.context import AppContext
from ftbuilder.store.db import Store

from .llm_fakes import ChatStub, project_settings

POLICY = "\n\n".join(
    f"Section {i}. Refunds for plan {i} are issued within {i + 10} days of the return. "
    f"Items must be unused. Contact billing team {i} for exceptions." for i in range(12))
LEAK = {"messages": [
    {"role": "user", "content": "A customer wants a refund for a sale item. What do I tell them?"},
    {"role": "assistant", "content": "Sale items cannot be refunded, but they can exchange it."}]}
LONG = ("Refunds are issued within the stated number of days after the return arrives, items "
        "must be unused and in the original packaging, and billing handles the exceptions.")


def _ctx(root: Path, **quality) -> AppContext:
    cfg = {"agent": {"create": {"chunk_tokens": 120, "chunk_overlap": 10}},
           "system": {"max_retries": 0}}
    if quality:
        cfg["quality"] = quality
    return AppContext(project_settings(root, **cfg), Store(root / "store.db"))


def _req(root: Path, stub: ChatStub, name: str, size: int) -> BuildRequest:
    return BuildRequest(mode="create", input_paths=[str(root / "input")], name=name,
                        provider="openai", model="gpt-4o-mini-2024-07-18", size=size,
                        agent_provider="openai", agent_model="stub-model", base_url=stub.url,
                        concurrency=2)


def _project(tmp_path: Path) -> Path:
    (tmp_path / "input").mkdir()
    (tmp_path / "input" / "policy.md").write_text(POLICY, encoding="utf-8")
    return tmp_path


def test_a_new_dataset_from_the_same_inputs_gets_new_requests_not_cached_copies(tmp_path):
    root = _project(tmp_path)
    ctx = _ctx(root)
    with ChatStub() as stub:
        first = build(ctx, _req(root, stub, "one", 9))
        second = build(ctx, _req(root, stub, "two", 9))
    assert first.samples_added == second.samples_added == 9
    assert second.stats["generation"]["cache_hits"] == 0
    assert set(stub.counts.values()) == {1}  # no request was asked twice
    texts = {name: {c.messages_json() for c in ctx.store.iter_samples(
        ctx.store.get_dataset(name).id)} for name in ("one", "two")}
    assert not texts["one"] & texts["two"]
    nonces = {ctx.store.get_dataset(n).config["generation"]["nonce"] for n in ("one", "two")}
    assert len(nonces) == 2
    ctx.close()


class CurationStub(ChatStub):
    """Each reply: a leaked prompt example, an ungrounded price, a near-copy of an earlier
    reply's answer, and one good conversation."""

    def answer(self, body: dict, rid: str) -> str:
        good = json.loads(super().answer(body, rid))["conversations"][0]
        return json.dumps({"conversations": [
            LEAK,
            {"messages": [{"role": "user", "content": f"How much is plan {rid[:6]}?"},
                          {"role": "assistant", "content": "Plan refunds cost $2,000."}]},
            {"messages": [{"role": "user", "content": "What are the refund rules?"},
                          {"role": "assistant", "content": LONG}]},
            {"messages": [{"role": "user", "content": "So what are the refund rules?"},
                          {"role": "assistant", "content": LONG + " "}]},
            good]})


def test_prompt_examples_and_near_duplicates_are_dropped_ungrounded_flagged(tmp_path):
    root = _project(tmp_path)
    ctx = _ctx(root)
    with CurationStub() as stub:
        result = build(ctx, _req(root, stub, "cur", 6))
    gen = result.stats["generation"]
    assert gen["failures"]["prompt_example"] >= 1
    assert gen["failures"]["near_duplicate"] >= 1
    assert gen["flagged"]["grounding"] >= 1
    samples = list(ctx.store.iter_samples(ctx.store.get_dataset("cur").id))
    assert not any("sale item" in c.messages[0].content for c in samples)
    priced = [c for c in samples if "$2,000" in c.messages[-1].content]
    assert priced and all(c.meta["flags"] == ["grounding"] for c in priced)
    assert all("Refunds for plan" in c.meta["source_text"] for c in samples)
    ctx.close()


def test_grounding_drop_keeps_no_ungrounded_sample(tmp_path):
    root = _project(tmp_path)
    ctx = _ctx(root, grounding="drop")
    with CurationStub() as stub:
        result = build(ctx, _req(root, stub, "strict", 4))
    assert result.stats["generation"]["failures"]["ungrounded"] >= 1
    samples = list(ctx.store.iter_samples(ctx.store.get_dataset("strict").id))
    assert samples and not any("$2,000" in c.messages[-1].content for c in samples)
    ctx.close()
