"""One real create run with the embedded local model (Gemma 3 270M, in-process llama.cpp):
the whole path with a small base model, completion-style prompting and tolerant parsing."""

from __future__ import annotations

from pathlib import Path

import pytest

from ftbuilder.services.build import BuildRequest, build
from ftbuilder.services.context import AppContext
from ftbuilder.store.db import Store

from .llm_fakes import project_settings

TEXT = """Refund policy

Refunds are issued within 14 days of the return being received. Items must be unused and
in their original packaging.

Sale items cannot be refunded, but they can be exchanged for another item of the same
price within 30 days.
"""


@pytest.mark.slow
def test_create_with_the_embedded_model(tmp_path: Path):
    (tmp_path / "input").mkdir()
    (tmp_path / "input" / "refunds.md").write_text(TEXT, encoding="utf-8")
    settings = project_settings(tmp_path, system={"max_retries": 1},
                                agent={"create": {"temperature": 0.3}})
    ctx = AppContext(settings, Store(tmp_path / "store.db"))
    seen = []
    result = build(ctx, BuildRequest(
        mode="create", input_paths=[str(tmp_path / "input")], name="local", provider="openai",
        model="gpt-4o-mini-2024-07-18", size=2, agent_provider="llama", concurrency=1),
        progress=seen.append)
    gen = result.stats["generation"]
    assert gen["requests"] >= 1 and gen["prompt_tokens"] > 0
    assert gen["estimated_cost_usd"] == 0.0 and gen["price_verified"]  # local: free
    ds = ctx.store.get_dataset("local")
    assert ds.total_samples == result.samples_added <= 2
    assert result.samples_added >= 1, gen  # a weak model, but not a useless one
    for c in ctx.store.iter_samples(ds.id):
        assert [m.role for m in c.messages] == ["user", "assistant"]
        assert c.source_file.endswith("refunds.md") and c.meta["chunk"] and c.token_count
    assert any(p.stage == "generate" for p in seen)
    # a second run answers from the store: no model call at all
    again = build(ctx, BuildRequest(
        mode="create", input_paths=[str(tmp_path / "input")], name="local", provider="openai",
        model="gpt-4o-mini-2024-07-18", size=ds.total_samples, agent_provider="llama"))
    assert again.stats["generation"]["requests"] == 0
    ctx.close()
