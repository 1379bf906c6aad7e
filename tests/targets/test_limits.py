"""Dataset size cap, cookbook epochs, billing."""

from __future__ import annotations

import numpy as np

from ftbuilder.targets.limits import epochs_for, estimate_training, size_check
from ftbuilder.targets.registry import get_model


def cap_dataset_size(size, spec):
    check = size_check(spec, size)
    return check.size, check.summary


def test_cap_dataset_size():
    gem = get_model("google", "gemini-2.5-flash")
    assert cap_dataset_size(500, gem) == (500, None)
    size, why = cap_dataset_size(2_000_000, gem)
    assert size == 1_000_000 and "capped" in why and "UNVERIFIED" not in why
    size, why = cap_dataset_size(20_000, get_model("anthropic", "claude-3-haiku-20240307"))
    assert size == 10_000 and "UNVERIFIED" in why
    assert cap_dataset_size(10**7, get_model("openai", "gpt-4o-mini-2024-07-18")) == (10**7, None)


def test_epochs_cookbook_rule():
    assert epochs_for(5) == 20  # 5*3 < 100 -> min(25, 100 // 5)
    assert epochs_for(2) == 25  # capped at 25
    assert epochs_for(50) == 3
    assert epochs_for(10_000) == 2  # 30,000 > 25,000 -> max(1, 25,000 // 10,000)
    assert epochs_for(100_000) == 1
    assert epochs_for(0) == 0


def test_billing_caps_each_example_at_the_limit():
    spec = get_model("openai", "gpt-3.5-turbo-0613")  # 4,096 per example, $8 / 1M
    t = estimate_training(np.array([100, 5000, 4096]), spec)
    assert t["billed_tokens"] == 100 + 4096 + 4096
    assert t["epochs"] == 25 and t["charged_tokens"] == 25 * 8292
    assert t["estimated_cost"] == round(25 * 8292 / 1e6 * 8.0, 4) and t["price_unverified"]
