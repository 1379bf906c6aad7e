"""Set-level limits: the dataset size cap, token distributions, epochs and training cost.

Epochs and billing follow the OpenAI cookbook (Chat_finetuning_data_prep.ipynb, docs/providers.md
§1): target 3 epochs; with n examples, if n*3 < 100 then min(25, 100 // n); if n*3 > 25,000
then max(1, 25,000 // n). Billed tokens = Σ min(max tokens per example, tokens);
charged = epochs × billed; cost = charged / 1M × the registry price.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ftbuilder.core.stats import distribution as core_distribution
from ftbuilder.core.types import ModelSpec

TARGET_EPOCHS = 3
MIN_TARGET_EXAMPLES = 100
MAX_TARGET_EXAMPLES = 25_000
MIN_DEFAULT_EPOCHS = 1
MAX_DEFAULT_EPOCHS = 25


@dataclass(slots=True)
class SizeCheck:
    """A requested dataset size checked against the target: ``size`` is what will be made,
    ``reasons`` why it was capped, ``warnings`` what else the target's limits say."""

    requested: int
    size: int
    reasons: list[str]
    warnings: list[str]

    @property
    def capped(self) -> bool:
        return self.size != self.requested

    @property
    def summary(self) -> str | None:
        """One line saying the size was capped, to what and why (None when it was not)."""
        if not self.capped:
            return None
        return f"size capped to {self.size:,}: " + "; ".join(self.reasons)


def size_check(spec: ModelSpec, size: int, ratio: float = 1.0,
               split_enabled: bool = False) -> SizeCheck:
    """The one size cap: ``size`` capped to the most training examples ``spec`` takes.

    Training examples are ``size * ratio`` when splits are on. Unverified limits still cap
    (the safe side) but the reason says UNVERIFIED.
    """
    share = ratio if split_enabled else 1.0
    capped, reasons, warnings = size, [], []

    def tag(field: str) -> str:
        return "" if spec.is_verified(field) else " (UNVERIFIED)"

    if spec.max_examples and size * share > spec.max_examples:
        capped = int(spec.max_examples / share)
        reasons.append(f"{spec.provider} {spec.id} accepts at most {spec.max_examples:,} "
                       f"training examples{tag('max_examples')}")
    if split_enabled and spec.max_validation_examples and \
            capped * (1 - ratio) > spec.max_validation_examples:
        warnings.append(f"validation share over {spec.max_validation_examples:,} examples"
                        f"{tag('max_validation_examples')}: extra ones go to training")
    train = capped
    if split_enabled and capped >= 2:  # as the split counts it (formats/splitting.py sizes):
        train = capped - max(1, math.floor(capped * (1 - ratio) + 0.5 + 1e-9))  # val half-up
    if spec.min_examples and train < spec.min_examples:
        warnings.append(f"{spec.id} needs at least {spec.min_examples} training examples"
                        f"{tag('min_examples')}")
    return SizeCheck(size, capped, reasons, warnings)


def epochs_for(n: int) -> int:
    """Default epochs for ``n`` training examples (cookbook rule)."""
    if n <= 0:
        return 0
    if n * TARGET_EPOCHS < MIN_TARGET_EXAMPLES:
        return min(MAX_DEFAULT_EPOCHS, MIN_TARGET_EXAMPLES // n)
    if n * TARGET_EPOCHS > MAX_TARGET_EXAMPLES:
        return max(MIN_DEFAULT_EPOCHS, MAX_TARGET_EXAMPLES // n)
    return TARGET_EPOCHS


def estimate_training(lengths: np.ndarray, spec: ModelSpec) -> dict[str, Any]:
    """Epochs, billed and charged tokens, and cost for examples of ``lengths`` tokens."""
    n = len(lengths)
    epochs = epochs_for(n)
    capped = np.minimum(lengths, spec.max_tokens_per_example) if spec.max_tokens_per_example \
        else lengths
    billed = int(capped.sum()) if n else 0
    charged = epochs * billed
    price = spec.price_per_1m_training_tokens
    cost = round(charged / 1_000_000 * price, 4) if price is not None else None
    return {"epochs": epochs if n else None, "billed_tokens": billed, "charged_tokens": charged,
            "estimated_cost": cost, "price_per_1m_training_tokens": price,
            "price_unverified": price is not None and
            not spec.is_verified("price_per_1m_training_tokens")}


def distribution(values: np.ndarray) -> dict[str, float] | None:
    """min, max, mean, median, p5, p95 of ``values`` (None when empty); see core.stats."""
    return core_distribution(values.tolist())
