"""A fleet of OpenAI-compatible endpoints (vLLM, SGLang, llama.cpp, Ollama) as one client.

``--base-url`` given more than once (or ``system.base_urls``) makes a :class:`PoolClient`
over one client per endpoint. Each request goes to the healthy endpoint with the fewest
requests outstanding (least-outstanding: a slow or busy server gets less). An endpoint whose
health check fails (``GET /v1/models`` answered 5xx or not at all), or that fails
``eject_after`` requests in a row (connection, timeout, 5xx, 429), is taken out for a cooldown,
then checked again and put back when it answers (the cooldown doubles while it does not,
up to ``max_cooldown``). A request that failed on one endpoint is sent to another at once:
work in flight on a server that stops moves to the others and nothing is lost.
Per-endpoint figures (requests, share, failures, ejections, mean latency) come from
:meth:`PoolClient.endpoint_stats` for the run report (docs/scale.md).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from ftbuilder.backends.base import LLMClient, LLMRequest, LLMResponse
from ftbuilder.core.errors import ProviderError

# failures that say something about the endpoint, not the request: try another endpoint
MOVABLE = frozenset({"connection", "timeout", "server", "rate_limit", "other"})


@dataclass
class Endpoint:
    """One server of the fleet and its figures."""

    client: Any
    url: str
    outstanding: int = 0
    max_outstanding: int = 0
    requests: int = 0
    ok: int = 0
    failed: int = 0
    consecutive: int = 0
    ejections: int = 0
    latency: float = 0.0  # seconds, summed over answered requests
    out_until: float = 0.0  # monotonic time it may be checked again (0: in the pool)
    cooldown: float = 0.0

    @property
    def active(self) -> bool:
        return self.out_until == 0.0

    def to_dict(self, total: int) -> dict[str, Any]:
        return {"url": self.url, "requests": self.requests, "ok": self.ok,
                "failed": self.failed, "share": round(self.ok / total, 3) if total else 0.0,
                "ejections": self.ejections, "state": "in" if self.active else "out",
                "mean_latency_ms": round(1000 * self.latency / self.ok, 1) if self.ok else None,
                "max_outstanding": self.max_outstanding}


class _PoolStats:
    """The runner's usage counters (requests, tokens) summed over the endpoints' clients."""

    def __init__(self, endpoints: list[Endpoint]) -> None:
        self._eps = endpoints

    def _sum(self, name: str) -> int:
        return sum(getattr(getattr(e.client, "stats", None), name, 0) for e in self._eps)

    @property
    def requests(self) -> int:
        return self._sum("requests")

    @property
    def prompt_tokens(self) -> int:
        return self._sum("prompt_tokens")

    @property
    def completion_tokens(self) -> int:
        return self._sum("completion_tokens")


class PoolClient(LLMClient):
    """Spreads requests over ``clients`` (one per endpoint, their own retries off).

    Args:
        clients: BackendClients of one backend and model, each at its own base URL.
        max_retries: how many times a request may move to another endpoint.
        eject_after: failures in a row that take an endpoint out.
        cooldown: seconds out before the first health check (doubling up to
            ``max_cooldown`` while the check fails).
    """

    default_base_url = ""

    def __init__(self, clients: list[Any], max_retries: int = 4, eject_after: int = 3,
                 cooldown: float = 2.0, max_cooldown: float = 60.0,
                 health_timeout: float = 3.0) -> None:
        if not clients:
            raise ValueError("a pool needs at least one client")
        super().__init__(clients[0].model)
        self.backend = clients[0].backend
        self.endpoints = [Endpoint(c, str(c.base_url)) for c in clients]
        # one cache identity for the fleet, whichever server answers
        self.base_url = "fleet:" + ",".join(sorted(e.url for e in self.endpoints))
        self.max_retries = max_retries
        self.eject_after = eject_after
        self.first_cooldown = cooldown
        self.max_cooldown = max_cooldown
        self.health_timeout = health_timeout
        self.stats = _PoolStats(self.endpoints)
        self.completion_style = bool(getattr(clients[0], "completion_style", False))
        self._checked = False

    def describe(self) -> str:
        return f"{self.backend}:{self.model} on {len(self.endpoints)} endpoints"

    def redact(self, text: str, mark: str | None = None) -> str:
        r = getattr(self.endpoints[0].client, "redact", None)
        if r is None:
            return text
        return r(text) if mark is None else r(text, mark)

    # --- health ---------------------------------------------------------------------------
    async def _healthy(self, ep: Endpoint) -> bool:
        """GET {base_url}/models answered below 500 within ``health_timeout``."""
        get = getattr(ep.client, "_sdk", None)
        if get is None or not hasattr(get(), "get"):
            return True  # no OpenAI-style SDK to ask: judged by its requests alone
        try:
            sdk = get()
            async with asyncio.timeout(self.health_timeout):
                await sdk.get("/models", cast_to=object)
            return True
        except Exception as exc:  # an HTTP answer below 500 still says the server is up
            status = getattr(exc, "status_code", None)
            return isinstance(status, int) and status < 500

    def _eject(self, ep: Endpoint) -> None:
        ep.cooldown = min(self.max_cooldown, ep.cooldown * 2 if ep.cooldown else
                          self.first_cooldown)
        if ep.active:
            ep.ejections += 1
        ep.out_until = time.monotonic() + ep.cooldown

    async def check_health(self) -> None:
        """Check every endpoint now; those that do not answer are taken out."""
        results = await asyncio.gather(*(self._healthy(e) for e in self.endpoints))
        for ep, ok in zip(self.endpoints, results, strict=True):
            if not ok:
                self._eject(ep)
        self._checked = True

    async def _readmit(self) -> None:
        """Endpoints out whose cooldown is over: checked, and back in when they answer."""
        now = time.monotonic()
        due = [e for e in self.endpoints if not e.active and e.out_until <= now]
        for ep in due:
            ep.out_until = now + self.max_cooldown  # one check at a time per endpoint
        results = await asyncio.gather(*(self._healthy(e) for e in due))
        for ep, ok in zip(due, results, strict=True):
            if ok:
                ep.out_until, ep.cooldown, ep.consecutive = 0.0, 0.0, 0
            else:
                ep.out_until = 0.0
                self._eject(ep)

    async def _pick(self) -> Endpoint:
        if not self._checked:
            self._checked = True
            await self.check_health()
        give_up = time.monotonic() + 2 * self.max_cooldown
        while True:
            if any(not e.active and e.out_until <= time.monotonic() for e in self.endpoints):
                await self._readmit()
            active = [e for e in self.endpoints if e.active]
            if active:
                return min(active, key=lambda e: (e.outstanding, e.requests))
            if time.monotonic() > give_up:
                raise ProviderError(
                    f"no endpoint of the fleet answers ({len(self.endpoints)} tried for "
                    f"{2 * self.max_cooldown:g} s)",
                    "check that the servers given with --base-url (system.base_urls) are "
                    "running", kind="connection")
            wait = min(e.out_until for e in self.endpoints) - time.monotonic()
            await asyncio.sleep(max(0.05, min(wait, 1.0)))

    # --- requests -------------------------------------------------------------------------
    async def agenerate(self, request: LLMRequest) -> LLMResponse:
        """The request on the least-outstanding healthy endpoint, moved to another one when
        that endpoint fails it.

        Raises:
            ProviderError: the request itself was refused (bad request, key, model), or it
                failed on endpoints ``max_retries + 1`` times.
        """
        moves = 0
        while True:
            ep = await self._pick()
            ep.outstanding += 1
            ep.max_outstanding = max(ep.max_outstanding, ep.outstanding)
            ep.requests += 1
            t0 = time.monotonic()
            try:
                response = await ep.client.agenerate(request)
            except ProviderError as e:
                ep.failed += 1
                ep.consecutive += 1
                if e.kind not in MOVABLE:
                    raise
                if ep.consecutive >= self.eject_after and ep.active:
                    self._eject(ep)
                moves += 1
                if moves > self.max_retries:
                    raise ProviderError(f"no endpoint of the fleet answered ({e.message})",
                                        "check the servers given with --base-url "
                                        "(system.base_urls)", kind=e.kind,
                                        status=e.status) from e
                continue
            finally:
                ep.outstanding -= 1
            ep.ok += 1
            ep.consecutive = 0
            ep.latency += time.monotonic() - t0
            return response

    def endpoint_stats(self) -> list[dict[str, Any]]:
        """Per-endpoint figures for the run report."""
        total = sum(e.ok for e in self.endpoints)
        return [e.to_dict(total) for e in self.endpoints]

    async def aclose(self) -> None:
        for e in self.endpoints:
            await e.client.aclose()
