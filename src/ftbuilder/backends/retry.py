"""The one retry policy every LLM backend uses: exponential backoff with full jitter.

Retried: 429 (honouring Retry-After / retry-after-ms), 5xx, timeouts, dropped connections and
model output that is not the JSON that was asked for. Not retried: 4xx other than 429 (a
rejected key, an unknown model, a bad request). Each SDK's own retries are switched off so
the counting here is the whole truth.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

RETRYABLE = frozenset({"rate_limit", "server", "timeout", "connection", "bad_output"})


@dataclass(slots=True)
class Failure:
    """One failed attempt, classified.

    ``kind`` is one of rate_limit, server, timeout, connection, bad_output (retried) or auth,
    permission, not_found, bad_request, context, truncated, other (not retried).
    """

    kind: str
    status: int | None = None
    detail: str = ""
    retry_after: float | None = None

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE


def parse_retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``Retry-After`` (seconds or an HTTP date)."""
    if not headers:
        return None
    lower = {str(k).lower(): str(v) for k, v in headers.items()}
    ms = lower.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = lower.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


@dataclass
class RetryPolicy:
    """How many times and how long to wait.

    ``max_retries`` comes from ``system.max_retries``; the delay before retry ``n`` (0-based)
    is the server's Retry-After when given (capped at ``max_retry_after``), else a uniform
    draw in ``[0, min(max_delay, base_delay * 2**n)]`` ("full jitter").
    """

    max_retries: int = 3
    base_delay: float = 0.5
    max_delay: float = 20.0
    max_retry_after: float = 120.0
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, retry_index: int, failure: Failure) -> float:
        if failure.retry_after is not None:
            # A small jitter on top spreads a burst of clients told the same instant.
            return min(failure.retry_after, self.max_retry_after) + self.rng.uniform(0, 0.1)
        if failure.kind == "bad_output":
            return 0.0  # the server is fine; ask again at once
        ceiling = min(self.max_delay, self.base_delay * (2 ** retry_index))
        return self.rng.uniform(0, ceiling)


@dataclass
class ClientStats:
    """Counters one client keeps over its lifetime (summed across concurrent calls)."""

    requests: int = 0
    calls: int = 0
    failures: int = 0
    retries_by_reason: Counter[str] = field(default_factory=Counter)
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def retries(self) -> int:
        return sum(self.retries_by_reason.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "calls": self.calls, "requests": self.requests, "failures": self.failures,
            "retries": self.retries, "retries_by_reason": dict(self.retries_by_reason),
            "prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens,
        }
