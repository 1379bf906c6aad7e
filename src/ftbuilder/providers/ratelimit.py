"""Per-backend limits on requests and tokens per minute (``system.rpm`` / ``system.tpm``).

Two leaky buckets (aiolimiter) per backend: one request per call, and the call's tokens. The
tokens of a reply are known only after it, so a call takes its prompt estimate up front and
:meth:`RateLimiter.settle` charges the rest afterwards; that wait delays the worker's next
call, which is the back-pressure the limit asks for. A limit of 0 is no limit.
"""

from __future__ import annotations

from aiolimiter import AsyncLimiter


class RateLimiter:
    """Requests-per-minute and tokens-per-minute limits of one backend."""

    def __init__(self, rpm: int = 0, tpm: int = 0) -> None:
        self.rpm = rpm
        self.tpm = tpm
        self._requests = AsyncLimiter(rpm, 60) if rpm > 0 else None
        self._tokens = AsyncLimiter(tpm, 60) if tpm > 0 else None

    @property
    def active(self) -> bool:
        return self._requests is not None or self._tokens is not None

    async def _take_tokens(self, n: int) -> None:
        if self._tokens is None or n <= 0:
            return
        # a single call larger than the whole budget waits for a full minute's budget
        while n > 0:
            part = min(n, self.tpm)
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
