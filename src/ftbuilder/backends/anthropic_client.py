"""Anthropic Messages API (the ``anthropic`` SDK).

Structured output: one tool whose input schema is the requested schema, forced with
``tool_choice``; the tool call's input is the answer. A non-object schema is wrapped in an
object under ``value`` (tool inputs are objects) and unwrapped again.
"""

from __future__ import annotations

import json
from typing import Any

from ftbuilder.backends.base import LLMRequest, LLMResponse
from ftbuilder.backends.common import (
    BackendClient,
    NotJSONReply,
    chat_messages,
    reading_reply,
    status_failure,
    with_cause,
)
from ftbuilder.backends.registry import ClientOptions
from ftbuilder.backends.retry import Failure

TOOL_NAME = "emit_output"


def _tool_schema(schema: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    if schema.get("type") == "object":
        return schema, False
    return {"type": "object", "properties": {"value": schema}, "required": ["value"]}, True


def split_system(request: LLMRequest) -> tuple[str | None, list[dict[str, str]]]:
    """Anthropic and Gemini take the system text apart from the turns."""
    messages = chat_messages(request, system_inline=False)
    system_parts = [request.system] if request.system else []
    turns = []
    for m in messages:
        if m.get("role") == "system":
            system_parts.append(m.get("content", ""))
        else:
            turns.append({"role": m.get("role", "user"), "content": m.get("content", "")})
    return ("\n\n".join(system_parts) or None), turns


class AnthropicClient(BackendClient):
    backend = "anthropic"
    default_base_url = "https://api.anthropic.com"

    def _make_sdk(self) -> Any:
        from anthropic import AsyncAnthropic

        return AsyncAnthropic(api_key=self._api_key, auth_token=None, base_url=self.base_url,
                              timeout=self.timeout, max_retries=0)

    async def _attempt(self, sdk: Any, request: LLMRequest) -> LLMResponse:
        kwargs, wrapped = message_params(self.model, request)
        r = await sdk.messages.create(**kwargs)
        if isinstance(r, str | bytes):  # the SDK hands back a body that is not JSON as is
            text = r if isinstance(r, str) else r.decode("utf-8", "replace")
            raise NotJSONReply(f"the reply is not JSON: {text[:4000]}")
        with reading_reply(self.backend):
            texts, tool_input = [], None
            for block in r.content:
                if block.type == "text":
                    texts.append(block.text)
                elif block.type == "tool_use" and block.name == TOOL_NAME:
                    tool_input = block.input
            text = "".join(texts)
            if tool_input is not None:
                value = tool_input.get("value") if wrapped and isinstance(tool_input, dict) \
                    else tool_input
                text = json.dumps(value, ensure_ascii=False)
            return LLMResponse(text=text, model=r.model or self.model,
                               finish_reason=r.stop_reason or "",
                               prompt_tokens=r.usage.input_tokens or 0,
                               completion_tokens=r.usage.output_tokens or 0)

    def _classify(self, exc: Exception) -> Failure | None:
        import anthropic

        if isinstance(exc, anthropic.APITimeoutError):
            return Failure("timeout", detail=str(exc))
        if isinstance(exc, anthropic.APIConnectionError):
            return Failure("connection", detail=with_cause(exc))
        if isinstance(exc, anthropic.APIStatusError):
            return status_failure(exc.status_code, exc.response.headers, str(exc.message))
        if isinstance(exc, anthropic.AnthropicError):
            return Failure("other", detail=str(exc))
        return None


def create(o: ClientOptions) -> AnthropicClient:
    """The Anthropic backend (Messages API)."""
    return AnthropicClient(o.model, api_key=o.api_key, base_url=o.base_url,
                           **o.common())  # type: ignore[arg-type]


def message_params(model: str, request: LLMRequest) -> tuple[dict[str, Any], bool]:
    """Messages API parameters for ``request`` (live calls and batch requests), and whether
    the JSON schema was wrapped in a ``value`` property for the forced tool. This SDK's
    Messages API takes no sampling temperature here; the model's default applies."""
    system, turns = split_system(request)
    params: dict[str, Any] = {"model": model, "max_tokens": request.max_tokens,
                              "messages": turns}
    if system:
        params["system"] = system
    if request.stop:
        params["stop_sequences"] = request.stop
    wrapped = False
    if request.json_schema is not None:
        schema, wrapped = _tool_schema(request.json_schema)
        params["tools"] = [{"name": TOOL_NAME, "input_schema": schema,
                            "description": "Record the answer as structured data."}]
        params["tool_choice"] = {"type": "tool", "name": TOOL_NAME}
    return params, wrapped
