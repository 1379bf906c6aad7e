"""Requests- and tokens-per-minute limits: no start-up burst beyond a second's share."""

from __future__ import annotations

import asyncio
import time

from ftbuilder.backends.ratelimit import RateLimiter, RateLimits


def _timeline(limiter: RateLimiter, calls: int, tokens: int = 0) -> list[float]:
    async def main() -> list[float]:
        t0 = time.monotonic()
        out = []
        for _ in range(calls):
            await limiter.acquire(tokens)
            out.append(time.monotonic() - t0)
        return out

    return asyncio.run(main())


def test_requests_are_spread_over_the_minute_not_let_through_in_a_burst():
    # 1,200 a minute = 20 a second: 20 start at once, the next 20 over the following second
    # (a bucket of the whole minute let 1,200 through at once, then 1,200 more that minute)
    times = _timeline(RateLimiter(rpm=1200), 40)
    assert times[19] < 0.3
    assert 0.8 <= times[-1] < 1.6


def test_a_low_limit_lets_a_seconds_share_through_then_waits():
    times = _timeline(RateLimiter(rpm=120), 4)  # 2 a second: two at once, then every 0.5 s
    assert times[1] < 0.1
    assert 0.4 <= times[2] < 0.8 and 0.9 <= times[3] < 1.4
    assert _timeline(RateLimiter(rpm=30), 2)[1] >= 1.9  # under 1 a second: one every 2 s


def test_tokens_per_minute_spread_too_and_a_large_call_waits_for_its_share():
    times = _timeline(RateLimiter(tpm=60_000), 3, tokens=1500)  # 1,000 a second
    assert times[0] < 1.0  # 1,500 tokens: the first second's 1,000 and half the next
    assert 3.5 <= times[-1] < 5.0  # 4,500 tokens: about 3.5 s past the first 1,000


def test_no_limit_is_inactive_and_limits_are_per_backend():
    assert not RateLimiter().active
    limits = RateLimits((60, 0), {"openai": (0, 1000)})
    assert limits.for_backend("openai").tpm == 1000 and limits.for_backend("openai").rpm == 0
    assert limits.for_backend("mistral").rpm == 60
    assert limits.for_backend("mistral") is limits.for_backend("mistral")
