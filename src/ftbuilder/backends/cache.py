"""A response cache in front of any LLM client, so a resumed run repeats no call.

The key is SHA-256 of (backend, model, the request's ``cache_key_parts()``, plus the server's
URL when it is not the backend's own endpoint: two local servers may serve different models
under one name): the same prompt with the same parameters to the same model is answered
once, ever. Storage is anything with
``cache_get(key)`` and ``cache_put(...)`` (the store's ``llm_cache`` table in practice;
backends do not import the store). Identical requests in flight at the same time share one
call.

``write_through=False`` keeps new replies in :attr:`CachedClient.unsaved` (still answered
from there) until the owner takes them with :meth:`CachedClient.take_unsaved` and writes
them in its own transaction: the agents' runner commits a reply together with the samples
made from it, one transaction per item instead of two.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from typing import Protocol

from ftbuilder.backends.base import LLMClient, LLMRequest, LLMResponse

# (key, backend, model, response text, prompt tokens, completion tokens): cache_put's arguments
CacheRow = tuple[str, str, str, str, int, int]


class CacheBackend(Protocol):
    def cache_get(self, key: str) -> tuple[str, int, int] | None: ...

    def cache_put(self, key: str, backend: str, model: str, response: str,
                  prompt_tokens: int, completion_tokens: int) -> None: ...


def cache_key(backend: str, model: str, request: LLMRequest, endpoint: str = "") -> str:
    """SHA-256 hex of the backend, the model, every request parameter (and ``endpoint``)."""
    parts: list[object] = [backend, model, request.cache_key_parts()]
    if endpoint:
        parts.append(endpoint)
    payload = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class CachedClient(LLMClient):
    """Wraps ``inner``: answers from ``cache`` when it can, else calls and stores the reply.

    ``hits`` and ``misses`` count what happened; a miss is one real call to ``inner``.
    """

    def __init__(self, inner: LLMClient, cache: CacheBackend, write_through: bool = True) -> None:
        super().__init__(inner.model)
        self.inner = inner
        self.backend = inner.backend
        self.cache = cache
        self.write_through = write_through
        self.unsaved: dict[str, CacheRow] = {}
        self.hits = 0
        self.misses = 0
        self._inflight: dict[str, asyncio.Future[LLMResponse]] = {}

    def key(self, request: LLMRequest) -> str:
        url = getattr(self.inner, "base_url", "") or ""
        endpoint = "" if url == getattr(self.inner, "default_base_url", "") else url
        return cache_key(self.inner.backend, self.inner.model, request, endpoint)

    def _get(self, key: str) -> tuple[str, int, int] | None:
        row = self.unsaved.get(key)
        return row[3:] if row is not None else self.cache.cache_get(key)

    def take_unsaved(self) -> list[CacheRow]:
        """The replies not written yet (``write_through=False``), as rows for ``cache_put``;
        the caller now owns writing them."""
        rows = list(self.unsaved.values())
        self.unsaved.clear()
        return rows

    def lookup(self, request: LLMRequest) -> LLMResponse | None:
        """The cached reply to ``request``, without calling the backend."""
        found = self._get(self.key(request))
        if found is None:
            return None
        text, pt, ct = found
        return LLMResponse(text, pt, ct, self.inner.model, "cached", cached=True)

    async def agenerate(self, request: LLMRequest) -> LLMResponse:
        key = self.key(request)
        found = self._get(key)
        if found is not None:
            self.hits += 1
            text, pt, ct = found
            return LLMResponse(text, pt, ct, self.inner.model, "cached", cached=True)
        pending = self._inflight.get(key)
        if pending is not None:
            self.hits += 1
            r = await asyncio.shield(pending)
            return LLMResponse(r.text, r.prompt_tokens, r.completion_tokens, r.model,
                               r.finish_reason, cached=True)
        fut: asyncio.Future[LLMResponse] = asyncio.get_running_loop().create_future()
        self._inflight[key] = fut
        try:
            self.misses += 1
            response = await self.inner.agenerate(request)
            row: CacheRow = (key, self.inner.backend, self.inner.model, response.text,
                             response.prompt_tokens, response.completion_tokens)
            if self.write_through:
                self.cache.cache_put(*row)
            else:
                self.unsaved[key] = row
            fut.set_result(response)
            return response
        except BaseException as e:
            if not fut.done():
                if isinstance(e, asyncio.CancelledError):
                    fut.cancel()
                else:
                    fut.set_exception(e)
                    fut.exception()  # mark retrieved: waiters re-raise it, nobody else must
            raise
        finally:
            self._inflight.pop(key, None)

    async def aclose(self) -> None:
        await self.inner.aclose()

    def describe(self) -> str:
        return self.inner.describe()
