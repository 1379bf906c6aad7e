"""Provider batch APIs behind one interface: requests go out as one batch, results come back
by custom id, at the provider's batch price (docs/scale.md).

One :class:`BatchProcessor` per provider (openai, anthropic, google, mistral), each on its
official SDK and that API's wire protocol: ``submit`` (the JSONL or inlined requests, upload
where the API wants a file, create), ``retrieve`` (the state, normalised to :data:`STATES`),
``results`` (one :class:`ItemResult` per custom id: the reply, or why there is none) and
``cancel``. What is done with them (the store, polling, retries) is services.batch.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

from ftbuilder.backends.base import LLMRequest, LLMResponse
from ftbuilder.backends.common import status_failure, with_cause
from ftbuilder.backends.registry import ClientOptions
from ftbuilder.core import redact as redaction
from ftbuilder.core.errors import ProviderError

# normalised batch states (OpenAI's names; the others are mapped onto them)
VALIDATING, IN_PROGRESS, FINALIZING, CANCELLING = (
    "validating", "in_progress", "finalizing", "cancelling")
COMPLETED, FAILED, EXPIRED, CANCELLED = "completed", "failed", "expired", "cancelled"
STATES = (VALIDATING, IN_PROGRESS, FINALIZING, CANCELLING, COMPLETED, FAILED, EXPIRED,
          CANCELLED)
TERMINAL = frozenset({COMPLETED, FAILED, EXPIRED, CANCELLED})

# per-item outcomes
SUCCEEDED, ERRORED, ITEM_EXPIRED, ITEM_CANCELED = "succeeded", "errored", "expired", "canceled"

PROCESSORS = {"openai": "ftbuilder.backends.batch.openai:OpenAIBatch",
              "anthropic": "ftbuilder.backends.batch.anthropic:AnthropicBatch",
              "google": "ftbuilder.backends.batch.gemini:GeminiBatch",
              "mistral": "ftbuilder.backends.batch.mistral:MistralBatch"}


@dataclass(slots=True)
class BatchItem:
    """One request of a batch; ``custom_id`` is the work item's key."""

    custom_id: str
    request: LLMRequest


@dataclass(slots=True)
class BatchInfo:
    """A batch as the provider reports it: ``state`` normalised, ``raw_state`` as sent."""

    id: str
    state: str
    raw_state: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    detail: str = ""  # why a batch failed, when the provider says
    raw: Any = None  # the SDK's object (results read from it)

    @property
    def terminal(self) -> bool:
        return self.state in TERMINAL


@dataclass(slots=True)
class ItemResult:
    """One custom id's outcome: a reply (``SUCCEEDED``) or why there is none."""

    custom_id: str
    outcome: str
    response: LLMResponse | None = None
    error: str = ""


class BatchProcessor:
    """Base of the per-provider processors (see the module docstring).

    Args:
        options: the same options a live client of that backend is made from (model, key,
            base URL, timeout).
    """

    provider = "base"
    max_requests = 50_000  # per batch (the provider's documented limit, or lower)
    max_bytes = 100 * 1024 * 1024

    def __init__(self, options: ClientOptions) -> None:
        self.model = options.model
        self._api_key = options.api_key
        redaction.register_secrets([options.api_key])
        self.base_url = options.base_url
        self.timeout = options.timeout
        self._redact = options.redact
        self._sdk_obj: Any = None

    # --- for subclasses ----------------------------------------------------------------------
    def _make_sdk(self) -> Any:
        raise NotImplementedError

    async def _submit(self, sdk: Any, items: list[BatchItem], meta: dict[str, str]
                      ) -> BatchInfo:
        raise NotImplementedError

    async def _retrieve(self, sdk: Any, batch_id: str) -> BatchInfo:
        raise NotImplementedError

    async def _results(self, sdk: Any, info: BatchInfo) -> list[ItemResult]:
        raise NotImplementedError

    async def _cancel(self, sdk: Any, batch_id: str) -> None:
        raise NotImplementedError

    def _status_of(self, exc: Exception) -> int | None:
        for attr in ("status_code", "code", "status"):
            value = getattr(exc, attr, None)
            if isinstance(value, int) and not isinstance(value, bool):
                return value
        return None

    # --- shared ----------------------------------------------------------------------------
    def sdk(self) -> Any:
        if self._sdk_obj is None:
            self._sdk_obj = self._make_sdk()
        return self._sdk_obj

    async def aclose(self) -> None:
        sdk, self._sdk_obj = self._sdk_obj, None
        close = getattr(sdk, "close", None) if sdk is not None else None
        if close is not None:
            result = close()
            if hasattr(result, "__await__"):
                await result

    def redact(self, text: str) -> str:
        text = redaction.redact(text, [self._api_key])
        return self._redact(text) if self._redact is not None else text

    async def _call(self, what: str, coro: Any) -> Any:
        """Await ``coro``; an SDK failure becomes a ProviderError naming ``what``."""
        try:
            return await coro
        except ProviderError:
            raise
        except Exception as exc:
            raise self._error(what, exc) from exc

    def _error(self, what: str, exc: Exception) -> ProviderError:
        status = self._status_of(exc)
        detail = self.redact(with_cause(exc))[:300]
        if status is None:
            kind = "connection" if "connect" in detail.lower() else "other"
            hint = "check that the batch API is reachable (--base-url) and try again"
        else:
            kind = status_failure(status, None, detail).kind
            hint = {"auth": "check the API key in .env or the environment",
                    "not_found": "the batch is unknown to this key or endpoint (it may "
                                 "belong to another account, or have been deleted)",
                    "rate_limit": "too many batches at once: try again later"}.get(
                kind, "see the message; `ftb batches collect` tries again")
        where = f" (HTTP {status})" if status else ""
        return ProviderError(f"{self.provider} batch API: {what} failed{where}: {detail}",
                             hint, kind=kind, status=status)

    async def submit(self, items: list[BatchItem], meta: dict[str, str]) -> BatchInfo:
        """Send ``items`` as one batch (``meta`` goes along where the API keeps metadata)."""
        return await self._call("submitting the batch", self._submit(self.sdk(), items, meta))

    async def retrieve(self, batch_id: str) -> BatchInfo:
        return await self._call(f"reading batch {batch_id}", self._retrieve(self.sdk(),
                                                                            batch_id))

    async def results(self, info: BatchInfo) -> list[ItemResult]:
        """The outcome of each request the provider reports on (missing ones: not reported)."""
        return await self._call(f"reading the results of batch {info.id}",
                                self._results(self.sdk(), info))

    async def find(self, token: str) -> BatchInfo | None:
        """The batch sent with metadata ``ftb_batch`` = ``token``, when the API can list
        batches by metadata; None when not found or not listable."""
        return await self._call("looking for a batch sent before", self._find(self.sdk(),
                                                                              token))

    async def _find(self, sdk: Any, token: str) -> BatchInfo | None:
        return None

    async def cancel(self, batch_id: str) -> None:
        await self._call(f"cancelling batch {batch_id}", self._cancel(self.sdk(), batch_id))


def processor_for(provider: str, options: ClientOptions) -> BatchProcessor:
    """The batch processor of ``provider``.

    Raises:
        ProviderError: the provider has no batch API here (the llama backend, say).
    """
    path = PROCESSORS.get(provider)
    if path is None:
        raise ProviderError(f"{provider} has no batch API",
                            "--batch works with openai, anthropic, google and mistral; for "
                            "local servers use several --base-url instead", kind="bad_request")
    module, _, cls = path.partition(":")
    return getattr(importlib.import_module(module), cls)(options)


def usage_of(body: dict[str, Any], prompt: str, completion: str) -> tuple[int, int]:
    """(prompt, completion) tokens from a reply body's usage object, 0 when absent."""
    usage = body.get("usage") if isinstance(body, dict) else None
    usage = usage if isinstance(usage, dict) else {}

    def num(v: Any) -> int:
        return v if isinstance(v, int) and not isinstance(v, bool) else 0

    return num(usage.get(prompt)), num(usage.get(completion))


def chat_result(custom_id: str, line: dict[str, Any], model: str) -> ItemResult:
    """One line of an OpenAI-shaped results file (OpenAI, Mistral): ``response.status_code``
    and ``response.body`` (a chat completion), or ``error``."""
    response = line.get("response") if isinstance(line.get("response"), dict) else {}
    body = response.get("body") if isinstance(response.get("body"), dict) else {}
    status = response.get("status_code")
    error = line.get("error")
    if error or status != 200:
        msg = error.get("message") if isinstance(error, dict) else error
        if not msg and isinstance(body.get("error"), dict):
            msg = body["error"].get("message")
        return ItemResult(custom_id, ERRORED, error=str(msg or f"HTTP {status}")[:300])
    choices = body.get("choices")
    choice = choices[0] if isinstance(choices, list) and choices and isinstance(
        choices[0], dict) else {}
    message = choice.get("message") if isinstance(choice.get("message"), dict) else {}
    text = message.get("content")
    if isinstance(text, list):  # content chunks (Mistral)
        text = "".join(c.get("text", "") for c in text if isinstance(c, dict))
    if not isinstance(text, str):
        return ItemResult(custom_id, ERRORED, error="the reply has no message text")
    pt, ct = usage_of(body, "prompt_tokens", "completion_tokens")
    return ItemResult(custom_id, SUCCEEDED, LLMResponse(
        text=text, prompt_tokens=pt, completion_tokens=ct, model=str(body.get("model") or model),
        finish_reason=str(choice.get("finish_reason") or "")))
