"""The retry policy's arithmetic: Retry-After forms, backoff bounds, classification."""

from __future__ import annotations

import email.utils
import random
import time

import pytest

from ftbuilder.backends.common import status_failure
from ftbuilder.backends.retry import ClientStats, Failure, RetryPolicy, parse_retry_after


@pytest.mark.parametrize(("headers", "expected"), [
    ({"Retry-After": "7"}, 7.0), ({"retry-after": "1.5"}, 1.5),
    ({"retry-after-ms": "250", "Retry-After": "9"}, 0.25), ({"Retry-After": "-3"}, 0.0),
    ({}, None), (None, None), ({"Retry-After": "soon"}, None)])
def test_parse_retry_after(headers: dict[str, str] | None, expected: float | None) -> None:
    assert parse_retry_after(headers) == expected


def test_parse_retry_after_http_date() -> None:
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 28 <= parse_retry_after({"Retry-After": when}) <= 30


def test_backoff_is_jittered_exponential_and_capped() -> None:
    policy = RetryPolicy(max_retries=8, base_delay=0.5, max_delay=4.0, rng=random.Random(1))
    server = Failure("server", 500)
    for n in range(8):
        draws = [policy.delay(n, server) for _ in range(200)]
        ceiling = min(4.0, 0.5 * 2 ** n)
        assert all(0 <= d <= ceiling for d in draws)
        assert max(draws) > 0.8 * ceiling  # the whole range is used: full jitter
        assert len(set(draws)) > 150


def test_retry_after_wins_and_is_capped() -> None:
    policy = RetryPolicy(max_retry_after=10, rng=random.Random(2))
    assert 3.0 <= policy.delay(0, Failure("rate_limit", 429, retry_after=3)) <= 3.1
    assert 10.0 <= policy.delay(5, Failure("rate_limit", 429, retry_after=600)) <= 10.1
    assert policy.delay(3, Failure("bad_output")) == 0.0


@pytest.mark.parametrize(("status", "detail", "kind", "retryable"), [
    (429, "", "rate_limit", True), (500, "", "server", True), (503, "", "server", True),
    (529, "overloaded", "server", True), (408, "", "timeout", True),
    (401, "", "auth", False), (403, "", "permission", False), (404, "", "not_found", False),
    (400, "bad temperature", "bad_request", False),
    (400, "This model's maximum context length is 8192 tokens", "context", False),
    (418, "", "other", False)])
def test_status_classification(status: int, detail: str, kind: str, retryable: bool) -> None:
    f = status_failure(status, {"Retry-After": "2"}, detail)
    assert (f.kind, f.retryable) == (kind, retryable)
    assert f.retry_after == (2.0 if kind in ("rate_limit", "server", "timeout") else None)


def test_stats_to_dict() -> None:
    stats = ClientStats(requests=5, calls=3)
    stats.retries_by_reason.update({"rate_limit": 1, "server": 1})
    assert stats.to_dict()["retries"] == 2
    assert stats.to_dict()["retries_by_reason"] == {"rate_limit": 1, "server": 1}
