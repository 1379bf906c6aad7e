"""Anthropic Message Batches: ``/v1/messages/batches`` create (the requests inline, each with
its ``custom_id`` and Messages ``params``), retrieve (``processing_status`` in_progress ->
canceling -> ended) and results (a JSONL stream at the batch's ``results_url``: per custom id
``succeeded`` with the message, or ``errored`` / ``canceled`` / ``expired``).
"""

from __future__ import annotations

import json
from typing import Any

from ftbuilder.backends.anthropic_client import TOOL_NAME, message_params
from ftbuilder.backends.base import LLMResponse
from ftbuilder.backends.batch import (
    CANCELLING,
    COMPLETED,
    ERRORED,
    IN_PROGRESS,
    ITEM_CANCELED,
    ITEM_EXPIRED,
    SUCCEEDED,
    BatchInfo,
    BatchItem,
    BatchProcessor,
    ItemResult,
)

_STATES = {"in_progress": IN_PROGRESS, "canceling": CANCELLING, "ended": COMPLETED}


def message_text(message: dict[str, Any], wrapped: bool) -> str:
    """The text of a Messages reply: its text blocks, or the forced tool's input as JSON."""
    texts, tool_input = [], None
    for block in message.get("content") or []:
        if block.get("type") == "text":
            texts.append(block.get("text") or "")
        elif block.get("type") == "tool_use" and block.get("name") == TOOL_NAME:
            tool_input = block.get("input")
    if tool_input is not None:
        value = tool_input.get("value") if wrapped and isinstance(tool_input, dict) \
            else tool_input
        return json.dumps(value, ensure_ascii=False)
    return "".join(texts)


class AnthropicBatch(BatchProcessor):
    provider = "anthropic"
    max_requests = 100_000  # and 256 MB per batch (Anthropic's Message Batches docs)
    max_bytes = 250 * 1024 * 1024

    def _make_sdk(self) -> Any:
        from anthropic import AsyncAnthropic

        return AsyncAnthropic(api_key=self._api_key, auth_token=None,
                              base_url=self.base_url or "https://api.anthropic.com",
                              timeout=self.timeout, max_retries=2)

    def line(self, item: BatchItem) -> dict[str, Any]:
        params, _ = message_params(self.model, item.request)
        return {"custom_id": item.custom_id, "params": params}

    def _info(self, b: Any) -> BatchInfo:
        counts = b.request_counts.model_dump() if b.request_counts is not None else {}
        return BatchInfo(b.id, _STATES.get(b.processing_status, IN_PROGRESS),
                         b.processing_status, counts, "", b)

    async def _submit(self, sdk: Any, items: list[BatchItem], meta: dict[str, str]
                      ) -> BatchInfo:
        b = await sdk.messages.batches.create(requests=[self.line(i) for i in items])
        return self._info(b)

    async def _retrieve(self, sdk: Any, batch_id: str) -> BatchInfo:
        return self._info(await sdk.messages.batches.retrieve(batch_id))

    async def _results(self, sdk: Any, info: BatchInfo) -> list[ItemResult]:
        out: list[ItemResult] = []
        stream = await sdk.messages.batches.results(info.id)
        async for entry in stream:
            d = entry.model_dump()
            cid, result = str(d.get("custom_id") or ""), d.get("result") or {}
            kind = result.get("type")
            if kind == "succeeded":
                m = result.get("message") or {}
                usage = m.get("usage") or {}
                # a wrapped schema is a non-object schema; ours are objects (the runner's
                # conversations schema), so an object tool input is the answer itself
                text = message_text(m, wrapped=False)
                out.append(ItemResult(cid, SUCCEEDED, LLMResponse(
                    text=text, model=str(m.get("model") or self.model),
                    finish_reason=str(m.get("stop_reason") or ""),
                    prompt_tokens=int(usage.get("input_tokens") or 0),
                    completion_tokens=int(usage.get("output_tokens") or 0))))
            elif kind == "errored":
                err = (result.get("error") or {})
                err = err.get("error", err) if isinstance(err, dict) else {}
                out.append(ItemResult(cid, ERRORED, error=str(err.get("message") or
                                                             err.get("type") or "errored")))
            elif kind == "expired":
                out.append(ItemResult(cid, ITEM_EXPIRED, error="expired"))
            else:
                out.append(ItemResult(cid, ITEM_CANCELED, error=str(kind or "canceled")))
        return out

    async def _cancel(self, sdk: Any, batch_id: str) -> None:
        await sdk.messages.batches.cancel(batch_id)
