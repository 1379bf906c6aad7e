"""Hybrid mode through services.build over real HTTP (OpenAI-compatible stub on 127.0.0.1):
counts follow generation_ratio, hybrid_mode.txt is read at run time, the model is told the
extracted questions, and an extracted conversation repeated by the model is not stored twice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agents.llm_fakes import ChatStub, project_settings
from ftbuilder.services.build import BuildRequest, build
from ftbuilder.services.context import AppContext
from ftbuilder.store.db import Store

FAQ = """# Help

## How do I reset my password?
Open Settings, choose Security and click Reset password.

## Can I change my plan later?
Yes, upgrade or downgrade at any time from Billing.

## Where is my invoice?
Invoices are emailed monthly and listed under Billing.

## How do I delete my account?
Write to support from the address on the account; deletion takes two days.
"""
COPY = {"messages": [{"role": "user", "content": "How do I reset my password?"},
                     {"role": "assistant",
                      "content": "Open Settings, choose Security and click Reset password."}],
        "keywords": ["password"]}
MARKER = "House rule 4711: never mention competitors."


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "input").mkdir()
    (tmp_path / "input" / "faq.md").write_text(FAQ, encoding="utf-8")
    return tmp_path


def _ctx(root: Path, ratio: float) -> AppContext:
    settings = project_settings(root, agent={"create": {"chunk_tokens": 120, "chunk_overlap": 10},
                                             "hybrid": {"generation_ratio": ratio}},
                                system={"max_retries": 0})
    return AppContext(settings, Store(root / "store.db"))


def _req(root: Path, stub: ChatStub, size: int) -> BuildRequest:
    return BuildRequest(mode="hybrid", input_paths=[str(root / "input")], name="hy",
                        provider="openai", model="gpt-4o-mini-2024-07-18", size=size,
                        agent_provider="openai", agent_model="stub-model", base_url=stub.url,
                        concurrency=2)


class CopyingStub(ChatStub):
    """A model that repeats an extracted conversation word for word in every reply."""

    def __init__(self) -> None:
        super().__init__()
        self.bodies: list[dict] = []

    def answer(self, body: dict, rid: str) -> str:
        self.bodies.append(body)
        reply = json.loads(super().answer(body, rid))
        reply["conversations"].insert(0, COPY)
        return json.dumps(reply)


def test_hybrid_counts_prompt_and_no_duplicate_of_an_extracted_conversation(project):
    prompt = project / "prompts" / "system" / "hybrid_mode.txt"
    ctx = _ctx(project, 0.5)
    prompt.write_text(prompt.read_text(encoding="utf-8") + "\n" + MARKER, encoding="utf-8")
    with CopyingStub() as stub:
        result = build(ctx, _req(project, stub, 8))
    samples = list(ctx.store.iter_samples(ctx.store.get_dataset("hy").id))
    origins = [c.meta["origin"] for c in samples]
    assert len(samples) == 8 and origins.count("identify") == 4
    assert origins.count("generated") == 4
    firsts = [c.messages[0].content for c in samples]
    assert firsts.count("How do I reset my password?") == 1
    assert result.duplicates >= 1 and result.stats["generation"]["failures"]["duplicate"] >= 1

    system = [b["messages"][0] for b in stub.bodies]
    assert all(m["role"] == "system" and MARKER in m["content"] for m in system)
    user = stub.bodies[0]["messages"][-1]["content"]
    assert "do not repeat" in user
    assert all(q in user for q in ("How do I reset my password?", "Where is my invoice?",
                                   "How do I delete my account?"))
    ctx.close()


def test_hybrid_keeps_every_identified_pair_and_generates_none_past_the_size(project):
    # issue 12: hybrid keeps every identified pair it found (was: capped to the identified
    # share of generation_ratio, "capped: 7 sample(s) over the size the target allows")
    ctx = _ctx(project, 0.25)
    with ChatStub() as stub:
        result = build(ctx, _req(project, stub, 3))
    ds = ctx.store.get_dataset("hy")
    origins = [c.meta["origin"] for c in ctx.store.iter_samples(ds.id)]
    assert origins.count("identify") == 4 and origins.count("generated") == 0
    assert result.found == 4 and result.capped == 0 and stub.total == 0
    ctx.close()


def test_hybrid_generates_the_remainder_up_to_the_size_and_a_rerun_adds_nothing(project):
    ctx = _ctx(project, 0.25)
    with ChatStub() as stub:
        build(ctx, _req(project, stub, 7))
        ds = ctx.store.get_dataset("hy")
        origins = [c.meta["origin"] for c in ctx.store.iter_samples(ds.id)]
        assert origins.count("identify") == 4 and origins.count("generated") == 3
        again = build(ctx, _req(project, stub, 7))
    assert again.samples_added == 0 and ctx.store.count_samples(ds.id) == 7
    ctx.close()
