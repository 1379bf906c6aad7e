"""The pre-run cost check (services/budget.py): a batch build is priced at the provider's
batch discount, as its run's accounting is (backends/agent_prices.yaml, docs/scale.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.llm_fakes import project_settings
from ftbuilder.backends import prices
from ftbuilder.services import budget
from ftbuilder.services.context import AppContext
from ftbuilder.store.db import Store

AGENT = {"provider": "openai", "model": "gpt-4o-mini"}


@pytest.fixture
def ctx(tmp_path: Path):
    c = AppContext(project_settings(tmp_path, {"OPENAI_API_KEY": "sk-test"}),
                   Store(tmp_path / "store.db"))
    yield c
    c.close()


def test_batch_estimate_uses_the_batch_discount(ctx) -> None:
    live = budget.estimate(ctx, "create", 20_000, AGENT)
    batch = budget.estimate(ctx, "create", 20_000, AGENT, batch=True)
    assert live is not None and batch is not None
    assert (batch.calls, batch.prompt_tokens, batch.output_tokens) == \
        (live.calls, live.prompt_tokens, live.output_tokens)
    discount = prices.agent_price("openai", "gpt-4o-mini").batch_discount
    assert discount == 0.5  # OpenAI's Batch API FAQ: 50 % off
    assert batch.cost_usd == pytest.approx(live.cost_usd * (1 - discount))
    assert (live.pricing, batch.pricing) == ("live", "batch")
    assert "at batch prices" in batch.text() and "batch" not in live.text()


def test_a_batch_over_budget_at_live_prices_can_be_within_it_at_batch_prices(ctx) -> None:
    live = budget.estimate(ctx, "create", 20_000, AGENT)
    ctx.settings.config.system.max_cost_usd = live.cost_usd * 0.75
    with pytest.raises(budget.BudgetExceeded):
        budget.check(budget.estimate(ctx, "create", 20_000, AGENT))
    budget.check(budget.estimate(ctx, "create", 20_000, AGENT, batch=True))  # half: within


def test_a_batch_with_no_known_discount_is_priced_live_and_says_so(ctx, monkeypatch) -> None:
    listed = prices.agent_price("openai", "gpt-4o-mini")
    no_discount = prices.AgentPrice(listed.backend, listed.model, listed.input_per_1m,
                                    listed.output_per_1m, listed.verified, listed.source)
    monkeypatch.setattr(prices, "agent_price", lambda backend, model: no_discount)
    live = budget.estimate(ctx, "create", 20_000, AGENT)
    batch = budget.estimate(ctx, "create", 20_000, AGENT, batch=True)
    assert batch.cost_usd == live.cost_usd and batch.pricing == "batch-unknown"
    assert "at live prices (no batch discount known)" in batch.text()


def test_retry_of_a_batch_build_is_priced_at_batch_prices(ctx) -> None:
    ds = ctx.store.create_dataset("b", "openai", "gpt-4o-mini-2024-07-18", "create")
    gen = {"mode": "create", "target": 20_000, "agent": AGENT}
    ctx.store.update_dataset(ds.id, config={"generation": gen})
    live = budget.estimate_retry(ctx, "b")
    ctx.store.update_dataset(ds.id, config={"generation": {**gen, "batch": {"retry": "live"}}})
    batch = budget.estimate_retry(ctx, "b")
    assert batch.pricing == "batch" and batch.cost_usd == pytest.approx(live.cost_usd / 2)
