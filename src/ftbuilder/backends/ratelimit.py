"""Per-backend limits on requests and tokens per minute (``system.rpm`` / ``system.tpm``).

Two leaky buckets (aiolimiter) per backend: one request per call, and the call's tokens. The
tokens of a reply are known only after it, so a call takes its prompt estimate up front and
:meth:`RateLimiter.settle` charges the rest afterwards; that wait delays the worker's next
call, which is the back-pressure the limit asks for. A limit of 0 is no limit.

A bucket holds one second's share of the minute's budget, not the whole minute: a bucket of
``rpm`` would let a run start with ``rpm`` requests at once and then leak ``rpm`` more
within its first minute, twice the limit the provider counts (and answers with 429s).
"""

from __future__ import annotations

import math

from aiolimiter import AsyncLimiter


def per_minute(limit: int) -> AsyncLimiter | None:
    """A bucket letting ``limit`` per minute through, at most a second's share at once
    (and at least 1): over any minute, at most ``limit`` plus that share."""
    if limit <= 0:
        return None
    burst = max(1, math.ceil(limit / 60))
    return AsyncLimiter(burst, 60 * burst / limit)


class RateLimiter:
    """Requests-per-minute and tokens-per-minute limits of one backend."""

    def __init__(self, rpm: int = 0, tpm: int = 0) -> None:
        self.rpm = rpm
        self.tpm = tpm
        self._requests = per_minute(rpm)
        self._tokens = per_minute(tpm)

    @property
    def active(self) -> bool:
        return self._requests is not None or self._tokens is not None

    async def _take_tokens(self, n: int) -> None:
        if self._tokens is None or n <= 0:
            return
        # taken a bucket at a time: a call larger than the bucket waits for its share
        while n > 0:
            part = min(n, self._tokens.max_rate)
            await self._tokens.acquire(part)
            n -= part

    async def acquire(self, estimated_tokens: int = 0) -> None:
        """Wait until one more request of about ``estimated_tokens`` tokens may start."""
        if self._requests is not None:
            await self._requests.acquire()
        await self._take_tokens(estimated_tokens)

    async def settle(self, estimated_tokens: int, actual_tokens: int) -> None:
        """Charge the tokens a finished call used beyond its estimate."""
        await self._take_tokens(actual_tokens - estimated_tokens)


class RateLimits:
    """One :class:`RateLimiter` per backend name, made on first use from ``limits``.

    ``limits`` maps a backend to (rpm, tpm); ``default`` applies to the others.
    """

    def __init__(self, default: tuple[int, int] = (0, 0),
                 limits: dict[str, tuple[int, int]] | None = None) -> None:
        self.default = default
        self.limits = dict(limits or {})
        self._by_backend: dict[str, RateLimiter] = {}

    def for_backend(self, backend: str) -> RateLimiter:
        limiter = self._by_backend.get(backend)
        if limiter is None:
            rpm, tpm = self.limits.get(backend, self.default)
            limiter = self._by_backend[backend] = RateLimiter(rpm, tpm)
        return limiter
