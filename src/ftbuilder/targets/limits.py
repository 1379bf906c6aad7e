"""Set-level limits: dataset size cap, token distributions, epochs and training cost.

Epochs and billing follow the OpenAI cookbook (Chat_finetuning_data_prep.ipynb, docs/providers.md
§1): target 3 epochs; with n examples, if n*3 < 100 then min(25, 100 // n); if n*3 > 25,000
then max(1, 25,000 // n). Billed tokens = Σ min(max tokens per example, tokens);
charged = epochs × billed; cost = charged / 1M × the registry price.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ftbuilder.core.stats import distribution as core_distribution
from ftbuilder.core.types import ModelSpec

TARGET_EPOCHS = 3
MIN_TARGET_EXAMPLES = 100
MAX_TARGET_EXAMPLES = 25_000
MIN_DEFAULT_EPOCHS = 1
MAX_DEFAULT_EPOCHS = 25


def cap_dataset_size(size: int, spec: ModelSpec) -> tuple[int, str | None]:
    """``size`` capped to the most examples ``spec`` allows, and why (None when not capped).

    The reason says when the limit is UNVERIFIED in the registry.
    """
    limit = spec.max_examples
    if limit is None or size <= limit:
        return size, None
    unv = "" if spec.is_verified("max_examples") else " (UNVERIFIED limit)"
    return limit, (f"dataset size {size:,} capped to {limit:,}: the most training examples "
                   f"{spec.provider} {spec.id} takes{unv}")


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
