"""OpenAI Batch API: the requests as JSONL uploaded (Files API, purpose "batch"), then
``/v1/batches`` create / retrieve / cancel; results and errors are two JSONL files, one line
per custom id (docs/scale.md has the shapes). Any OpenAI-compatible server with this API
works through ``--base-url``.
"""

from __future__ import annotations

import json
from typing import Any

from ftbuilder.backends.base import LLMRequest
from ftbuilder.backends.batch import (
    ITEM_EXPIRED,
    STATES,
    BatchInfo,
    BatchItem,
    BatchProcessor,
    ItemResult,
    chat_result,
)
from ftbuilder.backends.common import chat_messages
from ftbuilder.backends.openai_client import OPENAI_URL, tls_context

ENDPOINT = "/v1/chat/completions"


def chat_body(model: str, request: LLMRequest, tokens_param: str = "max_tokens"
              ) -> dict[str, Any]:
    """A chat-completions body for ``request`` (what the live client sends)."""
    body: dict[str, Any] = {"model": model, "messages": chat_messages(request),
                            "temperature": request.temperature,
                            tokens_param: request.max_tokens}
    if request.stop:
        body["stop"] = request.stop
    if request.seed is not None:
        body["seed"] = request.seed
    if request.json_schema is not None:
        body["response_format"] = {"type": "json_schema", "json_schema": {
            "name": "output", "schema": request.json_schema, "strict": False}}
    return body


class OpenAIBatch(BatchProcessor):
    provider = "openai"
    max_requests = 50_000  # per batch, and 200 MB per input file (OpenAI's Batch API guide)
    max_bytes = 190 * 1024 * 1024

    def _make_sdk(self) -> Any:
        from openai import AsyncOpenAI, DefaultAioHttpClient

        return AsyncOpenAI(api_key=self._api_key or "no-key", base_url=self.base_url or OPENAI_URL,
                           timeout=self.timeout, max_retries=2,
                           http_client=DefaultAioHttpClient(timeout=self.timeout,
                                                            verify=tls_context()))

    def line(self, item: BatchItem) -> dict[str, Any]:
        param = "max_completion_tokens" if (self.base_url or OPENAI_URL) == OPENAI_URL \
            else "max_tokens"
        return {"custom_id": item.custom_id, "method": "POST", "url": ENDPOINT,
                "body": chat_body(self.model, item.request, param)}

    def _info(self, b: Any) -> BatchInfo:
        counts = b.request_counts.model_dump() if b.request_counts is not None else {}
        errors = getattr(getattr(b, "errors", None), "data", None) or []
        detail = "; ".join(str(getattr(e, "message", "") or "") for e in errors)[:300]
        state = b.status if b.status in STATES else "in_progress"
        return BatchInfo(b.id, state, b.status, counts, detail, b)

    async def _submit(self, sdk: Any, items: list[BatchItem], meta: dict[str, str]
                      ) -> BatchInfo:
        data = "".join(json.dumps(self.line(i), ensure_ascii=False) + "\n" for i in items)
        f = await sdk.files.create(file=("ftb-batch.jsonl", data.encode()), purpose="batch")
        b = await sdk.batches.create(input_file_id=f.id, endpoint=ENDPOINT,
                                     completion_window="24h", metadata=meta)
        return self._info(b)

    async def _retrieve(self, sdk: Any, batch_id: str) -> BatchInfo:
        return self._info(await sdk.batches.retrieve(batch_id))

    async def _results(self, sdk: Any, info: BatchInfo) -> list[ItemResult]:
        out: list[ItemResult] = []
        for file_id in (info.raw.output_file_id, info.raw.error_file_id):
            if not file_id:
                continue
            content = await sdk.files.content(file_id)
            for raw in content.text.splitlines():
                if not raw.strip():
                    continue
                line = json.loads(raw)
                cid = str(line.get("custom_id") or "")
                result = chat_result(cid, line, self.model)
                err = line.get("error") if isinstance(line.get("error"), dict) else {}
                if err.get("code") == "batch_expired":
                    result.outcome = ITEM_EXPIRED
                out.append(result)
        return out

    async def _find(self, sdk: Any, token: str) -> BatchInfo | None:
        page = await sdk.batches.list(limit=100)
        for b in page.data:
            if (b.metadata or {}).get("ftb_batch") == token:
                return self._info(b)
        return None

    async def _cancel(self, sdk: Any, batch_id: str) -> None:
        await sdk.batches.cancel(batch_id)
