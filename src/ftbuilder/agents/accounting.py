"""Live accounting of a generation run: calls, tokens, cost, samples per minute, failures
counted by reason. Shown as progress while the run goes and returned (``to_dict``) at the end.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ftbuilder.agents.parsing import EMPTY, INVALID_JSON
from ftbuilder.backends.prices import AgentPrice

PROVIDER_ERROR, DUPLICATE, OVER_LIMIT = "provider_error", "duplicate", "over_token_limit"
NOT_VERBATIM, TOO_SHORT = "not_verbatim", "too_short"
# curation at build time (docs: README "Curation"): near-duplicates of samples already in the
# dataset, copies of a built-in prompt's examples, and ungrounded samples when set to drop
NEAR_DUPLICATE, PROMPT_EXAMPLE, UNGROUNDED = "near_duplicate", "prompt_example", "ungrounded"
REASONS = (INVALID_JSON, EMPTY, OVER_LIMIT, DUPLICATE, NEAR_DUPLICATE, PROMPT_EXAMPLE,
           UNGROUNDED, NOT_VERBATIM, TOO_SHORT, PROVIDER_ERROR)


@dataclass
class RunStats:
    """Live accounting of one run (shown as it goes, returned at the end)."""

    target: int = 0
    existing: int = 0
    samples_added: int = 0
    requests: int = 0  # real LLM calls (not answered by the cache)
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    items_done: int = 0
    items_failed: int = 0
    items_skipped: int = 0  # finished by an earlier run
    surplus: int = 0  # good samples left out because the target was reached
    failures: Counter[str] = field(default_factory=Counter)
    failed_by: Counter[str] = field(default_factory=Counter)  # failed items by last reason
    by_source: Counter[str] = field(default_factory=Counter)  # samples added per source file
    flagged: Counter[str] = field(default_factory=Counter)  # kept samples flagged, by rule
    stopped: str = ""
    agent: str = ""
    price: AgentPrice | None = None
    started: float = field(default_factory=time.monotonic)
    elapsed: float = 0.0

    @property
    def total(self) -> int:
        return self.existing + self.samples_added

    @property
    def cost(self) -> float | None:
        """Estimated USD of the real calls, or None when the agent model has no known price."""
        if self.price is None:
            return None
        return (self.prompt_tokens * self.price.input_per_1m
                + self.completion_tokens * self.price.output_per_1m) / 1e6

    def seconds(self) -> float:
        return self.elapsed or (time.monotonic() - self.started)

    @property
    def samples_per_min(self) -> float:
        s = self.seconds()
        return self.samples_added * 60 / s if s > 0 else 0.0

    def cost_text(self) -> str:
        c = self.cost
        if c is None:
            return "cost unknown"
        label = "" if self.price and self.price.verified else " (unverified price)"
        return f"${c:.4f}{label}"

    def line(self) -> str:
        return (f"{self.requests} requests ({self.cache_hits} cached), "
                f"{self.prompt_tokens}+{self.completion_tokens} tokens, {self.cost_text()}, "
                f"{self.samples_per_min:.0f} samples/min")

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target, "existing": self.existing, "samples_added": self.samples_added,
            "requests": self.requests, "cache_hits": self.cache_hits,
            "prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens,
            "estimated_cost_usd": None if self.cost is None else round(self.cost, 6),
            "price_verified": bool(self.price and self.price.verified),
            "local_model": bool(self.price and not self.price.input_per_1m
                                and not self.price.output_per_1m),
            "samples_per_min": round(self.samples_per_min, 1), "seconds": round(self.seconds(), 2),
            "items_done": self.items_done, "items_failed": self.items_failed,
            "items_skipped": self.items_skipped, "surplus": self.surplus,
            "failures": {r: self.failures[r] for r in REASONS if self.failures[r]},
            "flagged": dict(self.flagged),
            "failed_by": dict(self.failed_by.most_common()),
            "stopped": self.stopped, "agent": self.agent,
        }
