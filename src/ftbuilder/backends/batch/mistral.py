"""Mistral batch API: the requests as JSONL uploaded to ``/v1/files`` (purpose "batch"),
then ``/v1/batch/jobs`` create / get / cancel; the job's ``output_file`` and ``error_file``
are JSONL (``custom_id``, ``response.status_code``, ``response.body``) read from
``/v1/files/{id}/content``. Status QUEUED, RUNNING, SUCCESS, FAILED, TIMEOUT_EXCEEDED,
CANCELLATION_REQUESTED, CANCELLED.
"""

from __future__ import annotations

import json
from typing import Any

from ftbuilder.backends.batch import (
    CANCELLED,
    CANCELLING,
    COMPLETED,
    EXPIRED,
    FAILED,
    IN_PROGRESS,
    VALIDATING,
    BatchInfo,
    BatchItem,
    BatchProcessor,
    ItemResult,
    chat_result,
)
from ftbuilder.backends.batch.openai import ENDPOINT, chat_body

_STATES = {"QUEUED": VALIDATING, "RUNNING": IN_PROGRESS, "SUCCESS": COMPLETED,
           "FAILED": FAILED, "TIMEOUT_EXCEEDED": EXPIRED,
           "CANCELLATION_REQUESTED": CANCELLING, "CANCELLED": CANCELLED}


class MistralBatch(BatchProcessor):
    provider = "mistral"
    max_requests = 1_000_000  # Mistral's batch docs

    def _make_sdk(self) -> Any:
        from mistralai.client import Mistral

        return Mistral(api_key=self._api_key, server_url=self.base_url,
                       timeout_ms=int(self.timeout * 1000))

    async def aclose(self) -> None:
        sdk, self._sdk_obj = self._sdk_obj, None
        if sdk is not None:
            await sdk.__aexit__(None, None, None)

    def line(self, item: BatchItem) -> dict[str, Any]:
        body = chat_body(self.model, item.request)
        body.pop("model", None)  # the job names the model
        if "seed" in body:
            body["random_seed"] = body.pop("seed")
        return {"custom_id": item.custom_id, "body": body}

    def _info(self, j: Any) -> BatchInfo:
        counts = {"total": j.total_requests, "completed": j.completed_requests,
                  "succeeded": j.succeeded_requests, "failed": j.failed_requests}
        detail = "; ".join(str(getattr(e, "message", "")) for e in j.errors or [])[:300]
        return BatchInfo(j.id, _STATES.get(str(j.status), IN_PROGRESS), str(j.status), counts,
                         detail, j)

    async def _submit(self, sdk: Any, items: list[BatchItem], meta: dict[str, str]
                      ) -> BatchInfo:
        data = "".join(json.dumps(self.line(i), ensure_ascii=False) + "\n" for i in items)
        f = await sdk.files.upload_async(file={"file_name": "ftb-batch.jsonl",
                                               "content": data.encode()}, purpose="batch")
        j = await sdk.batch.jobs.create_async(input_files=[f.id], endpoint=ENDPOINT,
                                              model=self.model, metadata=meta)
        return self._info(j)

    async def _retrieve(self, sdk: Any, batch_id: str) -> BatchInfo:
        return self._info(await sdk.batch.jobs.get_async(job_id=batch_id))

    async def _results(self, sdk: Any, info: BatchInfo) -> list[ItemResult]:
        out: list[ItemResult] = []
        for file_id in (info.raw.output_file, info.raw.error_file):
            if not isinstance(file_id, str) or not file_id:
                continue
            response = await sdk.files.download_async(file_id=file_id)
            text = (await response.aread()).decode("utf-8")
            for raw in text.splitlines():
                if raw.strip():
                    line = json.loads(raw)
                    out.append(chat_result(str(line.get("custom_id") or ""), line, self.model))
        return out

    async def _cancel(self, sdk: Any, batch_id: str) -> None:
        await sdk.batch.jobs.cancel_async(job_id=batch_id)
