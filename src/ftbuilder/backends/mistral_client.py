"""Mistral chat completions (the ``mistralai`` SDK).

Structured output: ``response_format`` json_schema (Mistral's custom structured output); a
server that rejects it is asked again in json_object mode, with the schema in the system text.
"""

from __future__ import annotations

import json
from typing import Any

from ftbuilder.backends.base import LLMRequest, LLMResponse
from ftbuilder.backends.common import BackendClient, chat_messages, reading_reply, status_failure
from ftbuilder.backends.registry import ClientOptions
from ftbuilder.backends.retry import Failure

MISTRAL_URL = "https://api.mistral.ai"


class MistralClient(BackendClient):
    backend = "mistral"
    default_base_url = MISTRAL_URL

    def __init__(self, model: str, **kwargs: Any) -> None:
        super().__init__(model, **kwargs)
        # The SDK adds /v1 to every path; accept a base URL given with or without it.
        self.base_url = self.base_url.rstrip("/").removesuffix("/v1")
        self._json_mode = "json_schema"

    def _make_sdk(self) -> Any:
        from mistralai.client import Mistral

        return Mistral(api_key=self._api_key, server_url=self.base_url,
                       timeout_ms=int(self.timeout * 1000))

    async def _close_sdk(self, sdk: Any) -> None:
        await sdk.__aexit__(None, None, None)

    def _response_format(self, schema: dict[str, Any]) -> Any:
        from mistralai.client import models

        if self._json_mode == "json_schema":
            return models.ResponseFormat(type="json_schema", json_schema=models.JSONSchema(
                name="output", schema_definition=schema, strict=True))
        return models.ResponseFormat(type="json_object")

    async def _attempt(self, sdk: Any, request: LLMRequest) -> LLMResponse:
        from mistralai.client import errors

        kwargs: dict[str, Any] = {"model": self.model, "temperature": request.temperature,
                                  "max_tokens": request.max_tokens}
        if request.stop:
            kwargs["stop"] = request.stop
        if request.seed is not None:
            kwargs["random_seed"] = request.seed
        messages = chat_messages(request)
        schema = request.json_schema
        if schema is None:
            r = await sdk.chat.complete_async(messages=messages, **kwargs)
        else:
            try:
                r = await sdk.chat.complete_async(
                    messages=self._with_schema(messages, schema),
                    response_format=self._response_format(schema), **kwargs)
            except errors.MistralError as exc:
                if self._json_mode != "json_schema" or exc.status_code not in (400, 422):
                    raise
                self._json_mode = "json_object"
                self.stats.requests += 1
                r = await sdk.chat.complete_async(
                    messages=self._with_schema(messages, schema),
                    response_format=self._response_format(schema), **kwargs)
        with reading_reply(self.backend):
            choice = r.choices[0]
            content = choice.message.content if choice.message else ""
            if isinstance(content, list):  # content chunks: keep the text ones
                content = "".join(getattr(c, "text", "") or "" for c in content)
            usage = r.usage
            return LLMResponse(text=content or "", model=r.model or self.model,
                               finish_reason=str(choice.finish_reason or ""),
                               prompt_tokens=usage.prompt_tokens or 0,
                               completion_tokens=usage.completion_tokens or 0)

    def _with_schema(self, messages: list[dict[str, str]], schema: dict[str, Any]) -> list:
        if self._json_mode == "json_schema":
            return messages
        # JSON mode needs the shape spelled out in the prompt.
        note = "Answer with JSON only, matching this JSON schema: " + json.dumps(schema)
        return [{"role": "system", "content": note}, *messages]

    def _classify(self, exc: Exception) -> Failure | None:
        import httpx2
        from mistralai.client import errors

        if isinstance(exc, errors.MistralError):
            return status_failure(exc.status_code, exc.headers, exc.body or exc.message)
        if isinstance(exc, errors.NoResponseError):
            return Failure("connection", detail="no response received")
        if isinstance(exc, httpx2.TimeoutException):
            return Failure("timeout", detail=str(exc))
        if isinstance(exc, httpx2.TransportError):
            return Failure("connection", detail=str(exc) or type(exc).__name__)
        return None


def create(o: ClientOptions) -> MistralClient:
    """The Mistral backend (chat completions through mistralai)."""
    return MistralClient(o.model, api_key=o.api_key, base_url=o.base_url,
                         **o.common())  # type: ignore[arg-type]
