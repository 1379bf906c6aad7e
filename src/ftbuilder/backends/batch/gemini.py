"""Gemini API batch mode (google-genai ``batches``): ``models/{model}:batchGenerateContent``
with the requests inlined (each a GenerateContentRequest with ``metadata.key`` = the custom
id), ``batches/{id}`` get / cancel; the state is ``BATCH_STATE_*`` on the wire, which the
SDK reports as ``JOB_STATE_*``; the results are inlined in the finished batch
(``output.inlinedResponses``), each with its ``metadata.key`` and a response or an error.
"""

from __future__ import annotations

from typing import Any

from ftbuilder.backends.anthropic_client import split_system
from ftbuilder.backends.base import LLMRequest, LLMResponse
from ftbuilder.backends.batch import (
    CANCELLED,
    CANCELLING,
    COMPLETED,
    ERRORED,
    EXPIRED,
    FAILED,
    IN_PROGRESS,
    SUCCEEDED,
    VALIDATING,
    BatchInfo,
    BatchItem,
    BatchProcessor,
    ItemResult,
)
from ftbuilder.backends.google_client import GEMINI_URL, generation_config

_STATES = {"JOB_STATE_PENDING": VALIDATING, "JOB_STATE_QUEUED": VALIDATING,
           "JOB_STATE_RUNNING": IN_PROGRESS, "JOB_STATE_UPDATING": IN_PROGRESS,
           "JOB_STATE_PAUSED": IN_PROGRESS, "JOB_STATE_SUCCEEDED": COMPLETED,
           "JOB_STATE_PARTIALLY_SUCCEEDED": COMPLETED, "JOB_STATE_FAILED": FAILED,
           "JOB_STATE_CANCELLING": CANCELLING, "JOB_STATE_CANCELLED": CANCELLED,
           "JOB_STATE_EXPIRED": EXPIRED}


def inlined_request(model: str, custom_id: str, request: LLMRequest) -> dict[str, Any]:
    """One inlined request (google-genai's InlinedRequest) for ``request``."""
    system, turns = split_system(request)
    contents = [{"role": "model" if t["role"] == "assistant" else "user",
                 "parts": [{"text": t["content"]}]} for t in turns]
    return {"contents": contents, "config": generation_config(request, system),
            "metadata": {"key": custom_id}}


class GeminiBatch(BatchProcessor):
    provider = "google"
    # inlined requests: the whole create request stays under 20 MB (Gemini batch mode docs)
    max_requests = 10_000
    max_bytes = 18 * 1024 * 1024

    def _make_sdk(self) -> Any:
        from google import genai
        from google.genai import types

        options = types.HttpOptions(base_url=self.base_url or GEMINI_URL,
                                    timeout=int(self.timeout * 1000),
                                    retry_options=types.HttpRetryOptions(attempts=3))
        return genai.Client(api_key=self._api_key, vertexai=False, http_options=options)

    async def aclose(self) -> None:
        sdk, self._sdk_obj = self._sdk_obj, None
        if sdk is not None:
            await sdk.aio.aclose()

    def line(self, item: BatchItem) -> dict[str, Any]:
        return inlined_request(self.model, item.custom_id, item.request)

    def _info(self, b: Any) -> BatchInfo:
        raw = str(getattr(b.state, "value", b.state) or "")
        err = getattr(b, "error", None)
        return BatchInfo(str(b.name), _STATES.get(raw, IN_PROGRESS), raw, {},
                         str(getattr(err, "message", "") or "") if err else "", b)

    async def _submit(self, sdk: Any, items: list[BatchItem], meta: dict[str, str]
                      ) -> BatchInfo:
        b = await sdk.aio.batches.create(
            model=self.model, src=[self.line(i) for i in items],
            config={"display_name": meta.get("ftb_batch", "ftb")})
        return self._info(b)

    async def _retrieve(self, sdk: Any, batch_id: str) -> BatchInfo:
        return self._info(await sdk.aio.batches.get(name=batch_id))

    async def _results(self, sdk: Any, info: BatchInfo) -> list[ItemResult]:
        dest = getattr(info.raw, "dest", None)
        out: list[ItemResult] = []
        for r in (getattr(dest, "inlined_responses", None) or []):
            cid = str((r.metadata or {}).get("key") or "")
            if r.error is not None or r.response is None:
                msg = getattr(r.error, "message", None) or "no response"
                out.append(ItemResult(cid, ERRORED, error=str(msg)[:300]))
                continue
            candidate = (r.response.candidates or [None])[0]
            parts = (candidate.content.parts or []) if candidate and candidate.content else []
            usage = r.response.usage_metadata
            finish = candidate.finish_reason if candidate else None
            out.append(ItemResult(cid, SUCCEEDED, LLMResponse(
                text="".join(p.text for p in parts if getattr(p, "text", None)),
                model=self.model, finish_reason=str(getattr(finish, "value", finish) or ""),
                prompt_tokens=(usage.prompt_token_count or 0) if usage else 0,
                completion_tokens=(usage.candidates_token_count or 0) if usage else 0)))
        return out

    async def _cancel(self, sdk: Any, batch_id: str) -> None:
        await sdk.aio.batches.cancel(name=batch_id)
