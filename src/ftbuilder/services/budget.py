"""What an LLM build would cost, checked before its first paid call.

A build in create, hybrid or free mode on a paid backend makes about
``ceil(generated samples / agent.create.samples_per_call)`` calls, each sending a chunk
(``agent.create.chunk_tokens``) plus the agent's instructions and getting conversations back.
:func:`estimate` prices that with the agent's price in ``backends/agent_prices.yaml``;
:func:`check` stops the build before anything is written or sent when the estimate is over
``system.max_cost_usd``, or the size over :data:`MAX_PAID_SAMPLES` (for a paid backend whose
price is unknown, that cap is the only guard). The user confirms with ``--yes`` (CLI) or in
the app's dialog (Generate; the Files screen's Sources section for ``ftb repos prepare`` and
its retry). The embedded model and llama servers cost nothing: no check.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ftbuilder.core.errors import UsageError
from ftbuilder.services.context import AppContext

MAX_PAID_SAMPLES = 100_000  # more samples than this on a paid backend is asked about
PROMPT_OVERHEAD = 600  # tokens of instructions and format sent with each chunk
REPLY_OVERHEAD = 200  # tokens of a reply beyond its conversations (JSON, keywords)
LLM_MODES = ("create", "hybrid", "free")


class BudgetExceeded(UsageError):
    """A build over ``system.max_cost_usd`` (or the size cap) that the user has not confirmed.

    ``estimate`` holds the figures the message names (a face can show them and ask)."""

    def __init__(self, message: str, hint: str, estimate: BuildEstimate) -> None:
        super().__init__(message, hint)
        self.estimate = estimate


@dataclass(frozen=True, slots=True)
class BuildEstimate:
    """The calls and cost of a build. ``cost_usd`` is None when the agent's price is unknown."""

    agent: str  # backend/model
    samples: int  # samples the LLM is asked for
    calls: int
    prompt_tokens: int  # per call
    output_tokens: int  # per call (expected)
    cost_usd: float | None
    price_verified: bool
    max_cost_usd: float
    # "live", "batch" (the provider's batch discount applied), or "batch-unknown" (a batch
    # build whose discount is not known: priced at the live price)
    pricing: str = "live"
    what: str = "this build"  # what makes the calls, as the message names it

    @property
    def over(self) -> bool:
        return ((self.cost_usd is not None and self.cost_usd > self.max_cost_usd)
                or self.samples > MAX_PAID_SAMPLES)

    def text(self) -> str:
        """``this build would make N calls to B/M, about $X (over system.max_cost_usd $5)``."""
        cost = "at an unknown price" if self.cost_usd is None else \
            f"about ${self.cost_usd:,.2f}" + ("" if self.price_verified else " (unverified price)")
        if self.cost_usd is not None and self.pricing != "live":
            cost += (" at batch prices" if self.pricing == "batch" else
                     " at live prices (no batch discount known)")
        if self.cost_usd is not None and self.cost_usd > self.max_cost_usd:
            why = f"over system.max_cost_usd ${self.max_cost_usd:g}"
        else:
            why = f"{self.samples:,} samples, over the {MAX_PAID_SAMPLES:,} of a paid build"
        calls = f"{self.calls:,} call" + ("" if self.calls == 1 else "s")
        return (f"{self.what} would make {calls} to {self.agent}, {cost} "
                f"({why})")


def _paid_agent(ctx: AppContext, agent: dict[str, Any] | None, batch: bool
                ) -> tuple[str, Any, str] | None:
    """(backend/model, its price or None when unknown, pricing) of a paid agent; None when
    its calls cost nothing (the embedded model, a GGUF in-process, a llama server, a zero
    price). ``batch``: the provider's batch discount applied (pricing "batch"), or the live
    price when no discount is known ("batch-unknown")."""
    from ftbuilder.backends.prices import agent_price, batch_price
    from ftbuilder.services.agent import resolve_agent

    agent = agent or {}
    choice = resolve_agent(ctx.settings, agent.get("provider"), agent.get("model"),
                           agent.get("base_url"))
    if choice.in_process or choice.provider == "llama":
        return None
    price = agent_price(choice.provider, choice.model)
    if price is not None and not price.input_per_1m and not price.output_per_1m:
        return None
    pricing = "live"
    if batch and price is not None:
        discounted = batch_price(price)
        pricing = "batch" if discounted is not None else "batch-unknown"
        price = discounted or price
    return f"{choice.provider}/{choice.model}", price, pricing


def _priced(ctx: AppContext, paid: tuple[str, Any, str], samples: int, calls: int,
            prompt: int, output: int, what: str = "this build") -> BuildEstimate:
    agent, price, pricing = paid
    cost = None if price is None else \
        calls * (prompt * price.input_per_1m + output * price.output_per_1m) / 1e6
    return BuildEstimate(agent, samples, calls, prompt, output, cost,
                         bool(price and price.verified), ctx.settings.config.system.max_cost_usd,
                         pricing, what)


def estimate(ctx: AppContext, mode: str, size: int | None,
             agent: dict[str, Any] | None = None, batch: bool = False) -> BuildEstimate | None:
    """The estimate of a ``mode`` build of ``size`` samples (None: config dataset_size) with
    ``agent`` (provider/model/base_url; None: the configured agent); ``batch``: sent
    through the provider's batch API, priced at its batch discount
    (``batch_discount`` in backends/agent_prices.yaml), as the run's accounting is.

    Returns None when the build makes no paid call: identify, the embedded model, a GGUF
    run in-process, a llama server, or a backend priced at zero.
    """
    from ftbuilder.agents.create import TOKENS_PER_TURN
    from ftbuilder.agents.hybrid import split_size

    if mode not in LLM_MODES:
        return None
    paid = _paid_agent(ctx, agent, batch)
    if paid is None:
        return None
    cfg = ctx.settings.config
    samples = size or cfg.dataset_size
    if mode == "hybrid":
        samples = split_size(samples, cfg.agent.hybrid.generation_ratio)[1]
    create = cfg.agent.create
    per_call = create.samples_per_call
    turns = (1 + create.max_turns) / 2  # a call's turns cycle through 1..max_turns
    return _priced(ctx, paid, samples, math.ceil(samples / per_call),
                   create.chunk_tokens + PROMPT_OVERHEAD,
                   round(REPLY_OVERHEAD + per_call * turns * TOKENS_PER_TURN))


def estimate_fallback(ctx: AppContext, chunks: int, agent: dict[str, Any] | None = None
                      ) -> BuildEstimate | None:
    """The estimate of identify's LLM fallback asking ``chunks`` chunks (one call each,
    known once the patterns have run). A reply quotes the conversations of its chunk: it is
    priced as long as the chunk (an upper bound). None when the calls cost nothing."""
    paid = _paid_agent(ctx, agent, False)
    if paid is None or chunks <= 0:
        return None
    chunk = ctx.settings.config.agent.create.chunk_tokens
    return _priced(ctx, paid, 0, chunks, chunk + PROMPT_OVERHEAD, chunk + REPLY_OVERHEAD,
                   "identify's LLM fallback (for the documents no pattern read)")


def estimate_retry(ctx: AppContext, name: str) -> BuildEstimate | None:
    """The estimate of what ``ftb retry NAME`` still has to make: the build's target less the
    samples already in the dataset (None: nothing paid left, or not an LLM build)."""
    ds = ctx.store.get_dataset(name)
    gen = ds.config.get("generation") or {}
    left = int(gen.get("target") or 0) - ds.total_samples
    if not gen or left <= 0:
        return None
    # the target of a hybrid build is already its generated share
    mode = "create" if gen.get("mode") == "hybrid" else str(gen.get("mode"))
    return estimate(ctx, mode, left, gen.get("agent"), batch=bool(gen.get("batch")))


def check(est: BuildEstimate | None) -> None:
    """Stop a build over the budget before its first call (see the module doc).

    Raises:
        BudgetExceeded: the estimate is over ``system.max_cost_usd`` or the size cap.
    """
    if est is not None and est.over:
        raise BudgetExceeded(est.text(), "confirm with --yes (the app asks), or raise "
                                         "system.max_cost_usd in config.yaml", est)


def epoch_cost_text(provider: str, model: str, tokens: int) -> str:
    """Training cost of ``tokens`` for one epoch at the target's registry price, in words
    (or why it is unknown); an unverified price says so."""
    from ftbuilder.core.errors import FtbError
    from ftbuilder.targets.registry import get_model

    try:
        spec = get_model(provider, model)
    except FtbError:
        return "unknown model"
    if spec.price_per_1m_training_tokens is None:
        return "no price in the registry"
    cost = tokens / 1_000_000 * spec.price_per_1m_training_tokens
    tag = "" if spec.is_verified("price_per_1m_training_tokens") else " (price UNVERIFIED)"
    return f"${cost:,.2f} per epoch{tag}"
