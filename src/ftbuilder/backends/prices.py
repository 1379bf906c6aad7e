"""Prices of the agent models (the backends that write samples), from ``agent_prices.yaml``.

The fine-tuning targets' training prices are in ``targets/models.yaml``; these are the
per-token prices of generation, used for cost estimates and run accounting.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

DATA_FILE = Path(__file__).with_name("agent_prices.yaml")


@dataclass(frozen=True, slots=True)
class AgentPrice:
    """USD per 1M tokens of an agent model (``agent_prices`` in models.yaml)."""

    backend: str
    model: str
    input_per_1m: float
    output_per_1m: float
    verified: bool = False
    source: str = ""
    # the share off both rates through the provider's batch API (0.5 = half price), and
    # where that figure comes from
    batch_discount: float | None = None
    batch_source: str = ""


@lru_cache(maxsize=1)
def _agent_prices() -> tuple[AgentPrice, ...]:
    data = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))
    return tuple(AgentPrice(**{**e, "model": str(e["model"])})
                 for e in data.get("agent_prices") or [])


def agent_price(backend: str, model: str) -> AgentPrice | None:
    """The price of an agent model: exact id, else the longest prefix, else ``*``; or None."""
    best: AgentPrice | None = None
    for p in _agent_prices():
        if p.backend != backend:
            continue
        if p.model == model:
            return p
        if p.model == "*":
            best = best or p
        elif model.startswith(p.model) and (best is None or best.model == "*"
                                            or len(p.model) > len(best.model)):
            best = p
    return best


def batch_price(price: AgentPrice | None) -> AgentPrice | None:
    """``price`` through the provider's batch API (its ``batch_discount`` off both rates);
    None when there is no price or no known batch discount."""
    if price is None or price.batch_discount is None:
        return None
    keep = 1.0 - price.batch_discount
    return AgentPrice(price.backend, price.model, price.input_per_1m * keep,
                      price.output_per_1m * keep, price.verified, price.batch_source)
